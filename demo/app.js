// app.js — the demo page. Each model runs in a Web Worker of its own through wisp's worker mode
// (load(url, {worker: true})); this file draws the page, turns what the user does into model
// inputs, and shows the answers. A panel's models (and its sample data) are downloaded when the
// panel is first opened; after that the page makes no network requests: uploads are decoded
// locally and results come back from the workers.
import { load } from '../web/index.js';
import { relaxedSimdSupported } from '../web/wasm.js';
import { threadCount } from '../web/threads.js';

// What the models' workers run with: the kernel build and the threads of each (threads need
// the cross-origin isolation demo/serve.js gives the page).
const threads = threadCount(undefined, 0);
const BUILD = `${relaxedSimdSupported() ? 'relaxed-SIMD' : 'SIMD128'} kernels, ${threads} thread${threads > 1 ? 's' : ''} per model`;

const MODELS = [
  { id: 'spam-bert', name: 'Spam BERT', task: 'text', panel: 'text' },
  { id: 'mail-embed', name: 'Mail search', task: 'text', panel: 'search' },
  { id: 'fashion-cnn', name: 'Fashion CNN', task: 'image', panel: 'image' },
  { id: 'fashion-mlp', name: 'Fashion MLP', task: 'image', panel: 'image' },
  { id: 'breast-cancer-gbt', name: 'Cancer GBT', task: 'tabular', panel: 'tabular' },
  { id: 'breast-cancer-mlp', name: 'Cancer MLP', task: 'tabular', panel: 'tabular' },
];
const PANELS = ['text', 'search', 'image', 'tabular'];
const IMAGE_MODELS = ['fashion-cnn', 'fashion-mlp'];
const TABULAR_MODELS = ['breast-cancer-gbt', 'breast-cancer-mlp'];

const $ = (sel, root = document) => root.querySelector(sel);
$('#status-line').append(` ${BUILD}.`);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};
const fmtBytes = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${Math.max(1, Math.round(b / 1e3))} kB`);
// Browsers coarsen performance.now() (0.1 ms here, without cross-origin isolation).
const fmtMs = (ms) => (ms < 0.1 ? '< 0.1 ms' : ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
const pct = (p) => `${(p * 100).toFixed(1)}%`;
const dot = (a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// ---------------------------------------------------------------- the models

const models = new Map(); // 'id:dtype' -> Promise of a worker-backed model
const dtypes = new Map(); // id -> the precision chosen for it (fp32 unless switched)
const keyOf = (id) => `${id}:${dtypes.get(id) ?? 'fp32'}`;
const modelOf = (id) => models.get(keyOf(id));
const isLoaded = (id) => state.loaded.has(keyOf(id));
const state = { loaded: new Map(), failed: new Map() };

// Runs one model call and records its time (a round trip to the model's worker).
async function timed(id, method, ...args) {
  const model = await modelOf(id);
  const t0 = performance.now();
  const result = await model[method](...args);
  const ms = performance.now() - t0;
  $('#status-line').textContent = `Last inference: ${id} ${method} ${fmtMs(ms)} (a round trip to its Web Worker) · ${BUILD}.`;
  return { result, ms };
}

// Runs fn at most once at a time; calls made meanwhile collapse into one more run afterwards.
// Inputs that change quickly (typing, drawing) thus never queue up stale work.
function coalesce(fn) {
  let running = false, again = false;
  return async function trigger() {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        await fn();
      } while (again);
    } finally {
      running = false;
    }
  };
}

// ---------------------------------------------------------------- loading and the model list

function renderModelList() {
  const list = $('#model-list');
  for (const m of MODELS) {
    list.append(el('li', { className: 'model', id: `model-${m.id}` },
      el('div', { className: 'model-top' },
        el('span', { className: 'model-name', textContent: m.name }),
        el('span', { className: `task task-${m.task}`, textContent: m.task })),
      el('div', { className: 'progress' }, el('span', { className: 'progress-fill' })),
      el('div', { className: 'model-meta' },
        el('span', { className: 'model-size', textContent: 'size —' }),
        el('span', { className: 'model-status', textContent: 'not loaded' }))));
  }
}

// files: file -> {loaded, total} of this model's own files (the .wasm, shared by all models and
// fetched once, is left out of its size)
function onProgress(id, file, files) {
  const li = $(`#model-${id}`);
  let loaded = 0, total = 0;
  for (const f of files.values()) loaded += f.loaded, total += f.total;
  $('.model-size', li).textContent = fmtBytes(total);
  // config.json and the .wasm come first; the bar means something once the model file started
  const started = file.endsWith('.onnx');
  $('.progress', li).classList.toggle('indeterminate', !started);
  if (started) $('.progress-fill', li).style.width = `${(100 * loaded) / Math.max(total, 1)}%`;
  $('.model-status', li).textContent = started ? `${Math.round((100 * loaded) / Math.max(total, 1))}%` : 'config…';
  // the panel's own chip shows the download too (the model list may be out of view)
  for (const chip of document.querySelectorAll(`.model-chip[data-model="${id}"]`)) {
    chip.textContent = `${id} · ${started ? `${fmtBytes(loaded)} of ${fmtBytes(total)}` : 'loading…'}`;
  }
}

function loadModel(m) {
  const key = keyOf(m.id), dtype = dtypes.get(m.id) ?? 'fp32';
  if (models.has(key)) return models.get(key);
  const li = $(`#model-${m.id}`);
  $('.progress', li).classList.add('indeterminate');
  $('.model-status', li).textContent = 'loading…';
  const files = new Map();
  const t0 = performance.now();
  const promise = load(new URL(`../models/${m.id}/`, import.meta.url).href, {
    worker: true,
    dtype,
    progress: ({ status, file, loaded, total }) => {
      if (status === 'ready' || file.endsWith('.wasm')) return;
      files.set(file, { loaded, total: Math.max(total, loaded) });
      onProgress(m.id, file, files);
    },
  }).then(async (model) => {
    // V8 first runs WebAssembly with its baseline compiler: one run now makes the first real one fast.
    const warmup = WARMUP[m.task]?.();
    if (warmup !== undefined && model.labels.length) await model.classify(warmup, { topk: 1 });
    const download = [...files.values()].reduce((sum, f) => sum + f.total, 0);
    onLoaded(m, model, download, performance.now() - t0, dtype);
    return model;
  }, (e) => {
    onLoadError(m.id, e.message);
    throw e;
  });
  promise.catch(() => {}); // reported by onLoadError; callers see the rejection themselves
  models.set(key, promise);
  return promise;
}

function onLoaded(m, model, download, ms, dtype) {
  const info = { id: m.id, dtype, download: Math.max(download, model.info.bytes), bytes: model.info.bytes, ms };
  state.loaded.set(`${m.id}:${dtype}`, info);
  if (dtype !== (dtypes.get(m.id) ?? 'fp32')) return; // switched away meanwhile
  const li = $(`#model-${m.id}`);
  li.classList.add('ready');
  $('.progress', li).classList.remove('indeterminate');
  $('.progress-fill', li).style.width = '100%';
  $('.model-size', li).textContent = fmtBytes(info.download);
  $('.model-size', li).title = `model file ${fmtBytes(info.bytes)}; download incl. config${m.task === 'text' ? ' and tokenizer' : ''} ${fmtBytes(info.download)} (the .wasm, shared by all models, not counted)`;
  $('.model-status', li).textContent = `ready · ${Math.round(ms)} ms`;
  $('.model-status', li).title = `downloaded (or read from the cache), compiled and warmed up in ${fmtMs(ms)}`;
  for (const chip of document.querySelectorAll(`.model-chip[data-model="${m.id}"]`)) {
    chip.textContent = `${m.id}${dtype === 'fp32' ? '' : ` (${dtype})`} · ${fmtBytes(info.bytes)}`;
    chip.classList.add('ready');
  }
  updateLoadStatus();
}

function onLoadError(id, message) {
  state.failed.set(id, message);
  const li = $(`#model-${id}`);
  li.classList.add('failed');
  $('.progress', li).classList.remove('indeterminate');
  $('.model-status', li).textContent = 'not available';
  li.title = message;
  for (const chip of document.querySelectorAll(`.model-chip[data-model="${id}"]`)) {
    chip.textContent = `${id} · not available`;
    chip.classList.add('failed');
  }
  console.warn(`wisp demo: ${id} did not load: ${message}`);
  const box = $(`#res-${id}`);
  if (box) setUnavailable(box, message);
  if (id === 'spam-bert') {
    $('#text-label').textContent = 'Model not available';
    $('#text-sub').textContent = message;
  }
  updateLoadStatus();
}

function updateLoadStatus() {
  const n = new Set([...state.loaded.values()].map((m) => m.id)).size;
  const bytes = [...state.loaded.values()].reduce((s, m) => s + m.download, 0);
  $('#load-status').textContent = `${n} of ${MODELS.length} models loaded (${fmtBytes(bytes)})` +
    (state.failed.size ? `, ${state.failed.size} failed` : '');
  $('#load-status').classList.toggle('warn', state.failed.size > 0);
}

// FNV-1a over bytes: names a version of a data file in a cache key.
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16);
}

// Embeddings of a panel's sample data, computed once and kept in the Cache API (next to wisp's
// model cache), so a later visit does not embed them again. The key names the model, its size
// and the data's hash: a changed model or data file is embedded afresh.
async function cachedVectors(id, name, data, count, compute) {
  const info = state.loaded.get(keyOf(id));
  const key = new URL(`data/${name}.vectors?model=${id}&bytes=${info?.bytes}&data=${fnv1a(data)}`, import.meta.url).href;
  // no Cache API (not a secure context) or a refused one: embed on every visit
  const cache = await globalThis.caches?.open('wisp-demo').catch(() => null);
  const hit = await cache?.match(key).catch(() => null);
  if (hit) {
    const flat = new Float32Array(await hit.arrayBuffer()), dim = flat.length / count;
    if (Number.isInteger(dim) && dim > 0) {
      return { vectors: Array.from({ length: count }, (_, i) => flat.subarray(i * dim, (i + 1) * dim)), cached: true };
    }
  }
  const vectors = await compute();
  const flat = new Float32Array(vectors.reduce((s, v) => s + v.length, 0));
  vectors.reduce((at, v) => (flat.set(v, at), at + v.length), 0);
  await cache?.put(key, new Response(flat.buffer)).catch(() => {});
  return { vectors, cached: false };
}

// ---------------------------------------------------------------- panels (tabs)

const opened = new Map(); // panel -> Promise of its start

function showPanel(name, { focus = false } = {}) {
  for (const p of PANELS) {
    $(`#${p}`).hidden = p !== name;
    $(`#tab-${p}`).setAttribute('aria-selected', String(p === name));
    $(`#tab-${p}`).tabIndex = p === name ? 0 : -1;
  }
  if (focus) $(`#tab-${name}`).focus();
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  if (!opened.has(name)) opened.set(name, startPanel(name));
}

async function startPanel(name) {
  const section = $(`#${name}`);
  section.dataset.state = 'loading';
  const results = await Promise.allSettled(MODELS.filter((m) => m.panel === name).map(loadModel));
  try {
    await PANEL_START[name]();
    section.dataset.state = results.every((r) => r.status === 'fulfilled') ? 'ready' : 'error';
  } catch (e) {
    console.warn(`wisp demo: the ${name} panel failed: ${e.message}`);
    section.dataset.state = 'error';
  }
}

// A tab opened by hand brings its panel up under the tabs (on a phone it is far below otherwise).
for (const p of PANELS) {
  $(`#tab-${p}`).addEventListener('click', () => {
    showPanel(p);
    if ($(`#${p}`).getBoundingClientRect().top > $('.tabs').offsetHeight + 80) {
      $(`#${p}`).scrollIntoView({ block: 'start', behavior: 'instant' });
    }
  });
}
$('.tabs').addEventListener('keydown', (e) => {
  const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
  if (!step) return;
  const i = PANELS.findIndex((p) => $(`#tab-${p}`).getAttribute('aria-selected') === 'true');
  showPanel(PANELS[(i + step + PANELS.length) % PANELS.length], { focus: true });
});

function setUnavailable(box, message) {
  box.dataset.label = '';
  $('.bars', box).replaceChildren(el('li', { className: 'unavailable', textContent: `Model not available: ${message}` }));
}

// Top-k bars: [{label, score}] into an <ol class="bars">.
function renderBars(ol, results, { highlight = true } = {}) {
  ol.replaceChildren(...results.map((r, i) => el('li', { className: i === 0 && highlight ? 'top' : '' },
    el('span', { className: 'bar-label', textContent: r.label }),
    el('span', { className: 'bar-track' }, el('span', { className: 'bar-fill' })),
    el('span', { className: 'bar-score', textContent: pct(r.score) }))));
  results.forEach((r, i) => (ol.children[i].querySelector('.bar-fill').style.width = `${Math.max(0.5, r.score * 100)}%`));
}

// Each input (textarea, canvas, form) carries a version, bumped on every change, in
// data-version; a result box shows the version it answers in its own data-version. A run whose
// input changed meanwhile is not shown (a newer one follows), and tests wait for matching versions.
const bump = (input) => (input.dataset.version = String(Number(input.dataset.version ?? 0) + 1));
const version = (input) => input.dataset.version ?? '0';

// ---------------------------------------------------------------- text

function renderTextSamples(samples) {
  const box = $('#text-samples');
  box.append(el('span', { className: 'samples-h', textContent: 'Held-out samples' }));
  samples.forEach((s, i) => {
    const b = el('button', { type: 'button', className: `sample sample-${s.label}`, title: s.text.slice(0, 300) },
      el('span', { className: 'dot' }), el('span', { textContent: s.title }));
    b.dataset.index = i;
    b.dataset.label = s.label;
    b.addEventListener('click', () => {
      $('#text-input').value = s.text;
      bump($('#text-input'));
      for (const x of box.querySelectorAll('.sample')) x.classList.toggle('active', x === b);
      classifyText();
    });
    box.append(b);
  });
}

const classifyText = coalesce(async () => {
  if (!isLoaded('spam-bert')) return;
  const input = $('#text-input'), text = input.value, v = version(input);
  const verdict = $('#text-verdict');
  if (!text.trim()) {
    verdict.dataset.label = '';
    verdict.dataset.version = v;
    $('#text-label').textContent = '—';
    $('#text-sub').textContent = 'type a message or pick a sample';
    $('#text-bar').style.width = '0%';
    $('#text-score').textContent = 'p(spam) —';
    $('#text-time').textContent = '';
    return;
  }
  try {
    const { result, ms } = await timed('spam-bert', 'classify', text, { topk: 2 });
    if (version(input) !== v) return; // a newer run follows
    const spam = result.find((r) => r.label.toLowerCase() === 'spam')?.score ?? 0;
    const top = result[0].label;
    verdict.dataset.label = top;
    verdict.classList.toggle('is-spam', top === 'spam');
    $('#text-label').textContent = top === 'spam' ? 'Spam' : 'Not spam';
    $('#text-sub').textContent = `${top} · ${pct(result[0].score)} confident`;
    $('#text-bar').style.width = `${spam * 100}%`;
    $('#text-score').textContent = `p(spam) ${spam.toFixed(3)}`;
    $('#text-time').textContent = `inference: classify ${fmtMs(ms)}`;
    verdict.dataset.version = v;
  } catch (e) {
    $('#text-label').textContent = 'Error';
    $('#text-sub').textContent = e.message;
  }
});

// fp32 or q8 (model_quantized.onnx): each is loaded on first choice, in a worker of its own, and
// kept; the model list and the chip show its download size, the timing line its speed.
$('#text-dtype').addEventListener('change', async (e) => {
  const dtype = e.target.value, m = MODELS.find((x) => x.id === 'spam-bert');
  dtypes.set(m.id, dtype);
  const li = $(`#model-${m.id}`);
  li.classList.remove('ready', 'failed');
  $('#text-verdict').dataset.label = '';
  try {
    await loadModel(m);
  } catch {
    return; // shown by onLoadError
  }
  if ((dtypes.get(m.id) ?? 'fp32') !== dtype) return; // switched again meanwhile
  const info = state.loaded.get(keyOf(m.id));
  onLoaded(m, await modelOf(m.id), info.download, info.ms, dtype); // a model loaded earlier shows its numbers again
  bump($('#text-input'));
  classifyText();
});

let typingTimer = 0;
$('#text-input').addEventListener('input', () => {
  bump($('#text-input'));
  for (const x of document.querySelectorAll('#text-samples .sample')) x.classList.remove('active');
  clearTimeout(typingTimer);
  typingTimer = setTimeout(classifyText, 120);
});

// ---------------------------------------------------------------- mail search

// The mailbox: held-out mails (never seen in training). Their bodies are embedded once, when the
// panel opens, by mail-embed in its worker; the vectors are kept here and each query is one more
// embed and 300 dot products (the vectors are unit length: a dot product is the cosine).
const mailbox = { mails: [], vectors: null };
const EXAMPLE_QUERIES = ['cheap mortgage rates', 'a CD player for toddlers', 'lioness adopts an antelope', 'cheap laptop for linux'];

async function indexMailbox() {
  const bytes = new Uint8Array(await (await fetch(new URL('data/mailbox.json', import.meta.url))).arrayBuffer());
  mailbox.mails = JSON.parse(new TextDecoder().decode(bytes));
  const n = mailbox.mails.length, t0 = performance.now();
  const { vectors, cached } = await cachedVectors('mail-embed', 'mailbox', bytes, n, async () => {
    const out = [];
    for (let i = 0; i < n; i += 16) {
      $('#search-status').textContent = `indexing the mailbox… ${i} / ${n} mails`;
      const bodies = mailbox.mails.slice(i, i + 16).map((m) => m.body);
      out.push(...(await timed('mail-embed', 'embed', bodies, { normalize: true })).result);
    }
    return out;
  });
  mailbox.vectors = vectors;
  $('#search-status').textContent = `${n} held-out mails ${cached ? 'read from the cache' : 'indexed'} in ${fmtMs(performance.now() - t0)}.`;
}

function renderSearchSamples() {
  const box = $('#search-samples');
  box.append(el('span', { className: 'samples-h', textContent: 'Try' }));
  for (const q of EXAMPLE_QUERIES) {
    const b = el('button', { type: 'button', className: 'sample' }, el('span', { textContent: q }));
    b.addEventListener('click', () => {
      $('#search-input').value = q;
      bump($('#search-input'));
      search();
    });
    box.append(b);
  }
}

const search = coalesce(async () => {
  if (!mailbox.vectors) return;
  const input = $('#search-input'), query = input.value.trim(), v = version(input);
  const list = $('#search-results');
  if (!query) {
    list.replaceChildren();
    list.dataset.version = v;
    list.dataset.top = '';
    return;
  }
  try {
    const { result: q, ms } = await timed('mail-embed', 'embed', query, { normalize: true });
    if (version(input) !== v) return; // a newer run follows
    const hits = mailbox.vectors.map((u, i) => ({ i, sim: dot(u, q) })).sort((a, b) => b.sim - a.sim).slice(0, 5);
    list.replaceChildren(...hits.map(({ i, sim }) => {
      const m = mailbox.mails[i];
      const li = el('li', { className: 'hit' },
        el('div', { className: 'hit-top' },
          el('span', { className: `pill pill-${m.label}`, textContent: m.label }),
          el('span', { className: 'hit-subject', textContent: m.subject }),
          el('span', { className: 'hit-sim', textContent: `cos ${sim.toFixed(3)}` })),
        el('div', { className: 'hit-body', textContent: m.body.replace(/\s+/g, ' ').slice(0, 220) }));
      li.dataset.id = m.id;
      return li;
    }));
    list.dataset.top = mailbox.mails[hits[0].i].id;
    list.dataset.version = v;
    $('#search-status').textContent = `${mailbox.mails.length} held-out mails · query embedded and compared in ${fmtMs(ms)}`;
  } catch (e) {
    $('#search-status').textContent = `Error: ${e.message}`;
  }
});

let searchTimer = 0;
$('#search-input').addEventListener('input', () => {
  bump($('#search-input'));
  clearTimeout(searchTimer);
  searchTimer = setTimeout(search, 80);
});

// ---------------------------------------------------------------- image

const draw = $('#draw');
const dctx = draw.getContext('2d', { willReadFrequently: true });
const SCALE = draw.width / 28; // 10: each model pixel is a 10×10 block of the canvas

function clearCanvas() {
  dctx.fillStyle = '#000';
  dctx.fillRect(0, 0, draw.width, draw.height);
}

// The canvas as the models' 28×28 gray input: each pixel is the mean of its 10×10 block.
function canvasTo28() {
  const { data } = dctx.getImageData(0, 0, draw.width, draw.height);
  const out = new Uint8Array(28 * 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      let s = 0;
      for (let dy = 0; dy < SCALE; dy++) {
        for (let dx = 0; dx < SCALE; dx++) s += data[((y * SCALE + dy) * draw.width + x * SCALE + dx) * 4];
      }
      out[y * 28 + x] = Math.round(s / (SCALE * SCALE));
    }
  }
  return out;
}

// 28×28 gray -> the canvas, each pixel a 10×10 block (what you see is what the models see).
function put28(gray) {
  const img = dctx.createImageData(draw.width, draw.height);
  for (let y = 0; y < draw.height; y++) {
    for (let x = 0; x < draw.width; x++) {
      const v = gray[Math.floor(y / SCALE) * 28 + Math.floor(x / SCALE)], i = (y * draw.width + x) * 4;
      img.data[i] = img.data[i + 1] = img.data[i + 2] = v;
      img.data[i + 3] = 255;
    }
  }
  dctx.putImageData(img, 0, 0);
  shownIndex = null; // callers showing a test image set it again
  bump(draw);
  $('#draw-hint').hidden = true;
}

function showSeen(gray) {
  const c = $('#seen'), ctx = c.getContext('2d');
  const img = ctx.createImageData(28, 28);
  gray.forEach((v, i) => img.data.set([v, v, v, 255], i * 4));
  ctx.putImageData(img, 0, 0);
}

// What the canvas shows now: the note under the results, and which sample (if any) is selected.
function imageSource(note, thumb = null) {
  for (const t of document.querySelectorAll('#fashion-samples .thumb')) t.classList.toggle('active', t === thumb);
  $('#image-note').textContent = note;
}
const DRAWN = 'Your drawing, as the models see it: the mean of each 10×10 block.';

const classifyImage = coalesce(async () => {
  const v = version(draw);
  const gray = canvasTo28();
  showSeen(gray);
  const input = { data: gray, width: 28, height: 28, channels: 1 };
  const empty = gray.every((p) => p === 0);
  await Promise.all(IMAGE_MODELS.filter(isLoaded).map(async (id) => {
    const box = $(`#res-${id}`);
    if (empty) {
      Object.assign(box.dataset, { label: '', version: v });
      $('.bars', box).replaceChildren(el('li', { className: 'placeholder', textContent: 'Draw a garment, upload a picture or pick a test image.' }));
      $('.timing', box).textContent = '';
      return;
    }
    try {
      const { result, ms } = await timed(id, 'classify', input, { topk: 3 });
      if (version(draw) !== v) return; // a newer run follows
      box.dataset.version = v;
      box.dataset.label = result[0].label;
      renderBars($('.bars', box), result);
      $('.timing', box).textContent = `inference ${fmtMs(ms)}`;
    } catch (e) {
      setUnavailable(box, e.message);
    }
  }));
  await findSimilar(input, empty, v);
});

// Drawing: white strokes with round ends; the models re-run while you draw.
let drawing = null;
draw.addEventListener('pointerdown', (e) => {
  draw.setPointerCapture(e.pointerId);
  const r = draw.getBoundingClientRect();
  drawing = { x: ((e.clientX - r.left) * draw.width) / r.width, y: ((e.clientY - r.top) * draw.height) / r.height };
  $('#draw-hint').hidden = true;
  shownIndex = null;
  imageSource(DRAWN);
  stroke(e);
});
draw.addEventListener('pointermove', (e) => drawing && stroke(e));
for (const t of ['pointerup', 'pointercancel']) draw.addEventListener(t, () => (drawing = null, classifyImage()));
function stroke(e) {
  const r = draw.getBoundingClientRect();
  const x = ((e.clientX - r.left) * draw.width) / r.width, y = ((e.clientY - r.top) * draw.height) / r.height;
  Object.assign(dctx, { strokeStyle: '#fff', lineWidth: Number($('#brush').value), lineCap: 'round', lineJoin: 'round' });
  dctx.beginPath();
  dctx.moveTo(drawing.x, drawing.y);
  dctx.lineTo(x, y);
  dctx.stroke();
  bump(draw);
  drawing = { x, y };
  classifyImage();
}
// Anything that paints the canvas from outside (a test, a console) can fire 'input' on it.
draw.addEventListener('input', () => {
  bump(draw);
  $('#draw-hint').hidden = true;
  shownIndex = null;
  imageSource(DRAWN);
  classifyImage();
});

$('#draw-clear').addEventListener('click', () => {
  shownIndex = null;
  clearCanvas();
  bump(draw);
  $('#draw-hint').hidden = false;
  imageSource('Top-3 classes with their softmax scores.');
  classifyImage();
});

// A picture of any size and colours -> a Fashion-MNIST-like 28×28: grayscale, light backgrounds
// inverted (the dataset is a light garment on black), cropped to the object, longest side 28,
// centred. Decoded and processed here: the file never leaves the page.
async function pictureTo28(file) {
  const bmp = await createImageBitmap(file);
  const s = Math.min(1, 560 / Math.max(bmp.width, bmp.height));
  const w = Math.max(1, Math.round(bmp.width * s)), h = Math.max(1, Math.round(bmp.height * s));
  const src = el('canvas', { width: w, height: h });
  const sctx = src.getContext('2d', { willReadFrequently: true });
  sctx.fillStyle = '#fff'; // transparent areas count as paper
  sctx.fillRect(0, 0, w, h);
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(bmp, 0, 0, w, h);
  bmp.close();
  const rgba = sctx.getImageData(0, 0, w, h).data;
  const g = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) g[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
  // the background is the border's median; a light one is inverted
  const border = [];
  for (let x = 0; x < w; x++) border.push(g[x], g[(h - 1) * w + x]);
  for (let y = 0; y < h; y++) border.push(g[y * w], g[y * w + w - 1]);
  border.sort((a, b) => a - b);
  let bg = border[border.length >> 1];
  const inverted = bg > 127;
  if (inverted) {
    for (let i = 0; i < g.length; i++) g[i] = 255 - g[i];
    bg = 255 - bg;
  }
  // the object: pixels clearly brighter than the background
  let x0 = w, y0 = h, x1 = -1, y1 = -1, peak = bg + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = g[y * w + x];
      if (v - bg > 32) x0 = Math.min(x0, x), x1 = Math.max(x1, x), y0 = Math.min(y0, y), y1 = Math.max(y1, y);
      peak = Math.max(peak, v);
    }
  }
  if (x1 < 0) [x0, y0, x1, y1] = [0, 0, w - 1, h - 1];
  const cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  // stretch background..peak to 0..255 into a crop canvas
  const crop = el('canvas', { width: cw, height: ch });
  const cctx = crop.getContext('2d');
  const img = cctx.createImageData(cw, ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const v = Math.max(0, Math.min(255, ((g[(y0 + y) * w + x0 + x] - bg) * 255) / (peak - bg)));
      img.data.set([v, v, v, 255], (y * cw + x) * 4);
    }
  }
  cctx.putImageData(img, 0, 0);
  // longest side 28, centred on black
  const k = 28 / Math.max(cw, ch), dw = Math.max(1, Math.round(cw * k)), dh = Math.max(1, Math.round(ch * k));
  const out = el('canvas', { width: 28, height: 28 });
  const octx = out.getContext('2d', { willReadFrequently: true });
  octx.fillStyle = '#000';
  octx.fillRect(0, 0, 28, 28);
  octx.imageSmoothingQuality = 'high';
  octx.drawImage(crop, Math.floor((28 - dw) / 2), Math.floor((28 - dh) / 2), dw, dh);
  const px = octx.getImageData(0, 0, 28, 28).data;
  return { gray: Uint8Array.from({ length: 784 }, (_, i) => px[4 * i]), inverted };
}

$('#upload').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  try {
    const { gray, inverted } = await pictureTo28(file);
    put28(gray);
    imageSource(`${file.name}: grayscale${inverted ? ', inverted (light background)' : ''}, cropped and scaled to 28×28 in this page.`);
    classifyImage();
  } catch (err) {
    $('#image-note').textContent = `Could not read ${file.name}: ${err.message}`;
  }
});

// A Fashion-MNIST thumbnail button; labels may break after the slash ("T-shirt/top").
function thumb(pixels, label, title, onClick) {
  const c = el('canvas', { width: 28, height: 28 });
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(28, 28);
  pixels.forEach((v, i) => img.data.set([v, v, v, 255], i * 4));
  ctx.putImageData(img, 0, 0);
  const b = el('button', { type: 'button', className: 'thumb', title }, c,
    el('span', { className: 'thumb-label', textContent: label.replace('/', '/\u200b') }));
  b.dataset.label = label;
  b.addEventListener('click', onClick);
  return b;
}

function renderFashionSamples(samples) {
  const box = $('#fashion-samples');
  box.append(el('span', { className: 'samples-h', textContent: 'Fashion-MNIST test images' }));
  for (const s of samples) {
    const b = thumb(s.pixels, s.label, `${s.label} (test image #${s.index})`, () => {
      put28(Uint8Array.from(s.pixels));
      shownIndex = s.index;
      imageSource(`Fashion-MNIST test image #${s.index}, labelled “${s.label}”.`, b);
      classifyImage();
    });
    box.append(b);
  }
}

// ---- more like this: the CNN's embedding of the first 500 test images, made once when the
// panel opens (in the CNN's worker) and kept here; a query is embedded and compared by cosine.
const gallery = { images: [], labels: [], vectors: null };
let shownIndex = null; // the test image the canvas shows (not offered as similar to itself)

async function indexGallery({ count, columns, labels }) {
  const names = (await modelOf('fashion-cnn')).labels;
  const png = await (await fetch(new URL('data/fashion-gallery.png', import.meta.url))).blob();
  const bmp = await createImageBitmap(png);
  const sheet = el('canvas', { width: bmp.width, height: bmp.height });
  const ctx = sheet.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  const px = ctx.getImageData(0, 0, sheet.width, sheet.height).data;
  for (let i = 0; i < count; i++) {
    const x0 = (i % columns) * 28, y0 = Math.floor(i / columns) * 28, g = new Uint8Array(784);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) g[y * 28 + x] = px[((y0 + y) * sheet.width + x0 + x) * 4];
    gallery.images.push(g);
    gallery.labels.push(names[labels[i]]);
  }
  const t0 = performance.now();
  const pngBytes = new Uint8Array(await png.arrayBuffer());
  const { vectors, cached } = await cachedVectors('fashion-cnn', 'gallery', pngBytes, count, async () => {
    const out = [];
    for (let i = 0; i < count; i += 100) {
      $('#similar-status').textContent = `indexing the test images… ${i} / ${count}`;
      const batch = gallery.images.slice(i, i + 100).map((data) => ({ data, width: 28, height: 28, channels: 1 }));
      out.push(...(await timed('fashion-cnn', 'embed', batch, { normalize: true })).result);
    }
    return out;
  });
  gallery.vectors = vectors;
  $('#similar-status').textContent = `${count} test images ${cached ? 'read from the cache' : 'indexed'} in ${fmtMs(performance.now() - t0)}; the nearest by cosine similarity:`;
}

async function findSimilar(input, empty, v) {
  const box = $('#similar');
  if (!gallery.vectors) return;
  if (empty) return void (box.replaceChildren(), box.dataset.version = v);
  const { result: q, ms } = await timed('fashion-cnn', 'embed', input, { normalize: true });
  if (version(draw) !== v) return;
  const hits = gallery.vectors.map((u, i) => ({ i, sim: dot(u, q) }))
    .filter((h) => h.i !== shownIndex).sort((a, b) => b.sim - a.sim).slice(0, 10);
  box.replaceChildren(...hits.map(({ i, sim }) => {
    const label = gallery.labels[i];
    const b = thumb(gallery.images[i], label, `${label} (test image #${i}), cosine ${sim.toFixed(3)}`, () => {
      put28(gallery.images[i]);
      shownIndex = i;
      imageSource(`Fashion-MNIST test image #${i}, labelled “${label}”.`);
      classifyImage();
    });
    b.dataset.index = i;
    return b;
  }));
  box.dataset.version = v;
  box.dataset.labels = hits.map((h) => gallery.labels[h.i]).join('|');
  $('#similar-status').textContent = `${gallery.vectors.length} test images; the 10 nearest by cosine similarity (embed ${fmtMs(ms)}):`;
}
// ---------------------------------------------------------------- tabular

const BASES = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity',
  'concave points', 'symmetry', 'fractal dimension'];
// What each measurement of a nucleus outline means, and its unit (the data set's description;
// lengths are in the digitised image's units, which it does not scale).
const HELP = {
  radius: ['mean distance from the centre to points on the outline', 'length'],
  texture: ['standard deviation of the gray levels inside the outline', 'gray level'],
  perimeter: ['length of the outline', 'length'],
  area: ['area inside the outline', 'length²'],
  smoothness: ['local variation in radius lengths', 'ratio'],
  compactness: ['perimeter² / area − 1', 'ratio'],
  concavity: ['how deep the concave parts of the outline are', 'ratio'],
  'concave points': ['how many concave parts the outline has', 'ratio'],
  symmetry: ['how symmetric the outline is', 'ratio'],
  'fractal dimension': ['how ragged the outline is (“coastline approximation” − 1)', 'ratio'],
};
const num = (x) => (Math.abs(x) >= 100 ? String(Math.round(x)) : Number(x.toPrecision(3)).toString());
let featureNames = [];
let cancerCases = [];

function renderHelp(ranges = {}) {
  const range = (n) => (ranges[n] ? `${num(ranges[n][0])} – ${num(ranges[n][1])}` : '—');
  $('#help-table tbody').replaceChildren(...BASES.map((b) => el('tr', {},
    el('th', { scope: 'row', textContent: b }), el('td', { textContent: HELP[b][0] }), el('td', { textContent: HELP[b][1] }),
    el('td', { textContent: range(`mean ${b}`) }), el('td', { textContent: range(`${b} error`) }),
    el('td', { textContent: range(`worst ${b}`) }))));
  for (const [n, [lo, hi]] of Object.entries(ranges)) {
    const i = $('#cancer-form').elements[n];
    if (i) i.title = `${n}: typically ${num(lo)} – ${num(hi)}`;
  }
}

function renderCancerForm({ feature_names, cases, ranges }) {
  featureNames = feature_names;
  cancerCases = cases;
  const tbody = $('#features');
  const input = (name) => {
    const i = el('input', { type: 'number', step: 'any', name, required: true, inputMode: 'decimal' });
    i.setAttribute('aria-label', name);
    return el('td', {}, i);
  };
  const grid = BASES.every((b) => [`mean ${b}`, `${b} error`, `worst ${b}`].every((n) => feature_names.includes(n)))
    && feature_names.length === 30;
  if (grid) {
    for (const b of BASES) {
      const th = el('th', { scope: 'row' }, el('span', { textContent: b }),
        el('small', { className: 'feature-note', textContent: `${HELP[b][0]} (${HELP[b][1]})` }));
      tbody.append(el('tr', {}, th, input(`mean ${b}`), input(`${b} error`), input(`worst ${b}`)));
    }
    renderHelp(ranges);
  } else {
    $('.features thead').replaceChildren(el('tr', {}, el('th', { textContent: 'feature' }), el('th', { textContent: 'value' })));
    for (const n of feature_names) tbody.append(el('tr', {}, el('th', { scope: 'row', textContent: n }), input(n)));
  }
  const box = $('#cases');
  box.append(el('span', { className: 'samples-h', textContent: 'Held-out cases' }));
  cases.forEach((c, i) => {
    const b = el('button', { type: 'button', className: `sample sample-${c.label}` },
      el('span', { className: 'dot' }), el('span', { textContent: `#${c.index} · ${c.label}` }));
    b.dataset.label = c.label;
    b.dataset.index = i;
    b.addEventListener('click', () => fillCase(i));
    box.append(b);
  });
  fillCase(0, { run: false });
}

const caseNote = (c) => `Held-out case #${c.index}: the recorded diagnosis is ${c.label}.`;

function fillCase(i, { run = true } = {}) {
  const c = cancerCases[i];
  for (const n of featureNames) $('#cancer-form').elements[n].value = String(c.features[n]);
  for (const b of document.querySelectorAll('#cases .sample')) b.classList.toggle('active', Number(b.dataset.index) === i);
  $('#case-note').textContent = caseNote(c);
  bump($('#cancer-form'));
  if (run) classifyRow();
}

function readRow() {
  const row = {};
  for (const n of featureNames) {
    const v = $('#cancer-form').elements[n].value;
    if (v.trim() === '' || !Number.isFinite(Number(v))) throw new Error(`“${n}” needs a number`);
    row[n] = Number(v);
  }
  return row;
}

const classifyRow = coalesce(async () => {
  if (!featureNames.length) return;
  const form = $('#cancer-form'), v = version(form);
  let row;
  try {
    row = readRow();
  } catch (e) {
    for (const id of TABULAR_MODELS) $('.dx', $(`#res-${id}`)).textContent = e.message;
    return;
  }
  await Promise.all(TABULAR_MODELS.filter(isLoaded).map(async (id) => {
    const box = $(`#res-${id}`);
    try {
      const { result, ms } = await timed(id, 'classify', row, { topk: 2 });
      if (version(form) !== v) return; // a newer run follows
      box.dataset.version = v;
      const top = result[0];
      box.dataset.label = top.label;
      const dx = $('.dx', box);
      dx.replaceChildren(el('span', { className: `pill pill-${top.label}`, textContent: top.label }),
        el('span', { className: 'dx-p', textContent: pct(top.score) }));
      renderBars($('.bars', box), result);
      $('.timing', box).textContent = `inference ${fmtMs(ms)}`;
    } catch (e) {
      setUnavailable(box, e.message);
    }
  }));
});

$('#cancer-form').addEventListener('input', () => {
  bump($('#cancer-form'));
  // typed values that equal a listed case count as that case
  let row = null;
  try {
    row = readRow();
  } catch {
    // an empty or non-numeric field: no case matches
  }
  const i = row ? cancerCases.findIndex((c) => featureNames.every((n) => c.features[n] === row[n])) : -1;
  for (const b of document.querySelectorAll('#cases .sample')) b.classList.toggle('active', Number(b.dataset.index) === i);
  $('#case-note').textContent = i >= 0 ? caseNote(cancerCases[i]) : 'Edited values.';
  classifyRow();
});
$('#cancer-form').addEventListener('submit', (e) => e.preventDefault());

// ---------------------------------------------------------------- start

let data = {};
const WARMUP = {
  image: () => ({ data: new Uint8Array(784), width: 28, height: 28, channels: 1 }),
  text: () => 'warm up',
  tabular: () => (cancerCases[0] ? Object.fromEntries(featureNames.map((n) => [n, cancerCases[0].features[n]])) : undefined),
};
// What a panel does once its models are in (or failed): its first answers.
const PANEL_START = {
  text: () => classifyText(),
  search: async () => {
    await modelOf('mail-embed');
    await indexMailbox();
    await search();
  },
  image: async () => {
    await classifyImage();
    await modelOf('fashion-cnn');
    if (data.gallery) await indexGallery(data.gallery);
    await classifyImage();
  },
  tabular: () => classifyRow(),
};

renderModelList();
clearCanvas();
showSeen(new Uint8Array(784));
renderSearchSamples();

data = await (await fetch(new URL('data/samples.json', import.meta.url))).json();
if (data.spam?.length) renderTextSamples(data.spam);
if (data.fashion?.length) {
  renderFashionSamples(data.fashion);
  $('#fashion-samples .thumb').click(); // start with a real test image (classified once loaded)
}
if (data.cancer?.cases?.length) renderCancerForm(data.cancer);
if (data.spam?.length) $('#text-input').value = data.spam.find((s) => s.label === 'spam')?.text ?? '';
$('#text-samples .sample-spam')?.classList.add('active');

// The panel named in the address (#image, …) opens first; the text panel otherwise.
const first = location.hash.slice(1);
showPanel(PANELS.includes(first) ? first : 'text');
document.body.dataset.state = 'ready';
