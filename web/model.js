// model.js — the task level: classify and embed over a session, for image, text and tabular
// input. Each input kind is an adapter that turns user input into feeds (image.js, text.js,
// tabular.js); scoring, top-k, labels and pooling are shared here.

import { Tensor, float16ToFloat32, float32ToFloat16 } from './session.js';
import { imageToTensor } from './image.js';
import { badInput, badModel, throwIfAborted } from './errors.js';

// Yields to the event loop (a macrotask, not a microtask), so that an abort from a click handler
// or from the worker's message queue can land between two batches.
const nextTask = () => new Promise((resolve) => {
  if (typeof setImmediate === 'function') return setImmediate(resolve);
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = () => (port1.close(), resolve());
  port2.postMessage(0);
});

// Output names that hold an embedding when config.json does not name one (first match wins).
const EMBEDDING_OUTPUTS = ['sentence_embedding', 'pooler_output', 'image_embeds', 'text_embeds', 'last_hidden_state'];

const imageAdapter = {
  isBatch: (input) => Array.isArray(input),
  async feeds(items, session, files, first) {
    const { data, dims } = await imageToTensor(items, files.preprocessor, first);
    return { feeds: { [session.inputNames[0]]: new Tensor('float32', data, dims) } };
  },
};

function softmax(row) {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const sigmoid = (row) => row.map((v) => 1 / (1 + Math.exp(-v)));

// Rows of a (N, ...) tensor as arrays of D = size / N numbers.
function rows(t) {
  const n = t.dims[0], d = t.size / n;
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d), Number));
}

export function cosineSimilarity(a, b) {
  if (a.length !== b.length) throw badInput(`cosineSimilarity: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
  return dot / (Math.sqrt(na * nb) || 1);
}

export class Model {
  #session; #adapter; #files;

  constructor(session, kind, adapter, files, info) {
    this.#session = session;
    this.#adapter = adapter;
    this.#files = files;
    this.kind = kind;
    this.config = files.config;
    this.info = info; // where it came from and how big the model file was
    const labels = files.config.id2label ?? {};
    this.labels = Object.keys(labels).sort((a, b) => a - b).map((k) => labels[k]);
  }

  static kindOf({ config, preprocessor, tokenizer }) {
    if (config.feature_names) return 'tabular';
    if (tokenizer) return 'text';
    if (preprocessor) return 'image';
    throw badModel('wisp.load: cannot tell the input kind: the folder has no preprocessor_config.json, ' +
      'tokenizer.json, or feature_names in config.json');
  }

  static async create(session, kind, files, info) {
    const adapters = {
      image: async () => imageAdapter,
      text: async () => (await import('./text.js')).createTextAdapter(session, files),
      tabular: async () => (await import('./tabular.js')).createTabularAdapter(session, files),
    };
    return new Model(session, kind, await adapters[kind](), files, info);
  }

  get session() {
    return this.#session;
  }

  // Runs fn(input, first) on a single input, or on a batch in slices of batchSize items (default:
  // the adapter's, else 32; first: the index of the slice's first item, for messages), checking
  // the signal before each slice; a batch's results are concatenated.
  async #batched(input, { signal, batchSize } = {}, what, fn) {
    const size = batchSize ?? this.#adapter.batchSize ?? 32;
    if (!(size >= 1)) throw badInput(`wisp: batchSize must be a number >= 1, got ${batchSize}`, RangeError);
    throwIfAborted(signal, what);
    if (!this.#adapter.isBatch(input) || input.length <= size) return fn(input);
    const out = [];
    for (let i = 0; i < input.length; i += size) {
      if (i && signal) await nextTask();
      throwIfAborted(signal, what);
      out.push(...(await fn(input.slice(i, i + size), i)));
    }
    return out;
  }

  async #run(input, first = 0, pairs = null) {
    const batch = this.#adapter.isBatch(input);
    const items = batch ? input : [input];
    if (!items.length) return { batch, outputs: null, items };
    const { feeds, mask } = await this.#adapter.feeds(items, this.#session, this.#files, first, pairs);
    // float16 models (model_fp16, model_q4f16): float16 in, float32 out for the task code
    for (const { name, type } of this.#session.inputMetadata) {
      const t = feeds[name];
      if (type === 'float16' && t?.type === 'float32') feeds[name] = new Tensor('float16', float32ToFloat16(t.data), t.dims);
    }
    const outputs = await this.#session.run(feeds);
    for (const [name, t] of Object.entries(outputs)) {
      if (t.type === 'float16') outputs[name] = new Tensor('float32', float16ToFloat32(t.data), t.dims);
    }
    return { batch, outputs, mask, items };
  }

  #logitsName() {
    const names = this.#session.outputNames;
    const name = this.config.logits_output ?? (names.includes('logits') ? 'logits' : names[0]);
    if (!names.includes(name)) throw badModel(`wisp: the model has no output '${name}'`);
    return name;
  }

  // classify(x | x[], {topk, signal, batchSize}) -> [{label, score}] sorted by score (an array of
  // those for a batch). Softmax over the logits, or sigmoid per label for multi-label models.
  // A batch runs in slices of batchSize; an aborted signal stops it before the next slice
  // (err.code 'WISP_ABORTED'). The same options hold for embed and predict.
  // With options.labels, an NLI text model classifies zero-shot (see #zeroShot).
  async classify(input, options = {}) {
    if (options.labels !== undefined) return this.#zeroShot(input, options);
    const { topk = 5 } = options;
    if (!Number.isSafeInteger(topk) || topk < 1) {
      throw badInput(`wisp: topk must be a positive integer, got ${typeof topk === 'number' ? topk : typeof topk}`, RangeError);
    }
    return this.#batched(input, options, 'classify', (x, first) => this.#classify(x, topk, first));
  }

  async #classify(input, topk, first) {
    if (this.#adapter.classify) return this.#adapter.classify(input, { topk }, this.#session);
    const { batch, outputs } = await this.#run(input, first);
    if (!outputs) return [];
    const multi = this.config.problem_type === 'multi_label_classification';
    const results = rows(outputs[this.#logitsName()]).map((logits) => {
      const scores = multi ? sigmoid(logits) : softmax(logits);
      return scores
        .map((score, i) => ({ label: this.labels[i] ?? `LABEL_${i}`, score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topk);
    });
    return batch ? results : results[0];
  }

  // The index of an NLI label ('entailment', ...) in the model's labels, case-insensitively; -1.
  #nliLabel(...names) {
    const lower = this.labels.map((l) => String(l).toLowerCase());
    return names.map((n) => lower.indexOf(n)).find((i) => i >= 0) ?? -1;
  }

  // Zero-shot classification with an NLI model, scored as Transformers.js's
  // zero-shot-classification pipeline scores it: each text is the premise, each label filled
  // into hypothesisTemplate ('This example is {}.') the hypothesis. Scores are a softmax over the
  // labels' entailment logits, or with multiLabel (or a single label) each label's softmax of
  // entailment vs contradiction. -> [{label, score}] over all labels (or the topk best), sorted.
  async #zeroShot(input, options) {
    const { labels, topk = Infinity } = options;
    const template = options.hypothesisTemplate ?? options.hypothesis_template ?? 'This example is {}.';
    const multi = options.multiLabel ?? options.multi_label ?? false;
    if (!Array.isArray(labels) || !labels.length || !labels.every((l) => typeof l === 'string')) {
      throw badInput('wisp: zero-shot classify needs options.labels, a non-empty array of strings', TypeError);
    }
    if (typeof template !== 'string') throw badInput(`wisp: hypothesisTemplate must be a string, got ${typeof template}`, TypeError);
    // without '{}' every label would get the same hypothesis, and the same score
    if (!template.includes('{}')) throw badInput(`wisp: hypothesisTemplate must contain '{}' for the label, got '${template}'`);
    if (typeof multi !== 'boolean') throw badInput(`wisp: multiLabel must be a boolean, got ${typeof multi}`, TypeError);
    if (!(topk === Infinity || (Number.isSafeInteger(topk) && topk >= 1))) {
      throw badInput(`wisp: topk must be a positive integer, got ${typeof topk === 'number' ? topk : typeof topk}`, RangeError);
    }
    const entail = this.#nliLabel('entailment');
    if (this.kind !== 'text' || entail < 0) {
      throw badInput(`wisp: zero-shot classify (options.labels) needs an NLI text model, whose config.json ` +
        `id2label has an 'entailment' label (this ${this.kind} model's labels: ${this.labels.join(', ') || 'none'})`);
    }
    const pairwise = multi || labels.length === 1;
    const contra = this.#nliLabel('contradiction', 'not_entailment');
    if (pairwise && contra < 0) {
      throw badInput("wisp: multiLabel zero-shot needs a 'contradiction' (or 'not_entailment') label in config.json id2label");
    }
    const batch = Array.isArray(input);
    const texts = batch ? input : [input];
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw badInput(`wisp: zero-shot classify takes text, got ${t === null ? 'null' : typeof t}${batch ? ` (item ${i})` : ''}`, TypeError);
    });
    if (!texts.length) return [];
    const hypotheses = labels.map((l) => template.replace('{}', l));
    // every (text, label) pair is one row; rows run in slices of batchSize
    const premises = texts.flatMap((t) => hypotheses.map(() => t));
    const second = texts.flatMap(() => hypotheses);
    const logits = await this.#batched(premises, options, 'classify', async (slice, first = 0) => {
      const { outputs } = await this.#run(slice, first, second.slice(first, first + slice.length));
      return rows(outputs[this.#logitsName()]);
    });
    const results = texts.map((_, i) => {
      const own = logits.slice(i * labels.length, (i + 1) * labels.length);
      const scores = pairwise ? own.map((l) => softmax([l[contra], l[entail]])[1]) : softmax(own.map((l) => l[entail]));
      return scores.map((score, k) => ({ label: labels[k], score })).sort((a, b) => b.score - a.score).slice(0, topk);
    });
    return batch ? results : results[0];
  }

  // predict(x | x[]) -> {value} ({values} for several targets; an array for a batch), for
  // regression models (tabular.js).
  async predict(input, options = {}) {
    if (!this.#adapter.predict) throw badInput(`wisp: predict() is for regression models; this ${this.kind} model has classify()`);
    return this.#batched(input, options, 'predict', (x) => this.#adapter.predict(x, this.#session));
  }

  // embed(x | x[], {pooling: 'mean' | 'cls', normalize}) -> Float32Array (an array for a batch).
  // The embedding is config.json's embedding_output, or a conventional output name; sequence and
  // spatial outputs are pooled (mean pooling skips padding tokens).
  async embed(input, options = {}) {
    const { pooling = 'mean', normalize = false } = options;
    if (pooling !== 'mean' && pooling !== 'cls') throw badInput(`wisp: pooling must be 'mean' or 'cls', got '${pooling}'`);
    const names = this.#session.outputNames;
    const name = this.config.embedding_output ?? EMBEDDING_OUTPUTS.find((n) => names.includes(n));
    if (!name) throw badModel('wisp: config.json has no embedding_output and the model has no embedding output');
    return this.#batched(input, options, 'embed', (x, first) => this.#embed(x, first, name, pooling, normalize));
  }

  async #embed(input, first, name, pooling, normalize) {
    const { batch, outputs, mask } = await this.#run(input, first);
    if (!outputs) return [];
    const t = outputs[name];
    const [n, d] = [t.dims[0], t.dims[t.dims.length - 1]];
    // (N, D) as is; (N, T, D) pooled over T; (N, C, H, W) averaged over H·W
    const spatial = t.dims.length === 4;
    const steps = spatial ? t.dims[2] * t.dims[3] : t.dims.length === 3 ? t.dims[1] : 1;
    const width = spatial ? t.dims[1] : d;
    const out = [];
    for (let i = 0; i < n; i++) {
      const v = new Float32Array(width);
      if (spatial) {
        for (let c = 0; c < width; c++) {
          let s = 0;
          for (let k = 0; k < steps; k++) s += t.data[(i * width + c) * steps + k];
          v[c] = s / steps;
        }
      } else if (pooling === 'cls' || steps === 1) {
        v.set(t.data.subarray(i * steps * d, i * steps * d + d));
      } else {
        let count = 0;
        for (let k = 0; k < steps; k++) {
          if (mask && !mask[i * steps + k]) continue;
          count++;
          for (let c = 0; c < d; c++) v[c] += t.data[(i * steps + k) * d + c];
        }
        for (let c = 0; c < d; c++) v[c] /= count || 1;
      }
      if (normalize) {
        const norm = Math.hypot(...v) || 1;
        for (let c = 0; c < v.length; c++) v[c] /= norm;
      }
      out.push(v);
    }
    return batch ? out : out[0];
  }

  async release() {
    await this.#session.release();
  }
}
