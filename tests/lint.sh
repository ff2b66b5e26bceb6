#!/usr/bin/env bash
# The checks that need no build (CI runs them before the tests; `npm run lint`): C formatting
# (.clang-format, Debian clang-format 14), ESLint (eslint.config.js) and docs/API.md being the one
# scripts/docs.mjs makes from web/index.d.ts. Runs all three, fails if any fails.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

echo "== C formatting (clang-format --dry-run -Werror) =="
clang-format --version | grep -q 'version 14\.' ||
  echo "note: CI formats with clang-format 14; $(clang-format --version) may disagree"
git ls-files -z --cached --others --exclude-standard '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror || status=1

echo "== ESLint =="
npx eslint web demo tests bench bin scripts || status=1

echo "== docs/API.md up to date =="
node scripts/docs.mjs --check || status=1

exit $status
