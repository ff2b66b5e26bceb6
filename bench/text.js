// text.js — a sentence-embedding model end to end: time from load() to the first embedding, then
// the model alone (wisp vs onnxruntime-web, wasm, 1 thread) at one sequence length.
//
//   node bench/text.js [folder] [--seq 128]      folder defaults to bench/models/minilm-l6
//                                                (made by bench/make_text_models.py)
//
// "load -> first embedding" is wisp's load(folder) (config, tokenizer, model bytes, wasm
// instantiate, plan) + embed(text) in a fresh process, so it includes V8's first (baseline)
// compile of the wasm; the run timing is bench.js's (warm-up, interleaved, median).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { load } from '../web/index.js';

const args = process.argv.slice(2);
const seqAt = args.indexOf('--seq');
const seq = seqAt >= 0 ? Number(args[seqAt + 1]) : 128;
const folder = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--seq') ??
  fileURLToPath(new URL('./models/minilm-l6/', import.meta.url));

// A text of about `seq` tokens.
const text = Array.from({ length: seq }, (_, i) => ['spam', 'meeting', 'free', 'report', 'offer', 'patch'][i % 6]).join(' ');

let t = performance.now();
const model = await load(folder);
const tLoad = performance.now() - t;
const first = await model.embed(text, { normalize: true });
const tFirst = performance.now() - t;
t = performance.now();
await model.embed(text, { normalize: true });
const tSecond = performance.now() - t;
await model.release();
console.log(`folder    ${folder}`);
console.log(`load      ${tLoad.toFixed(0)} ms (files, wasm, session)   load -> first embedding ${tFirst.toFixed(0)} ms` +
  `   second embedding ${tSecond.toFixed(0)} ms   (${first.length} dims, ${seq} tokens)`);

const onnx = new URL('onnx/model.onnx', new URL(folder.endsWith('/') ? folder : `${folder}/`, 'file:///')).pathname;
const dims = `1,${seq}`;
const run = spawnSync(process.execPath, [fileURLToPath(new URL('./bench.js', import.meta.url)), onnx,
  '--input', `input_ids=${dims}`, '--input', `attention_mask=${dims}`, '--input', `token_type_ids=${dims}`],
{ stdio: 'inherit' });
process.exitCode = run.status ?? 1;
