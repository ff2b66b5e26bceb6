#!/usr/bin/env node
// wisp-onnx — score rows with a model folder (or hub id) from the command line.
//
//   wisp-onnx classify models/spam-bert mails.jsonl > scores.jsonl
//   cat texts.txt | wisp-onnx embed models/spam-bert --normalize
//
// Rows come from JSONL, CSV (with a header) or text files (one text per line), or stdin; one
// JSONL line goes out per good row, in input order: {file, line, id?, result}. A bad row (bad
// JSON, a missing field, an input the model refuses) is reported on stderr with its file and line
// and skipped (exit code 2 at the end), or ends the run with --strict (exit code 3). Batches are
// scored by a pool of worker threads, each holding its own copy of the model. With --labels,
// classify is zero-shot (an NLI text model, or a CLIP folder's images).
//
//   wisp-onnx classify models/my-nli mails.jsonl --labels billing,mobile,website --multi-label

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readRows } from './rows.js';

const USAGE = `usage: wisp-onnx <classify|embed|predict> <model folder or hub id> [files...] [options]
  files              .jsonl/.json, .csv (header row) or text (one row per line); none or '-': stdin
  --format F         jsonl | csv | text for every input (default: by extension; stdin: text)
  --field NAME       the key / column holding the text (default 'text'); image rows: the image
  --id NAME          a key / column copied to the output as "id" (default 'id')
  --batch-size N     rows per batch (default 32)
  --workers N        worker threads (default: the number of cores)
  --topk N           classify: labels per row (default 5)
  --labels A,B,...   classify zero-shot with these labels (an NLI text model or a CLIP folder)
  --hypothesis-template T   zero-shot: the hypothesis, '{}' standing for the label
  --multi-label      zero-shot (NLI): score each label alone, entailment vs contradiction
  --pooling P        embed: mean | cls (default mean)
  --normalize        embed: unit-length vectors
  --dtype D          model file to use: fp32 (default), fp16, q8, ...
  --strict           stop at the first bad row (exit code 3) instead of skipping it (exit code 2)
  --progress / --no-progress   the progress bar on stderr (default: when stderr is a terminal)
exit codes: 0 all rows scored, 1 usage or model error, 2 bad rows skipped, 3 stopped at a bad row
(output closed early, as by '| head': stops quietly, exit code 0)`;

const fail = (msg, code = 1) => {
  process.stderr.write(`wisp-onnx: ${msg}\n`);
  process.exit(code);
};

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      format: { type: 'string' }, field: { type: 'string', default: 'text' }, id: { type: 'string', default: 'id' },
      'batch-size': { type: 'string', default: '32' }, workers: { type: 'string' }, topk: { type: 'string', default: '5' },
      pooling: { type: 'string', default: 'mean' }, normalize: { type: 'boolean', default: false },
      labels: { type: 'string' }, 'hypothesis-template': { type: 'string' }, 'multi-label': { type: 'boolean', default: false },
      dtype: { type: 'string' }, strict: { type: 'boolean', default: false },
      progress: { type: 'boolean' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  fail(`${e.message}\n${USAGE}`);
}
const { values: opt, positionals: [command, source, ...files] } = args;
if (opt.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!['classify', 'embed', 'predict'].includes(command) || !source) fail(USAGE);
const int = (name, min) => {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < min) fail(`--${name} must be an integer >= ${min}, got '${opt[name]}'`);
  return v;
};
const batchSize = int('batch-size', 1), topk = int('topk', 1);
const nWorkers = opt.workers === undefined ? availableParallelism() : int('workers', 1);
if (opt.format && !['jsonl', 'csv', 'text'].includes(opt.format)) fail(`--format must be jsonl, csv or text, got '${opt.format}'`);
if (!['mean', 'cls'].includes(opt.pooling)) fail(`--pooling must be mean or cls, got '${opt.pooling}'`);
const labels = opt.labels?.split(',').map((l) => l.trim());
if (labels && (command !== 'classify' || labels.some((l) => !l))) fail(`--labels goes with classify, as a comma-separated list of non-empty labels`);
if (!labels && (opt['hypothesis-template'] !== undefined || opt['multi-label'])) fail('--hypothesis-template and --multi-label go with --labels');
const zeroShot = labels && {
  labels, multiLabel: opt['multi-label'], ...(opt['hypothesis-template'] !== undefined && { hypothesisTemplate: opt['hypothesis-template'] }),
};
const inputs = files.length ? files : ['-'];
const showProgress = opt['no-progress'] ? false : opt.progress ?? !!process.stderr.isTTY;
for (const f of inputs) if (f !== '-' && !statSync(f, { throwIfNoEntry: false })?.isFile()) fail(`no such file: ${f}`);

// ---- the worker pool ----

const workerData = {
  source, command,
  // the cores shared out: each worker's model gets threads of its own only where workers leave
  // cores free (the library's default would give every worker all of them)
  loadOptions: { ...(opt.dtype ? { dtype: opt.dtype } : {}), numThreads: Math.max(1, Math.floor(availableParallelism() / nWorkers)) },
  taskOptions: command === 'embed' ? { pooling: opt.pooling, normalize: opt.normalize } : { topk, ...zeroShot },
};
const workers = [];
let kind;
try {
  kind = (await Promise.all(Array.from({ length: nWorkers }, () => new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData });
    workers.push(w);
    w.once('message', (m) => (m.fatal ? reject(new Error(m.fatal)) : resolve(m.kind)));
    w.once('error', reject);
  }))))[0];
} catch (e) {
  await Promise.all(workers.map((w) => w.terminate()));
  fail(`cannot load ${source}: ${e.message}`);
}

const idle = [...workers];
const waiting = []; // resolvers waiting for an idle worker
const callbacks = new Map(); // batch id -> resolve
let nextBatch = 0;
for (const w of workers) {
  w.on('message', ({ id, results }) => {
    callbacks.get(id)(results);
    callbacks.delete(id);
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  });
  w.on('error', (e) => fail(`a worker failed: ${e.message}`));
}
const getWorker = () => (idle.length ? Promise.resolve(idle.pop()) : new Promise((r) => waiting.push(r)));
const score = async (inputsOfBatch) => {
  const w = await getWorker();
  const id = nextBatch++;
  return new Promise((resolve) => {
    callbacks.set(id, resolve);
    w.postMessage({ id, inputs: inputsOfBatch });
  });
};

// ---- progress on stderr (a terminal): bytes read of the files' total, rows written, rows/s ----

const totalBytes = inputs.every((f) => f !== '-') ? inputs.reduce((n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0) : 0;
let bytesRead = 0, written = 0, bad = 0, lastDraw = 0;
const started = Date.now();
function draw(final = false) {
  if (!showProgress || (!final && Date.now() - lastDraw < 100)) return;
  lastDraw = Date.now();
  const secs = (Date.now() - started) / 1000, rate = written / Math.max(secs, 1e-3);
  const frac = totalBytes ? Math.min(bytesRead / totalBytes, 1) : 0;
  const bar = totalBytes ? `[${'#'.repeat(Math.round(frac * 30)).padEnd(30, '.')}] ${(frac * 100).toFixed(0).padStart(3)}% ` : '';
  process.stderr.write(`\r${bar}${written} rows${bad ? `, ${bad} bad` : ''}, ${rate.toFixed(1)} rows/s${final ? '\n' : ''}`);
}
const report = (row) => {
  if (showProgress) process.stderr.write('\r\x1b[K');
  process.stderr.write(`${row.file}:${row.line}: ${row.error}\n`);
  bad++;
  if (opt.strict) {
    process.stderr.write(`wisp-onnx: stopped at a bad row (--strict); ${written} rows written\n`);
    process.exit(3);
  }
};

// ---- read, score in order, write ----

// Batches in flight, in input order; each resolves to its rows with results or errors.
const inFlight = [];
const maxInFlight = nWorkers * 2;
const out = process.stdout;
// the reader went away ('| head'): nothing more to do; any other write error is a failure
out.on('error', (e) => (e.code === 'EPIPE' ? process.exit(0) : fail(`writing the output: ${e.message}`)));
async function flushOne() {
  const rows = await inFlight.shift();
  let text = '';
  for (const row of rows) {
    if (row.error) {
      if (text) out.write(text), (text = '');
      report(row);
      continue;
    }
    text += `${JSON.stringify({ file: row.file, line: row.line, ...(row.id !== undefined && { id: row.id }), result: row.result })}\n`;
    written++;
  }
  if (text && !out.write(text)) await new Promise((r) => out.once('drain', r));
  draw();
}
function submit(rows) {
  const good = rows.filter((r) => !r.error);
  inFlight.push((good.length ? score(good.map((r) => r.input)) : Promise.resolve([])).then((results) => {
    good.forEach((r, i) => Object.assign(r, results[i]));
    return rows;
  }));
}

let batch = [], good = 0;
const readOptions = { format: opt.format, field: opt.field, idField: opt.id, kind, onBytes: (n) => (bytesRead += n) };
for (const file of inputs) {
  for await (const row of readRows(file, readOptions)) {
    batch.push(row);
    if (!row.error && ++good >= batchSize) {
      submit(batch);
      batch = [], good = 0;
      while (inFlight.length >= maxInFlight) await flushOne();
    }
  }
}
if (batch.length) submit(batch);
while (inFlight.length) await flushOne();
draw(true);
await Promise.all(workers.map((w) => w.terminate()));
if (bad) process.stderr.write(`wisp-onnx: ${bad} bad row${bad > 1 ? 's' : ''} skipped; ${written} rows written\n`);
process.exitCode = bad ? 2 : 0;
