// serve.js — the main job: classify one real example with each shipped model in the terminal,
// then serve the demo page (and the repo's web/ and models/) on http://127.0.0.1:8080.
//
//   node demo/serve.js [--port 8080] [--no-serve]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { load } from '../web/index.js';
import { shippedExamples } from './examples.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1]) || 8080;

for (const { model: dir, input, expected, describe } of await shippedExamples(ROOT)) {
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
  createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') return res.writeHead(302, { location: '/demo/' }).end();
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(ROOT, path));
    // only the public parts of the repo, never outside it
    const allowed = ['demo', 'web', 'models', 'node_modules'].some((d) => file.startsWith(join(ROOT, d) + sep));
    try {
      if (!allowed || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      // content-length lets the page draw real download progress bars
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.byteLength });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  }).listen(port, '127.0.0.1', () => console.log(`demo: http://127.0.0.1:${port}/demo/`));
}
