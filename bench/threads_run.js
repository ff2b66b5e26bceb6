// threads_run.js — one row of bench/threads.js's table (plain ES module: it runs in Node and in
// the benchmark page): wisp on 1 and T threads and onnxruntime-web on T threads, one model, one
// process, interleaved (the order rotates each round) after a warm-up. Each timed run starts
// after a pause of SETTLE_MS: onnxruntime-web's pool keeps a thread spinning for a while after
// its run, and on 2 cores a wisp 2-thread run started right after it took 1.31× (MiniLM) and
// 1.38× (ResNet-18) as long as one started after 50 ms; onnxruntime-web right after wisp took
// 1.00× and 1.01× (wisp's helpers spin 0.1 ms). Without the pause the table was biased
// against wisp's threads.
import { median } from './inputs.js';

const SETTLE_MS = 50;
const pause = (ms) => new Promise((res) => setTimeout(res, ms));

// feeds: {name: [type, data, dims]}, those a model lacks ignored. Returns the median times, the
// fastest times (the least disturbed by other load) and the medians of the per-round ratios.
export async function threadsRow({ InferenceSession, Tensor, ort, model, feeds, threads, rounds }) {
  const w1 = await InferenceSession.create(model, { numThreads: 1 });
  const wN = await InferenceSession.create(model, { numThreads: threads });
  const o = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const pick = (names, T) => Object.fromEntries(names.map((n) => [n, new T(...feeds[n])]));
  const runs = {
    w1: () => w1.run(pick(w1.inputNames, Tensor)),
    wN: () => wN.run(pick(wN.inputNames, Tensor)),
    o: () => o.run(pick(o.inputNames, ort.Tensor)),
  };
  for (let i = 0; i < 3; i++) for (const f of Object.values(runs)) await f();
  const times = { w1: [], wN: [], o: [] }, speedup = [], vsOrt = [];
  const keys = Object.keys(runs);
  for (let r = 0; r < rounds; r++) {
    const round = {};
    for (let k = 0; k < keys.length; k++) {
      await pause(SETTLE_MS);
      const who = keys[(r + k) % keys.length], t0 = performance.now();
      await runs[who]();
      times[who].push((round[who] = performance.now() - t0));
    }
    speedup.push(round.w1 / round.wN);
    vsOrt.push(round.wN / round.o);
  }
  await Promise.all([w1.release(), wN.release(), o.release()]);
  const stat = (f) => Object.fromEntries(keys.map((k) => [k, f(times[k])]));
  return { median: stat(median), min: stat((xs) => Math.min(...xs)), speedup: median(speedup), vsOrt: median(vsOrt) };
}

// The table's line for one row (markdown).
export function rowLine(name, r) {
  const ms = (k) => `${r.median[k].toFixed(1)} (${r.min[k].toFixed(1)})`;
  return `| ${name} | ${ms('w1')} | ${ms('wN')} | ${ms('o')} | ${r.speedup.toFixed(2)}× (${(r.min.w1 / r.min.wN).toFixed(2)}×) | ` +
    `${r.vsOrt.toFixed(2)} (${(r.min.wN / r.min.o).toFixed(2)}) |`;
}

// The table's rows: a model file under bench/models (none: the generated MatMul) and its feeds.
const SEQ = 128;
const text = () => ({
  input_ids: ['int64', BigInt64Array.from({ length: SEQ }, (_, i) => BigInt(i ? 1000 + ((i * 7919) % 20000) : 101)), [1, SEQ]],
  attention_mask: ['int64', new BigInt64Array(SEQ).fill(1n), [1, SEQ]],
  token_type_ids: ['int64', new BigInt64Array(SEQ), [1, SEQ]],
});
const image = () => ({ pixel_values: ['float32', Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.37)), [1, 3, 224, 224]] });
export const CASES = [
  { name: 'MiniLM-L6 seq 128', file: 'minilm-l6/onnx/model.onnx', feeds: text },
  { name: 'ResNet-18', file: 'resnet18.onnx', feeds: image },
  { name: 'MobileNetV2', file: 'mobilenet_v2.onnx', feeds: image },
  { name: 'ResNet-18 q8', file: 'resnet18_quantized.onnx', feeds: image },
  { name: 'MatMul 256×1024·1024²', file: null, feeds: () => ({ x: ['float32', Float32Array.from({ length: 256 * 1024 }, (_, i) => Math.sin(i * 0.7)), [256, 1024]] }) },
];
