// all.js — every benchmark row of the README table, each in a fresh Node process, printed as a
// markdown table of ratios against onnxruntime-web (1 thread):
//   node bench/all.js [part of a row name: only those rows]
//   node bench/all.js --browser [part of a row name]   the same rows in headless Chromium
//                                                       (bench/browser.js), relaxed and baseline
// Models: bench/make_models.py (vision) and bench/make_text_models.py (BERT, MiniLM).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const seq = (n) => ['input_ids', 'attention_mask', 'token_type_ids'].flatMap((i) => ['--input', `${i}=1,${n}`]);
const IMG224 = ['--input', 'pixel_values=1,3,224,224'];
// target: wisp / onnxruntime-web with the baseline SIMD128 build; relaxed: with the relaxed-SIMD
// one (issue 19's table; bench/README.md)
const ROWS = [
  { name: 'seed MLP (batch 1)', model: 'tests/fixtures/seed_mlp.onnx', args: [], target: 1.0 },
  { name: 'Fashion-MNIST CNN (batch 1)', model: 'models/fashion-cnn/onnx/model.onnx', args: ['--input', 'pixel_values=1,1,28,28'], target: 1.0 },
  { name: 'MobileNetV2 224×224', model: 'bench/models/mobilenet_v2.onnx', args: [], target: 0.65, relaxed: 0.55 },
  { name: 'ResNet-18 224×224', model: 'bench/models/resnet18.onnx', args: [], target: 0.55, relaxed: 0.45 },
  // models/convert_precision.py bench/models/<name>.onnx int8 --conv --out bench/models (static QDQ convs)
  { name: 'MobileNetV2 int8 QDQ 224×224', model: 'bench/models/mobilenet_v2_int8.onnx', args: [] },
  { name: 'ResNet-18 int8 QDQ 224×224', model: 'bench/models/resnet18_int8.onnx', args: [] },
  // models/quantize.py bench/models/resnet18.onnx bench/models/resnet18_quantized.onnx --uint8
  { name: 'ResNet-18 q8 (dynamic uint8) 224×224', model: 'bench/models/resnet18_quantized.onnx', args: [] },
  // bench/make_zoo.py (torchvision, full size; the last three with --full)
  { name: 'EfficientNet-B0 224×224', model: 'bench/models/zoo/efficientnet_b0.onnx', args: IMG224, target: 0.85, relaxed: 0.65 },
  { name: 'MobileNetV3-L 224×224', model: 'bench/models/zoo/mobilenet_v3_large.onnx', args: IMG224, target: 0.85, relaxed: 0.65 },
  { name: 'ConvNeXt-T 224×224', model: 'bench/models/zoo/convnext_tiny.onnx', args: IMG224, target: 0.85, relaxed: 0.65 },
  { name: 'DenseNet-121 224×224', model: 'bench/models/zoo/densenet121.onnx', args: IMG224, target: 0.85, relaxed: 0.65 },
  { name: 'ViT-B/16 224×224', model: 'bench/models/zoo/vit_b_16.onnx', args: IMG224, target: 0.85, relaxed: 0.65 },
  { name: 'BERT classifier h128 L2, seq 128', model: 'bench/models/bert-tiny/onnx/model.onnx', args: seq(128), target: 0.65 },
  { name: 'MiniLM-L6 h384, seq 128', model: 'bench/models/minilm-l6/onnx/model.onnx', args: seq(128), target: 0.70, relaxed: 0.55, first: 0.2, rss: 0.6 },
  { name: 'BERT classifier h128 L2 q8, seq 128', model: 'bench/models/bert-tiny/onnx/model_quantized.onnx', args: seq(128), target: 0.65, relaxed: 0.40 },
  { name: 'MiniLM-L6 q8, seq 128', model: 'bench/models/minilm-l6/onnx/model_quantized.onnx', args: seq(128), target: 0.65, relaxed: 0.35 },
  // models/convert_precision.py bench/models/minilm-l6 [kinds] (issue 13 set a target for q4 only)
  { name: 'MiniLM-L6 fp16, seq 128', model: 'bench/models/minilm-l6/onnx/model_fp16.onnx', args: seq(128) },
  { name: 'MiniLM-L6 q4, seq 128', model: 'bench/models/minilm-l6/onnx/model_q4.onnx', args: seq(128), target: 0.6, relaxed: 0.6 },
  { name: 'MiniLM-L6 q4f16, seq 128', model: 'bench/models/minilm-l6/onnx/model_q4f16.onnx', args: seq(128) },
  { name: 'MiniLM-L6 bnb4, seq 128', model: 'bench/models/minilm-l6/onnx/model_bnb4.onnx', args: seq(128) },
  { name: 'MiniLM-L6 int8 (QDQ), seq 128', model: 'bench/models/minilm-l6/onnx/model_int8.onnx', args: seq(128) },
  { name: 'MiniLM-L6 uint8 (QDQ), seq 128', model: 'bench/models/minilm-l6/onnx/model_uint8.onnx', args: seq(128) },
];
const browser = process.argv[2] === '--browser';
const only = process.argv[browser ? 3 : 2];

const node = (args) => execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
const lastJson = (out) => JSON.parse(out.trim().split('\n').pop());
const fmt = (x, target) => (target === undefined ? x.toFixed(2) : `${x.toFixed(2)} ${x <= target ? '✓' : '✗'} (≤ ${target})`);

const rows = ROWS.filter((r) => !only || r.name.includes(only));

if (browser) { // one Chromium page per build; the relaxed build's target is issue 19's
  const out = ['| model (batch 1), Chromium | relaxed: wisp ms | ORT ms | wisp / ORT | baseline: wisp / ORT |', '|---|---|---|---|---|'];
  let version;
  for (const row of rows) {
    if (!existsSync(ROOT + row.model)) {
      out.push(`| ${row.name} | — | — | not run: ${row.model} missing | |`);
      continue;
    }
    const runs = node(['bench/browser.js', row.model, ...row.args, '--json']).trim().split('\n').map((l) => JSON.parse(l));
    const [relaxed, base] = ['auto', 'baseline'].map((b) => runs.find((r) => r.build === b));
    version = relaxed.browser;
    out.push(`| ${row.name} | ${relaxed.wisp_ms.toFixed(2)} | ${relaxed.ort_ms.toFixed(2)} | ${fmt(relaxed.ratio, row.relaxed)} | ${base.ratio.toFixed(2)} |`);
  }
  console.log(out.join('\n'));
  console.log(`\nmachine: ${cpus()[0].model}, ${cpus().length} cores; headless Chromium ${version}; onnxruntime-web 1 thread, SIMD`);
  process.exit(0);
}

const lines = ['| model (batch 1) | wisp ms | ORT ms | wisp / ORT |', '|---|---|---|---|'];
const extra = [];
const ms = {}; // wisp ms per model file, for the q8 / fp32 row
let wasm;
for (const row of rows) {
  if (!existsSync(ROOT + row.model)) {
    lines.push(`| ${row.name} | — | — | not run: ${row.model} missing |`);
    continue;
  }
  const r = lastJson(node(['bench/bench.js', row.model, ...row.args, '--json']));
  wasm = r.wasm;
  ms[row.model] = r.wisp_ms;
  const target = r.kernels.includes('wasmrelaxed') ? row.relaxed : row.target;
  lines.push(`| ${row.name} | ${r.wisp_ms.toFixed(2)} | ${r.ort_ms.toFixed(2)} | ${fmt(r.ratio, target)} |`);
  if (row.first) {
    extra.push(`| ${row.name}: create → first result | ${r.wisp_first_ms.toFixed(0)} ms | ${r.ort_first_ms.toFixed(0)} ms | ${fmt(r.wisp_first_ms / r.ort_first_ms, row.first)} |`);
  }
  if (row.rss) {
    const [w, o] = ['wisp', 'ort'].map((who) => lastJson(node(['bench/rss.js', who, row.model, ...row.args])).max_rss_mb);
    extra.push(`| ${row.name}: peak RSS | ${w.toFixed(0)} MB | ${o.toFixed(0)} MB | ${fmt(w / o, row.rss)} |`);
  }
}
const [fp32, q8] = ['model.onnx', 'model_quantized.onnx'].map((f) => ms[`bench/models/minilm-l6/onnx/${f}`]);
if (fp32 && q8) extra.push(`| MiniLM-L6 seq 128: wisp q8 / wisp fp32 | ${q8.toFixed(2)} ms | ${fp32.toFixed(2)} ms | ${fmt(q8 / fp32, 0.6)} |`);
const minilm = rows.some((r) => r.model.startsWith('bench/models/minilm-l6/'));
for (const dtype of minilm ? ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] : []) { // Transformers.js's names
  const file = `bench/models/minilm-l6/onnx/model${{ fp32: '', q8: '_quantized' }[dtype] ?? `_${dtype}`}.onnx`;
  if (existsSync(ROOT + file)) extra.push(`| MiniLM-L6 download, ${dtype} | ${(statSync(ROOT + file).size / 1e6).toFixed(1)} MB | | |`);
}
if (wasm) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const ok = wasm.wisp.gzip <= 128 * 1024 ? '✓' : '✗';
  extra.push(`| .wasm size, gzip -9 | ${kb(wasm.wisp.gzip)} | ${kb(wasm.ort.gzip)} | ${(wasm.wisp.gzip / wasm.ort.gzip).toFixed(3)} ${ok} (≤ 128 KB) |`);
  // the target counts the core files; the extra ops module is fetched only by models using its ops
  const gz = (f) => gzipSync(readFileSync(`${ROOT}web/${f}`), { level: 9 }).length;
  for (const f of ['wisp_mt.wasm', 'wisp_extra.wasm', 'wisp_extra_mt.wasm']) {
    if (existsSync(`${ROOT}web/${f}`)) extra.push(`| ${f}, gzip -9 | ${kb(gz(f))} | | ${f.includes('extra') ? 'on demand' : ''} |`);
  }
}
console.log(lines.concat(extra).join('\n'));
console.log(`\nmachine: ${cpus()[0].model}, ${cpus().length} cores; Node ${process.version}; onnxruntime-web 1 thread, SIMD`);
