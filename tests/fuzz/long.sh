#!/usr/bin/env bash
# Runs each fuzz target for an hour (WISP_FUZZ_SECONDS; one target at a time, niced), then
# minimises its corpus back into tests/fuzz/corpus/<target>/ (kept in git: small inputs that
# reach everything the run reached). Crashes land in tests/fuzz/crashes/<target>/: each becomes
# a fixed bug, a test that fails without the fix (tests/c/test_fuzz_found.c), and a corpus file.
#
#   tests/fuzz/long.sh [target...]        # default: loader run image external
#   WISP_FUZZ_SECONDS=600 tests/fuzz/long.sh run
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${WISP_FUZZ_SECONDS:-3600}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(loader run image external)

CC=clang cmake -S . -B build-fuzz -DWISP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz_}" >/dev/null

for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/fuzz_$t crashes=tests/fuzz/crashes/fuzz_$t
  work=$(mktemp -d)
  mkdir -p "$crashes" "$corpus"
  cp "$corpus"/* "$work"/ 2>/dev/null || true
  echo "== fuzz_$t: ${seconds} s from $(ls "$corpus" | wc -l) corpus files"
  # fork mode goes on after a crash (each is saved); 2.2 GB malloc cap: wisp refuses tensors
  # over 2 GB, so a larger request is a bug
  UBSAN_OPTIONS=halt_on_error=1 nice -n 19 "./build-fuzz/fuzz_$t" -max_total_time="$seconds" \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -timeout=20 \
    -malloc_limit_mb=2200 -rss_limit_mb=6000 -artifact_prefix="$crashes/" "$work" 2>&1 |
    grep -E "^#[0-9]+:" | tail -n 1
  minimal=$(mktemp -d)
  nice -n 19 "./build-fuzz/fuzz_$t" -merge=1 -malloc_limit_mb=2200 -rss_limit_mb=6000 \
    "$minimal" "$work" >/dev/null 2>&1
  rm -rf "$corpus" && mkdir -p "$corpus" && cp "$minimal"/* "$corpus"/
  echo "   corpus: $(ls "$corpus" | wc -l) files, $(du -sh "$corpus" | cut -f1); crashes: $(ls "$crashes" | wc -l)"
  rm -rf "$work" "$minimal"
  rmdir "$crashes" 2>/dev/null || true
done
