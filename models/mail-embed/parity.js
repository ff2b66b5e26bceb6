// parity.js — mail-embed in wisp against onnxruntime-node (the oracle) on held-out mails: the same
// input_ids / attention_mask (padded batches) into both; prints the largest difference.
//
//   node models/mail-embed/parity.js
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { InferenceSession, Tensor } from '../../web/index.js';
import { loadPairs } from './pairs.js';

const FILE = fileURLToPath(new URL('onnx/model.onnx', import.meta.url));
const { Tokenizer } = await import('@huggingface/tokenizers');
const dir = fileURLToPath(new URL('.', import.meta.url));
const tok = new Tokenizer(JSON.parse(readFileSync(`${dir}tokenizer.json`, 'utf8')), JSON.parse(readFileSync(`${dir}tokenizer_config.json`, 'utf8')));
const bytes = readFileSync(FILE);
const [wisp, ref] = [await InferenceSession.create(bytes), await ort.InferenceSession.create(FILE)];
const texts = loadPairs().filter((p) => p.heldout).slice(0, 64).flatMap((p) => [p.subject, p.body]);
let worst = 0;
for (let i = 0; i < texts.length; i += 16) {
  const ids = texts.slice(i, i + 16).map((t) => tok.encode(t).ids.slice(0, 512));
  const t = Math.max(...ids.map((r) => r.length));
  const flat = new BigInt64Array(ids.length * t), mask = new BigInt64Array(ids.length * t);
  ids.forEach((r, b) => r.forEach((id, k) => ((flat[b * t + k] = BigInt(id)), (mask[b * t + k] = 1n))));
  const dims = [ids.length, t];
  const got = (await wisp.run({ input_ids: new Tensor('int64', flat, dims), attention_mask: new Tensor('int64', mask, dims) })).sentence_embedding.data;
  const want = (await ref.run({ input_ids: new ort.Tensor('int64', flat, dims), attention_mask: new ort.Tensor('int64', mask, dims) })).sentence_embedding.data;
  for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]) / Math.max(1, Math.abs(want[k])));
}
console.log(`${texts.length} held-out texts: max |wisp - onnxruntime| / max(1, |ref|) = ${worst.toExponential(2)}`);
await wisp.release();
