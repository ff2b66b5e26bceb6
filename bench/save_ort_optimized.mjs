// save_ort_optimized.mjs — the models onnxruntime writes when asked to save its optimised graph
// (`optimizedModelFilePath`), as users ship them: the 'extended' level replaces subgraphs with
// com.microsoft contrib ops (FusedConv, FusedGemm, FusedMatMul, BiasGelu, ...). wisp runs those;
// the 'all' level adds com.microsoft.nchwc layout ops tied to the saving machine, which wisp
// refuses (tests/js/contrib.test.js).
//
//   node bench/save_ort_optimized.mjs [out_dir] [level]
// saves bench/models/{bert-tiny,minilm-l6}/onnx/model.onnx, mobilenet_v2.onnx and resnet18.onnx
// (made by bench/make_models.py and bench/make_text_models.py) as <out_dir>/<name>.onnx
// (default bench/models/ort-extended/, level 'extended').
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

const MODELS = fileURLToPath(new URL('models/', import.meta.url));
export const SOURCES = {
  'bert-tiny': join(MODELS, 'bert-tiny/onnx/model.onnx'),
  'minilm-l6': join(MODELS, 'minilm-l6/onnx/model.onnx'),
  mobilenet_v2: join(MODELS, 'mobilenet_v2.onnx'),
  resnet18: join(MODELS, 'resnet18.onnx'),
};

// Writes onnxruntime's optimised form of the model at `src` to `out` (CPU provider, one thread).
export async function saveOptimized(src, out, level = 'extended') {
  const s = await ort.InferenceSession.create(src, {
    graphOptimizationLevel: level,
    optimizedModelFilePath: out,
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    logSeverityLevel: 3, // the 'all' level warns that its output is not portable
  });
  await s.release();
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] || join(MODELS, 'ort-extended');
  const level = process.argv[3] || 'extended';
  mkdirSync(outDir, { recursive: true });
  for (const [name, src] of Object.entries(SOURCES)) {
    if (!existsSync(src)) {
      console.log(`${name}: ${src} missing (run bench/make_models.py / make_text_models.py)`);
      continue;
    }
    console.log(`${name}: ${await saveOptimized(src, join(outDir, `${name}.onnx`), level)}`);
  }
}
