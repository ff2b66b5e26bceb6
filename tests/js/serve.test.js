// serve.test.js — demo/serve.js as an attacker's browser sees it: bad encodings, other methods,
// dotfiles and paths out of the repo get 4xx (and the server stays up); a busy port is one clear
// line, not a stack trace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const SERVE = fileURLToPath(new URL('../../demo/serve.js', import.meta.url));

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

// Starts the server; resolves with the child once it listens, or with its exit when it fails.
function start(port) {
  const child = spawn(process.execPath, [SERVE, '--port', String(port), '--no-examples']);
  let out = '', err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => {
    child.stdout.on('data', () => out.includes('demo: http') && resolve({ child, listening: true }));
    child.on('exit', (code) => resolve({ child, code, out, err }));
  });
}

// A raw request: the path goes out as written (no URL normalisation of '..' or '%zz').
const get = (port, path, method = 'GET') => new Promise((resolve, reject) => {
  const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
  });
  req.on('error', reject);
  req.end();
});

let port, server;
before(async () => {
  port = await freePort();
  server = await start(port);
  assert.ok(server.listening, 'the demo server started');
});
after(() => server.child.kill());

test('a bad percent-encoding is a 400 and the server stays up', async () => {
  assert.equal((await get(port, '/web/%zz')).status, 400);
  assert.equal((await get(port, '/%E0%A4%A')).status, 400);
  const ok = await get(port, '/web/index.js');
  assert.equal(ok.status, 200);
  assert.match(ok.body, /export/);
});

test('only GET and HEAD', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const r = await get(port, '/web/index.js', method);
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  const head = await get(port, '/web/index.js', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.ok(Number(head.headers['content-length']) > 0);
});

test('no dotfiles, nothing outside the public folders', async () => {
  for (const path of ['/node_modules/.package-lock.json', '/web/.hidden', '/.git/config',
    '/web/../package.json', '/web/%2e%2e/package.json', '/web/..%2f..%2f..%2fetc/passwd',
    '/demo/../../../../etc/passwd', '/web/%00', '/src/onnx.c', '/web/', '//etc/passwd']) {
    const r = await get(port, path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
  }
  assert.equal((await get(port, '/')).status, 302);
});

test('a busy port gives one clear line and exit code 1', async () => {
  const second = await start(port);
  assert.equal(second.code, 1);
  assert.match(second.err, /port \d+ is already in use; .*--port/);
  assert.doesNotMatch(second.err, /\n\s+at /, 'no stack trace');
});
