// ort_web_conformance.mjs — the ONNX backend node tests through onnxruntime-web (wasm, 1 thread),
// judged like conformance.c: |got - want| <= 1e-4 + 1e-3·|want|, NaN equals NaN.
//
// usage: node tests/conformance/ort_web_conformance.mjs [passing.txt] [node-test-dir]
// Prints "onnxruntime-web: N passed, M failed/unsupported of T", where T counts the runnable tests
// (every graph input and output a plain tensor of a dtype ORT-web's JS API can hold), writes the
// names of the passing tests to passing.txt, and lists the tests ORT-web passes that
// expected_pass.txt lacks (what wisp could still add).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-web';

import { TYPES, decodeTensor, fields, repeated, sub, utf8 } from './tensor_proto.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const outFile = process.argv[2];
const root = process.argv[3] || '/usr/share/libonnx-testdata/data/node';
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'fatal';

// Is every graph input (that is not an initializer) and output a tensor of a type ORT-web holds?
function plainTensorsOnly(modelBytes) {
  const graph = sub(modelBytes, 7)[0];
  const inits = new Set(sub(graph, 5).map((t) => {
    const name = fields(t).find(([f]) => f === 8);
    return name ? utf8(name[2]) : '';
  }));
  for (const vi of [...sub(graph, 11), ...sub(graph, 12)]) {
    const f = fields(vi);
    const name = utf8(f.find(([n]) => n === 1)?.[2] ?? new Uint8Array());
    if (inits.has(name)) continue;
    const type = f.find(([n]) => n === 2)?.[2];
    const tensor = type && sub(type, 1)[0];
    if (!tensor) return false; // sequence, map, optional, sparse
    const elem = Number(repeated(fields(tensor), 1, 'varint')[0] ?? 0n);
    if (!TYPES[elem]) return false;
  }
  return true;
}

function halfToNumber(h) {
  const e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (m + 1024) * 2 ** (e - 25);
  return h >> 15 ? -v : v;
}

// Returns null when equal, else the first difference.
function compare(got, want) {
  if (got.type !== want.type) return `type ${got.type}, want ${want.type}`;
  if (got.dims.join() !== want.dims.join()) return `shape [${got.dims}], want [${want.dims}]`;
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) {
    if (want.type === 'string') {
      if (g[i] !== w[i]) return `element ${i} is "${g[i]}", want "${w[i]}"`;
      continue;
    }
    const a = want.type === 'float16' ? halfToNumber(g[i]) : Number(g[i]);
    const b = want.type === 'float16' ? halfToNumber(w[i]) : Number(w[i]);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    if (!(Math.abs(a - b) <= 1e-4 + 1e-3 * Math.abs(b))) return `element ${i} is ${a}, want ${b}`;
  }
  return null;
}

async function runTest(dir) {
  const model = fs.readFileSync(path.join(dir, 'model.onnx'));
  if (!plainTensorsOnly(model)) return 'skip';
  const sets = fs.readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
  const feedsOf = [], wantsOf = [];
  try {
    for (const set of sets) {
      const files = fs.readdirSync(path.join(dir, set));
      const read = (prefix) => files.filter((f) => f.startsWith(prefix)).sort((a, b) =>
        parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length)))
        .map((f) => decodeTensor(ort, fs.readFileSync(path.join(dir, set, f))));
      feedsOf.push(read('input_'));
      wantsOf.push(read('output_'));
    }
  } catch (e) {
    if (e.unsupported) return 'skip';
    throw e;
  }
  const session = await ort.InferenceSession.create(model,
    { executionProviders: ['wasm'], logSeverityLevel: 3 });
  try {
    for (let k = 0; k < sets.length; k++) {
      const feeds = {};
      session.inputNames.forEach((name, i) => { if (feedsOf[k][i]) feeds[name] = feedsOf[k][i]; });
      const results = await session.run(feeds);
      for (let i = 0; i < wantsOf[k].length; i++) {
        const diff = compare(results[session.outputNames[i]], wantsOf[k][i]);
        if (diff) return `output ${i}: ${diff}`;
      }
    }
  } finally {
    await session.release();
  }
  return 'pass';
}

const tests = fs.readdirSync(root).filter((t) => t.startsWith('test_')).sort();
const passing = [];
let failed = 0, runnable = 0;
for (const t of tests) {
  let r;
  try {
    r = await runTest(path.join(root, t));
  } catch (e) {
    r = String(e.message || e).split('\n')[0].slice(0, 200);
  }
  if (r === 'skip') continue;
  runnable++;
  if (r === 'pass') passing.push(t);
  else failed++, process.stderr.write(`not passing ${t}: ${r}\n`);
}
console.log(
  `onnxruntime-web: ${passing.length} passed, ${failed} failed/unsupported of ${runnable}`);
if (outFile) fs.writeFileSync(outFile, passing.join('\n') + '\n');
const expected = new Set(fs.readFileSync(path.join(here, 'expected_pass.txt'), 'utf8').split('\n')
  .map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
const todo = passing.filter((t) => !expected.has(t));
console.log(`passed by onnxruntime-web, not in expected_pass.txt (${todo.length}):`);
for (const t of todo) console.log(`  ${t}`);
