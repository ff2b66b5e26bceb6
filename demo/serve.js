// serve.js — the main job: classify one real example with each shipped model in the terminal,
// then serve the demo page (and the repo's web/ and models/) on http://127.0.0.1:8080.
//
//   node demo/serve.js [--port 8080] [--no-serve] [--no-examples]
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
const port = Number(args[args.indexOf('--port') + 1]) || 8080;

for (const { model: dir, input, expected, describe } of args.includes('--no-examples') ? [] : await shippedExamples(ROOT)) {
  const model = await load(join(ROOT, dir));
  const t0 = performance.now();
  const [top] = await model.classify(input, { topk: 1 });
  const ms = (performance.now() - t0).toFixed(1);
  console.log(`${dir}: ${describe} -> ${top.label} (${(top.score * 100).toFixed(1)}%, expected ${expected}, ${ms} ms)`);
  await model.release();
}

if (!args.includes('--no-serve')) {
  const TYPES = {
    '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
    '.json': 'application/json', '.wasm': 'application/wasm', '.onnx': 'application/octet-stream',
    '.png': 'image/png', '.svg': 'image/svg+xml',
  };
  const server = createServer(async (req, res) => {
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
  server.on('error', (e) => {
    console.error(e.code === 'EADDRINUSE'
      ? `demo: port ${port} is already in use; stop what holds it or pick another with --port N`
      : `demo: cannot serve on 127.0.0.1:${port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => console.log(`demo: http://127.0.0.1:${port}/demo/`));
}
