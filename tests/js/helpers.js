// helpers.js — shared by the JS tests: fixture paths, a seeded PRNG, max |Δ|, the zoo's feeds,
// and a tiny ONNX writer so tests can build small models by hand (no Python needed at test time).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { rng } from '../../bench/inputs.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

// mulberry32 (the benchmarks' too): deterministic inputs, so a failure reproduces.
export { rng };

export function randomFloats(n, seed, lo = -1, hi = 1) {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(Number(a[i]) - Number(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d; // NaN on one side only counts as a failure
  }
  return m;
}

// Seeded feeds for one shape set of a bench/models/zoo member (its manifest's inputs): images /
// floats in [-2, 2]; token ids in [lo, vocab). With an attention mask, row b is padded over its
// last 2b positions (mask 0, ids = pad), so RoBERTa's cumsum position ids and the key padding
// mask see padding. Returns [{name, type, data, dims}].
export function zooFeeds(inputs, shapes, seed) {
  const masked = inputs.some((inp) => inp.kind === 'mask');
  return inputs.map((inp, i) => {
    const dims = shapes[i], n = dims.reduce((a, b) => a * b, 1);
    if (inp.kind !== 'tokens' && inp.kind !== 'mask') {
      return { name: inp.name, type: 'float32', data: randomFloats(n, seed + i, -2, 2), dims };
    }
    const r = rng(seed + i), t = dims[1];
    const padded = (k) => masked && k % t >= t - 2 * Math.floor(k / t);
    const data = BigInt64Array.from({ length: n }, (_, k) => {
      if (inp.kind === 'mask') return padded(k) ? 0n : 1n;
      const id = BigInt(inp.lo + Math.floor(r() * (inp.vocab - inp.lo)));
      return padded(k) ? BigInt(inp.pad) : id;
    });
    return { name: inp.name, type: 'int64', data, dims };
  });
}

// ---- protobuf / ONNX writer (fields from onnx/onnx.proto) ----

export function varint(n) {
  const out = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const tag = (field, wire) => varint((field << 3) | wire);
const int = (field, v) => [...tag(field, 0), ...varint(v)];
const bytes = (field, b) => [...tag(field, 2), ...varint(b.length), ...b];
const str = (field, s) => bytes(field, new TextEncoder().encode(s));
// Every writer returns a flat number[]; a message is a list of those.
const msg = (field, parts) => bytes(field, parts.flat());

export const DT = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };

// dims: numbers, or strings for symbolic dims.
export function valueInfo(name, elemType, dims) {
  const shape = dims.map((d) => msg(1, [typeof d === 'string' ? str(2, d) : int(1, d)]));
  return [str(1, name), msg(2, [msg(1, [int(1, elemType), msg(2, shape)])])];
}

// A TensorProto with raw_data, or external data {location, offset, length} when `external` is set.
export function tensorProto(name, elemType, dims, raw, external) {
  const parts = [...dims.flatMap((d) => int(1, d)), int(2, elemType), str(8, name)];
  if (external) {
    for (const [k, v] of Object.entries(external)) parts.push(msg(13, [str(1, k), str(2, String(v))]));
    parts.push(int(14, 1));
  } else {
    parts.push(bytes(9, Array.from(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength))));
  }
  return parts;
}

export function node(opType, inputs, outputs, attrs = []) {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), str(3, `${opType}_0`), str(4, opType), ...attrs];
}
export const attrInt = (name, v) => msg(5, [str(1, name), int(20, 2), int(3, v)]);
export const attrInts = (name, vs) => msg(5, [str(1, name), int(20, 7), ...vs.flatMap((v) => int(8, v))]);

// model({nodes, inputs, outputs, initializers, opset}) → Uint8Array of a ModelProto.
export function model({ nodes, inputs, outputs, initializers = [], opset = 17 }) {
  const graph = [
    ...nodes.map((n) => msg(1, n)),
    str(2, 'g'),
    ...initializers.map((t) => msg(5, t)),
    ...inputs.map((v) => msg(11, v)),
    ...outputs.map((v) => msg(12, v)),
  ];
  return Uint8Array.from([int(1, 8), str(2, 'wisp-tests'), msg(7, graph), msg(8, [str(1, ''), int(2, opset)])].flat());
}

// Headless Debian Chromium for the browser tests (playwright-core drives it).
export const CHROMIUM = '/usr/bin/chromium';
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

// Serves the files under root (read-only, nothing outside it) on a free localhost port; resolves
// to the server and its base URL. isolated: with COOP + COEP, so pages are cross-origin isolated
// (SharedArrayBuffer, threads); files: {'/path': bytes} served from memory as well.
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
export async function serveStatic(root, { isolated = false, files = {} } = {}) {
  const base = resolve(root);
  const headers = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const path = resolve(base, `.${pathname}`);
    if (!path.startsWith(base + sep)) return res.writeHead(403).end();
    try {
      const body = files[pathname] ?? await readFile(path);
      res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', ...headers }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

// Serves root (serveStatic, with its options) and launches headless Chromium for
// fn({ browser, url }); closes both when fn is done, passed or failed. Returns fn's result.
export async function inChromium(root, fn, options) {
  const { server, url } = await serveStatic(root, options);
  const { chromium } = await import('playwright-core');
  const browser = await launchChromium(chromium);
  try {
    return await fn({ browser, url });
  } finally {
    await browser.close();
    server.close();
  }
}
