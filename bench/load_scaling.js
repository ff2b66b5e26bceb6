// load_scaling.js — is loading linear in the number of nodes? Times InferenceSession.create (and
// the first run) for chains of N Relu nodes, the shape that exposed quadratic loading.
// usage: node bench/load_scaling.js [N ...]      (default 2000 16000 32000 100000 200000)
import { InferenceSession, Tensor } from '../web/index.js';
import { model, node, valueInfo, DT } from '../tests/js/helpers.js';

function reluChain(n) {
  const nodes = [];
  for (let i = 0; i < n; i++) nodes.push(node('Relu', [i ? `v${i}` : 'x'], [i === n - 1 ? 'y' : `v${i + 1}`]));
  return model({ nodes, inputs: [valueInfo('x', DT.float, [4])], outputs: [valueInfo('y', DT.float, [4])] });
}

const sizes = process.argv.slice(2).map(Number);
console.log('nodes     bytes      create ms  first run ms  create µs/node');
for (const n of sizes.length ? sizes : [2000, 16000, 32000, 100000, 200000]) {
  const bytes = reluChain(n);
  const t0 = performance.now();
  const s = await InferenceSession.create(bytes);
  const t1 = performance.now();
  const out = await s.run({ x: new Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [4]) });
  const t2 = performance.now();
  if (out.y.data[1] !== 2 || out.y.data[0] !== 0) throw new Error('wrong answer');
  await s.release();
  console.log(`${String(n).padEnd(9)} ${String(bytes.length).padEnd(10)} ${(t1 - t0).toFixed(0).padStart(9)}  ${(t2 - t1).toFixed(0).padStart(12)}  ${((t1 - t0) * 1000 / n).toFixed(2).padStart(14)}`);
}
