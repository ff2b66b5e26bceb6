// package.test.js — what `npm pack` ships: every file the runtime and the CLI import (followed
// from the entry points), the declarations, the four .wasm files and the licence — and nothing
// else (no tests, no C sources, no models). And the package.json fields a registry needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

// The package's own files reachable from the entry points: static and dynamic relative imports
// and new URL('./x', import.meta.url) (workers, .wasm).
function reachable(entries) {
  const seen = new Set(), todo = [...entries];
  while (todo.length) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.js')) continue;
    const src = readFileSync(join(root, file), 'utf8');
    const refs = [...src.matchAll(/(?:from\s+|import\(\s*|new URL\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
    for (const ref of refs) todo.push(normalize(relative(root, join(root, dirname(file), ref))));
  }
  return seen;
}

test('npm pack ships exactly what runs', () => {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
  const shipped = new Set(info.files.map((f) => f.path));
  const needed = reachable(['web/index.js', ...Object.values(pkg.bin)]);
  for (const f of needed) assert.ok(shipped.has(f), `${f} is imported at run time but not packed`);
  for (const f of ['web/wisp.wasm', 'web/wisp_relaxed.wasm', 'web/wisp_mt.wasm', 'web/wisp_relaxed_mt.wasm', 'web/wisp_extra.wasm', 'web/wisp_extra_mt.wasm', 'web/index.d.ts', 'LICENSE', 'README.md', 'package.json']) {
    assert.ok(shipped.has(f), `${f} not packed`);
  }
  const extra = [...shipped].filter((f) => !needed.has(f) && !['web/index.d.ts', 'LICENSE', 'README.md', 'package.json'].includes(f));
  assert.deepEqual(extra, [], 'packed but never used');
  assert.ok(![...shipped].some((f) => /^(tests|src|models|demo|bench)\//.test(f)));
});

test('package.json: a free name, licence, exports, types, bin', () => {
  assert.notEqual(pkg.name, 'wisp', "'wisp' on npm is someone else's package");
  assert.equal(pkg.license, 'MIT');
  assert.match(readFileSync(`${root}LICENSE`, 'utf8'), /^MIT License/);
  assert.equal(pkg.sideEffects, false);
  for (const k of ['repository', 'homepage', 'bugs', 'keywords', 'types']) assert.ok(pkg[k], k);
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './package.json', './web/wisp.wasm', './web/wisp_extra.wasm', './web/wisp_extra_mt.wasm', './web/wisp_mt.wasm', './web/wisp_relaxed.wasm', './web/wisp_relaxed_mt.wasm']);
  assert.equal(pkg.exports['.'].types, './web/index.d.ts');
  assert.equal(Object.keys(pkg.exports['.'])[0], 'types', "'types' must come first to be used");
  for (const target of [pkg.exports['.'].import, ...Object.values(pkg.bin)]) assert.ok(existsSync(join(root, target)), target);
  assert.match(readFileSync(join(root, Object.values(pkg.bin)[0]), 'utf8'), /^#!\/usr\/bin\/env node/);
});

test('the exports resolve by the package name (self-reference), the .wasm files too', async () => {
  const self = await import(pkg.name);
  assert.equal(typeof self.InferenceSession.create, 'function');
  const wasm = import.meta.resolve(`${pkg.name}/web/wisp.wasm`);
  assert.ok(existsSync(fileURLToPath(wasm)));
  assert.ok(existsSync(fileURLToPath(import.meta.resolve(`${pkg.name}/web/wisp_relaxed.wasm`))));
  assert.equal(JSON.parse(readFileSync(fileURLToPath(import.meta.resolve(`${pkg.name}/package.json`)), 'utf8')).name, pkg.name);
});

test('one version: package.json, package-lock.json, env.versions.wisp, the latest CHANGELOG release', async () => {
  const { env } = await import('../../web/env.js');
  assert.equal(env.versions.wisp, pkg.version);
  const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8'));
  assert.equal(lock.version, pkg.version);
  assert.equal(lock.packages[''].version, pkg.version);
  const released = /^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d\d-\d\d$/m.exec(readFileSync(`${root}CHANGELOG.md`, 'utf8'));
  assert.equal(released?.[1], pkg.version, 'the newest dated CHANGELOG entry is the package version');
});
