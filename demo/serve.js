// serve.js — the main job: classify one real example with each shipped model in the terminal,
// then serve the demo page (and the repo's web/ and models/) on http://127.0.0.1:8080.
//
//   node demo/serve.js [--port 8080 | --port=8080] [--no-serve] [--no-examples]
//
// PORT=N in the environment works too; port 0 takes any free port. A busy port is a one-line
// message naming --port, found before the examples run.
//
// The server answers GET and HEAD only, for files under demo/, web/, models/ and node_modules/
// (no dotfiles, nothing outside them); a bad request gets a 4xx, never a crash.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { load } from '../web/index.js';
import { shippedExamples } from './examples.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

function portArg() {
  const i = args.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const raw = i < 0 ? process.env.PORT : args[i].startsWith('--port=') ? args[i].slice(7) : args[i + 1];
  if (raw === undefined || raw === '') return i < 0 ? 8080 : NaN;
  return /^\d+$/.test(raw) ? Number(raw) : NaN;
}
const port = portArg();
if (!(port >= 0 && port <= 65535)) {
  console.error('demo: --port needs a port number from 0 to 65535 (0: any free port), e.g. --port 8081');
  process.exit(2);
}

let server = null;
if (!args.includes('--no-serve')) {
  const TYPES = {
    '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
    '.json': 'application/json', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream',
    '.png': 'image/png', '.svg': 'image/svg+xml',
  };
  // Cross-origin isolation (COOP + COEP): the page gets SharedArrayBuffer, so wisp runs threaded.
  const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  server = createServer(async (req, res) => {
    for (const [k, v] of Object.entries(ISOLATED)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return res.writeHead(405, { allow: 'GET, HEAD' }).end('method not allowed');
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return res.writeHead(400).end('bad request');
    }
    if (path === '/') return res.writeHead(302, { location: '/demo/' }).end();
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(ROOT, path));
    // only the public parts of the repo, never outside it, and no dotfiles (.git, .env, .bin)
    const allowed = ['demo', 'web', 'models', 'node_modules'].some((d) => file.startsWith(join(ROOT, d) + sep)) &&
      !file.slice(ROOT.length).split(sep).some((part) => part.startsWith('.'));
    try {
      if (!allowed || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      // content-length lets the page draw real download progress bars
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.byteLength });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  // listen before the examples run, so a busy port is reported at once
  await new Promise((resolve) => {
    server.once('error', (e) => {
      console.error(e.code === 'EADDRINUSE'
        ? `demo: port ${port} is already in use; stop what holds it or pick another: node demo/serve.js --port ${port === 65535 ? 8080 : port + 1}`
        : `demo: cannot serve on 127.0.0.1:${port}: ${e.message}`);
      process.exit(1);
    });
    server.listen(port, '127.0.0.1', resolve);
  });
}

for (const { model: dir, input, expected, describe } of args.includes('--no-examples') ? [] : await shippedExamples(ROOT)) {
  const model = await load(join(ROOT, dir));
  const t0 = performance.now();
  const [top] = await model.classify(input, { topk: 1 });
  const ms = (performance.now() - t0).toFixed(1);
  console.log(`${dir}: ${describe} -> ${top.label} (${(top.score * 100).toFixed(1)}%, expected ${expected}, ${ms} ms)`);
  await model.release();
}

if (server) console.log(`demo: http://127.0.0.1:${server.address().port}/demo/`);
