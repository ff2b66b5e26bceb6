// tabular.js — rows of named features in; classes, values or embeddings out. For models with one
// (N, F) float input: tree ensembles and linear models (ai.onnx.ml), MLPs, scikit-learn-style
// pipelines. Model.create (model.js) loads this for folders whose config.json has feature_names.
//
//   const model = await load('models/breast-cancer-gbt');
//   await model.classify({ 'mean radius': 17.99, 'mean texture': 10.38, ... });
//     // -> [{ label: 'malignant', score: 0.998 }, { label: 'benign', score: 0.002 }]
//   await model.classify([row1, row2]);        // a batch: an array of rows -> an array of results
//   await model.classify([17.99, 10.38, ...]); // a row as numbers, in feature_names order
//   await model.predict(row);                  // regressors: { value } (or { values } for several targets)
//   await model.embed(row);                    // Float32Array: config.json embedding_output
//
// config.json keys read here (wisp's own, beside id2label):
//   feature_names    the input columns, in order (required)
//   handles_missing  true when the model routes missing values itself (trees with missing-value
//                    tracking): a missing feature, null or NaN becomes NaN instead of an error
//   task             'classification' (default with id2label) or 'regression'
//   scores_output    the output with class scores (default: logits_output, else the first float
//                    output that is not embedding_output); a ZipMap output (array of maps) works too
//   scores_are       'probabilities' (used as they are) or 'logits' (softmax; sigmoid for
//                    problem_type 'multi_label_classification'); default by the output's name
//   value_output     a regressor's output (default: the first output)
// Rows are checked before anything runs: a missing, unknown, non-numeric or non-finite feature
// is an Error that names the feature (and the row, in a batch).

import { Tensor } from './session.js';
import { badInput, badModel } from './errors.js';

const TYPES = { float32: Float32Array, float64: Float64Array };

export function createTabularAdapter(session, files) {
  const config = files.config;
  const names = config.feature_names;
  if (!Array.isArray(names) || !names.length || names.some((n) => typeof n !== 'string')) {
    throw badModel('wisp: config.json feature_names must be a non-empty array of strings');
  }
  const index = new Map(names.map((n, i) => [n, i]));
  if (index.size !== names.length) throw badModel('wisp: config.json feature_names has duplicates');
  if (session.inputNames.length !== 1) {
    throw badModel(`wisp: a tabular model takes one (N, ${names.length}) input; this one has ${session.inputNames.length}: ${session.inputNames.join(', ')}`);
  }
  const inputName = session.inputNames[0];
  const meta = session.inputMetadata?.[0] ?? {};
  const type = meta.type ?? 'float32';
  if (!TYPES[type]) throw badModel(`wisp: the model's input '${inputName}' is ${type}; tabular models take float32 or float64`);
  const width = meta.shape?.[meta.shape.length - 1];
  if (typeof width === 'number' && width >= 0 && width !== names.length) {
    throw badModel(`wisp: config.json lists ${names.length} feature_names but the model takes ${width} features`);
  }
  const F = names.length;
  const handlesMissing = config.handles_missing === true;
  const task = config.task ?? (config.id2label ? 'classification' : 'regression');
  const labels = config.id2label ?? {};

  // A batch is an array of rows; a row is an object or an array of numbers.
  const isBatch = (input) => Array.isArray(input) && (input.length === 0 || (typeof input[0] === 'object' && input[0] !== null));

  function value(v, name, where) {
    if (v === undefined || v === null || Number.isNaN(v)) {
      if (handlesMissing) return NaN;
      throw badInput(`wisp: ${where}missing feature '${name}'${Number.isNaN(v) ? ' (NaN)' : ''}; ` +
        'this model needs every feature (config.json does not set handles_missing)');
    }
    if (typeof v !== 'number') {
      const got = typeof v === 'string' ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : typeof v;
      throw badInput(`wisp: ${where}feature '${name}' must be a number, got ${got}`, TypeError);
    }
    if (!Number.isFinite(v)) throw badInput(`wisp: ${where}feature '${name}' is ${v}; it must be a finite number`, RangeError);
    // a float32 input would hold 1e308 as Infinity
    if (type === 'float32' && !Number.isFinite(Math.fround(v))) {
      throw badInput(`wisp: ${where}feature '${name}' is ${v}, beyond the model's float32 range (±3.4e38)`, RangeError);
    }
    return v;
  }

  // Writes row r into out (F values from offset r·F).
  function putRow(row, r, batch, out) {
    const where = batch ? `row ${r}: ` : '';
    const at = r * F;
    if (Array.isArray(row) || (ArrayBuffer.isView(row) && !(row instanceof DataView))) {
      if (row.length !== F) {
        throw badInput(`wisp: ${where}expected ${F} feature values (in config.json feature_names order), got ${row.length}`, RangeError);
      }
      for (let j = 0; j < F; j++) out[at + j] = value(row[j], names[j], where);
      return;
    }
    if (row === null || typeof row !== 'object') {
      throw badInput(`wisp: ${where}a row must be an object of {feature: number} or an array of ${F} numbers, got ${row === null ? 'null' : typeof row}`, TypeError);
    }
    for (const key of Object.keys(row)) {
      if (!index.has(key)) {
        const near = names.find((n) => n.toLowerCase() === key.toLowerCase().trim());
        throw badInput(`wisp: ${where}unknown feature '${key}'${near ? ` (did you mean '${near}'?)` : ''}`);
      }
    }
    for (let j = 0; j < F; j++) out[at + j] = value(row[names[j]], names[j], where);
  }

  async function feeds(items) {
    const batch = items.length > 1;
    const data = new TYPES[type](items.length * F);
    items.forEach((row, r) => putRow(row, r, batch, data));
    return { feeds: { [inputName]: new Tensor(type, data, [items.length, F]) } };
  }

  // Rows of a (N, ...) tensor as arrays of numbers.
  function rowsOf(t, n) {
    const d = n ? t.size / n : 0;
    return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d), Number));
  }

  function scoresOutput() {
    const outs = session.outputNames;
    const name = config.scores_output ?? config.logits_output ??
      outs.find((n, i) => n !== config.embedding_output && session.outputMetadata[i]?.isTensor === false) ??
      outs.find((n, i) => n !== config.embedding_output && session.outputMetadata[i]?.type === 'float32');
    if (!name || !outs.includes(name)) throw badModel(`wisp: the model has no class-score output${name ? ` '${name}'` : ''}; set scores_output in config.json`);
    return name;
  }

  const softmax = (row) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  };

  async function run(input, fetch) {
    const batch = isBatch(input);
    const items = batch ? input : [input];
    if (!items.length) return { batch, items, out: null };
    const { feeds: f } = await feeds(items);
    return { batch, items, out: await session.run(f, [fetch]) };
  }

  async function predict(input) {
    const name = config.value_output ?? session.outputNames[0];
    const { batch, items, out } = await run(input, name);
    if (!out) return [];
    const results = rowsOf(out[name], items.length).map((v) => (v.length === 1 ? { value: v[0] } : { values: v }));
    return batch ? results : results[0];
  }

  async function classify(input, { topk = 5 } = {}) {
    if (task === 'regression') return predict(input);
    const name = scoresOutput();
    const { batch, items, out } = await run(input, name);
    if (!out) return [];
    const t = out[name];
    const kind = config.scores_are ?? (/prob/i.test(name) || Array.isArray(t) ? 'probabilities' : 'logits');
    const multi = config.problem_type === 'multi_label_classification';
    const results = (Array.isArray(t)
      // a ZipMap output: one {label: score} object per row
      ? t.map((m) => Object.entries(m).map(([k, score]) => ({ label: labels[k] ?? k, score })))
      : rowsOf(t, items.length).map((row) => {
        const scores = kind === 'logits' ? (multi ? row.map((v) => 1 / (1 + Math.exp(-v))) : softmax(row)) : row;
        return scores.map((score, k) => ({ label: labels[k] ?? `LABEL_${k}`, score }));
      }))
      .map((r) => r.sort((a, b) => b.score - a.score).slice(0, topk));
    return batch ? results : results[0];
  }

  // rows are small: a whole batch in one run unless the caller sets batchSize
  return { isBatch, feeds, classify, predict: task === 'regression' ? predict : undefined, featureNames: names.slice(),
    batchSize: Infinity };
}
