// conv_layers.js — wisp against onnxruntime-web (1 thread) one Conv layer at a time: single
// Conv → Clip(0, 6) models of MobileNetV2's layer shapes (stem, depthwise, 1×1) with synthetic
// weights, both runtimes in one process, interleaved, CPU time after warm-up. Shows which kind of
// layer a model loses on (session 11: the 14×14 and 7×7 depthwise layers, then the padded copy).
//
//   node bench/conv_layers.js ['[["name", Cin, Cout, H, stride, group, k], …]']
//
// Times include copying the input in and the output out, as a session.run does.
import { DT, attrInt, attrInts, model, node, tensorProto, valueInfo } from '../tests/js/helpers.js';
import { InferenceSession, Tensor } from '../web/index.js';
import { median } from './inputs.js';

const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;

const LAYERS = process.argv[2] ? JSON.parse(process.argv[2]) : [
  ['stem', 3, 32, 224, 2, 1, 3], ['dw32@112', 32, 32, 112, 1, 32, 3], ['pw32-16@112', 32, 16, 112, 1, 1, 1],
  ['pw16-96@112', 16, 96, 112, 1, 1, 1], ['dw96s2@112', 96, 96, 112, 2, 96, 3], ['pw96-24@56', 96, 24, 56, 1, 1, 1],
  ['pw24-144@56', 24, 144, 56, 1, 1, 1], ['dw144@56', 144, 144, 56, 1, 144, 3], ['pw144-24@56', 144, 24, 56, 1, 1, 1],
  ['pw32-192@28', 32, 192, 28, 1, 1, 1], ['dw192@28', 192, 192, 28, 1, 192, 3], ['pw192-32@28', 192, 32, 28, 1, 1, 1],
  ['pw96-576@14', 96, 576, 14, 1, 1, 1], ['dw576@14', 576, 576, 14, 1, 576, 3], ['pw576-96@14', 576, 96, 14, 1, 1, 1],
  ['pw160-960@7', 160, 960, 7, 1, 1, 1], ['dw960@7', 960, 960, 7, 1, 960, 3], ['pw960-160@7', 960, 160, 7, 1, 1, 1],
  ['pw320-1280@7', 320, 1280, 7, 1, 1, 1],
];

const floats = (n, phase) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase) * 0.1);
const cpuMs = async (run) => {
  const c0 = process.cpuUsage();
  await run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

console.log('| layer | wisp ms | ort ms | wisp / ort (median of per-round ratios) |\n|---|---:|---:|---:|');
for (const [name, cin, cout, h, stride, group, k] of LAYERS) {
  const pad = k >> 1, ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const bytes = model({
    nodes: [
      node('Conv', ['x', 'w', 'b'], ['c'], [attrInts('kernel_shape', [k, k]), attrInts('strides', [stride, stride]),
        attrInts('pads', [pad, pad, pad, pad]), attrInt('group', group)]),
      node('Clip', ['c', 'lo', 'hi'], ['y']),
    ],
    inputs: [valueInfo('x', DT.float, [1, cin, h, h])],
    outputs: [valueInfo('y', DT.float, [1, cout, ho, ho])],
    initializers: [
      tensorProto('w', DT.float, [cout, cin / group, k, k], floats((cout * cin / group) * k * k, 1)),
      tensorProto('b', DT.float, [cout], floats(cout, 2)),
      tensorProto('lo', DT.float, [], new Float32Array([0])), tensorProto('hi', DT.float, [], new Float32Array([6])),
    ],
  });
  const x = floats(cin * h * h, 3), dims = [1, cin, h, h];
  const w = await InferenceSession.create(bytes, { numThreads: 1 });
  const o = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const runW = () => w.run({ x: new Tensor('float32', x, dims) }), runO = () => o.run({ x: new ort.Tensor('float32', x, dims) });
  for (let i = 0; i < 10; i++) await runW(), await runO();
  const tw = [], to = [], ratios = [];
  for (let i = 0; i < 40; i++) { // alternate which runs first
    const a = i % 2 ? await cpuMs(runW) : 0, b = await cpuMs(runO), c = i % 2 ? 0 : await cpuMs(runW);
    tw.push(a + c), to.push(b), ratios.push((a + c) / b);
  }
  console.log(`| ${name} | ${median(tw).toFixed(3)} | ${median(to).toFixed(3)} | ${median(ratios).toFixed(2)} |`);
  await Promise.all([w.release(), o.release()]);
}
process.exit(0);
