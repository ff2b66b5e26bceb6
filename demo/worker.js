// worker.js — the demo's inference thread. Loads the models with wisp and answers the page's
// requests, so typing and drawing stay smooth while a model runs.
//
// page -> worker                                       worker -> page
//   {type: 'load', models: [{id, url, warmup}]}          {type: 'progress', id, file, loaded, total}
//                                                        {type: 'loaded', id, kind, bytes, labels, config, ms}
//                                                        {type: 'load-error', id, message}
//                                                        {type: 'all-loaded'}
//   {type: 'run', rid, id, op, input, options}           {type: 'result', rid, result, ms}
//     op: 'classify' | 'embed' | 'index' | 'nearest'     {type: 'error', rid, message}
//
// 'index' embeds a list of texts and keeps them; 'nearest' embeds the input and returns the
// cosine similarity to each kept text, best first.
import { load, cosineSimilarity } from '../web/index.js';

const models = new Map(); // id -> Model (or a Promise of one while loading)
const indexes = new Map(); // id -> Float32Array[] of embedded samples

// One request at a time: the WebAssembly instance is shared and runs are short, so a queue
// keeps the timings honest (a run is never interleaved with another).
let queue = Promise.resolve();
const serial = (fn) => {
  const p = queue.then(fn);
  queue = p.catch(() => {});
  return p;
};

const EMBED = { pooling: 'mean', normalize: true };

async function loadOne({ id, url, warmup }) {
  const t0 = performance.now();
  const model = await load(url, {
    progress: ({ file, loaded, total }) => postMessage({ type: 'progress', id, file, loaded, total }),
  });
  // V8 first runs WebAssembly with its baseline compiler: one run now makes the first real one fast.
  if (warmup !== undefined) await model.classify(warmup, { topk: 1 });
  const c = model.config;
  postMessage({
    type: 'loaded', id, kind: model.kind, bytes: model.info.bytes, labels: model.labels,
    config: {
      model_type: c.model_type, num_hidden_layers: c.num_hidden_layers, hidden_size: c.hidden_size,
      feature_names: c.feature_names, test_accuracy: c.test_accuracy ?? c.test_accuracy_pytorch,
    },
    ms: performance.now() - t0,
  });
  return model;
}

async function run({ id, op, input, options }) {
  const model = await models.get(id);
  if (!model) throw new Error(`model ${id} is not loaded`);
  switch (op) {
    case 'classify':
      return model.classify(input, options);
    case 'embed':
      return model.embed(input, { ...EMBED, ...options });
    case 'index': {
      const vectors = [];
      for (const text of input) vectors.push(await model.embed(text, EMBED));
      indexes.set(id, vectors);
      return vectors.length;
    }
    case 'nearest': {
      const v = await model.embed(input, EMBED);
      return (indexes.get(id) ?? [])
        .map((u, index) => ({ index, similarity: cosineSimilarity(u, v) }))
        .sort((a, b) => b.similarity - a.similarity);
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
}

self.onmessage = async ({ data: msg }) => {
  if (msg.type === 'load') {
    // downloads in parallel; each model reports as soon as it is ready
    const jobs = msg.models.map((spec) => {
      const p = loadOne(spec);
      models.set(spec.id, p);
      return p.catch((e) => {
        models.delete(spec.id);
        postMessage({ type: 'load-error', id: spec.id, message: e.message });
      });
    });
    await Promise.all(jobs);
    postMessage({ type: 'all-loaded' });
  } else if (msg.type === 'run') {
    try {
      const { result, ms } = await serial(async () => {
        const t0 = performance.now();
        const result = await run(msg);
        return { result, ms: performance.now() - t0 };
      });
      postMessage({ type: 'result', rid: msg.rid, result, ms });
    } catch (e) {
      postMessage({ type: 'error', rid: msg.rid, message: e.message });
    }
  }
};
