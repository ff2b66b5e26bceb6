// types.test.js — web/index.d.ts: tsc --strict over tests/types/usage.ts (every entry point,
// imported by the package's name, plus misuse that must not compile), and the declared exports
// are exactly the runtime's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('tsc --strict --noEmit accepts the example and refuses the misuse', () => {
  const r = spawnSync(`${root}node_modules/.bin/tsc`, ['-p', 'tests/types', '--strict', '--noEmit'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test('index.d.ts declares exactly what web/index.js exports', async () => {
  const runtime = Object.keys(await import('../../web/index.js')).sort();
  const dts = readFileSync(`${root}web/index.d.ts`, 'utf8');
  const declared = [...new Set([...dts.matchAll(/^export (?:class|function|const) (\w+)/gm)].map((m) => m[1]))].sort();
  assert.deepEqual(declared, runtime);
});
