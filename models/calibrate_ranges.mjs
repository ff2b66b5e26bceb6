// calibrate_ranges.mjs — min and max of named values of a model over a few inputs, for the
// static QDQ conversion of models/convert_precision.py (Python has no onnxruntime here).
//   node models/calibrate_ranges.mjs <model with the values as outputs> <name>... → JSON on stdout
// Inputs: 3 seeded random batches: token ids below 1000 with a padded mask for text models,
// floats in [-2, 2] for image models; symbolic dims are batch 2 and sequence 16.
import ort from 'onnxruntime-node';

const [path, ...names] = process.argv.slice(2);
const session = await ort.InferenceSession.create(path);
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const ranges = Object.fromEntries(names.map((n) => [n, [Infinity, -Infinity]]));
for (let run = 0; run < 3; run++) {
  const feeds = {};
  for (const m of session.inputMetadata) {
    const dims = m.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 2 : 16));
    const n = dims.reduce((a, b) => a * b, 1);
    if (m.type === 'int64') {
      const value = (i) => (m.name.includes('mask') ? (i % dims[1] < dims[1] - 3 * (i / dims[1] | 0) ? 1n : 0n)
        : m.name.includes('type') ? 0n : BigInt(Math.floor(rand() * 1000)));
      feeds[m.name] = new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => value(i)), dims);
    } else {
      feeds[m.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => 4 * rand() - 2), dims);
    }
  }
  const out = await session.run(feeds, names);
  for (const name of names) {
    const r = ranges[name];
    for (const v of out[name].data) r[0] = Math.min(r[0], v), r[1] = Math.max(r[1], v);
  }
}
process.stdout.write(JSON.stringify(ranges));
