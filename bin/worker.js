// worker.js — one CLI worker thread: loads the model once, then scores batches. A batch that
// fails is scored row by row, so one bad row costs only itself.

import { parentPort, workerData } from 'node:worker_threads';
import { load } from '../web/index.js';

const { source, command, loadOptions, taskOptions } = workerData;
let model;
try {
  model = await load(source, loadOptions);
  if (command === 'predict' && model.kind !== 'tabular') throw new Error(`predict is for tabular regression models; this is a ${model.kind} model`);
  // zero-shot needs labels on a CLIP folder, and an NLI model to take them: said once, not per row
  const nli = model.kind === 'text' && model.labels.some((l) => String(l).toLowerCase() === 'entailment');
  if (command === 'classify' && model.kind === 'multimodal' && !taskOptions.labels) throw new Error('classify with a two-tower (CLIP) model needs --labels');
  if (taskOptions.labels && model.kind !== 'multimodal' && !nli) {
    throw new Error(`--labels needs an NLI text model (config.json id2label with 'entailment') or a CLIP folder; this ${model.kind} model's labels: ${model.labels.join(', ') || 'none'}`);
  }
  parentPort.postMessage({ ready: true, kind: model.kind });
} catch (e) {
  parentPort.postMessage({ fatal: e.message });
}

const toJson = (r) => (r instanceof Float32Array ? Array.from(r) : r);
const call = (input) => (command === 'embed' ? model.embed(input, taskOptions)
  : command === 'predict' ? model.predict(input) : model.classify(input, taskOptions));

parentPort.on('message', async ({ id, inputs }) => {
  let results;
  try {
    results = (await call(inputs)).map((r) => ({ result: toJson(r) }));
  } catch {
    results = [];
    for (const input of inputs) {
      try {
        results.push({ result: toJson(await call(input)) });
      } catch (e) {
        results.push({ error: e.message });
      }
    }
  }
  parentPort.postMessage({ id, results });
});
