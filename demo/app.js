// app.js — the demo page. All inference happens in worker.js (a module Web Worker running wisp);
// this file draws the page, turns what the user does into model inputs, and shows the answers.
// After the models have loaded the page makes no network requests: samples come from one JSON
// fetched at start, uploads are decoded locally, and results come back as worker messages.

const MODELS = [
  { id: 'spam-bert', name: 'Spam BERT', task: 'text' },
  { id: 'fashion-cnn', name: 'Fashion CNN', task: 'image' },
  { id: 'fashion-mlp', name: 'Fashion MLP', task: 'image' },
  { id: 'breast-cancer-gbt', name: 'Cancer GBT', task: 'tabular' },
  { id: 'breast-cancer-mlp', name: 'Cancer MLP', task: 'tabular' },
];
const IMAGE_MODELS = ['fashion-cnn', 'fashion-mlp'];
const TABULAR_MODELS = ['breast-cancer-gbt', 'breast-cancer-mlp'];

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};
const fmtBytes = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${Math.max(1, Math.round(b / 1e3))} kB`);
// Browsers coarsen performance.now() (0.1 ms here, without cross-origin isolation).
const fmtMs = (ms) => (ms < 0.1 ? '< 0.1 ms' : ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
const pct = (p) => `${(p * 100).toFixed(1)}%`;

// ---------------------------------------------------------------- the worker

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let nextRid = 1;
const state = { loaded: new Map(), failed: new Map(), progress: new Map() };

function call(id, op, input, options) {
  return new Promise((resolve, reject) => {
    const rid = nextRid++;
    pending.set(rid, { resolve, reject });
    worker.postMessage({ type: 'run', rid, id, op, input, options });
  });
}

worker.onmessage = ({ data: m }) => {
  switch (m.type) {
    case 'progress': return onProgress(m);
    case 'loaded': return onLoaded(m);
    case 'load-error': return onLoadError(m);
    case 'all-loaded': return onAllLoaded();
    case 'result':
    case 'error': {
      const p = pending.get(m.rid);
      pending.delete(m.rid);
      if (m.type === 'result') p?.resolve({ result: m.result, ms: m.ms });
      else p?.reject(new Error(m.message));
    }
  }
};
worker.onerror = (e) => {
  e.preventDefault();
  const msg = e.message || 'the inference worker failed to start';
  console.warn(`wisp demo: ${msg}`);
  $('#load-status').textContent = `Error: ${msg}`;
  document.body.dataset.state = 'error';
};

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

const loadStarted = performance.now();

function renderModelList() {
  const list = $('#model-list');
  for (const m of MODELS) {
    list.append(el('li', { className: 'model', id: `model-${m.id}` },
      el('div', { className: 'model-top' },
        el('span', { className: 'model-name', textContent: m.name }),
        el('span', { className: `task task-${m.task}`, textContent: m.task })),
      el('div', { className: 'progress indeterminate' }, el('span', { className: 'progress-fill' })),
      el('div', { className: 'model-meta' },
        el('span', { className: 'model-size', textContent: 'size —' }),
        el('span', { className: 'model-status', textContent: 'waiting' }))));
  }
}

function onProgress({ id, file, loaded, total }) {
  let files = state.progress.get(id);
  if (!files) state.progress.set(id, (files = new Map()));
  files.set(file, { loaded, total });
  const li = $(`#model-${id}`);
  let sumL = 0, sumT = 0;
  for (const f of files.values()) sumL += f.loaded, sumT += f.total;
  $('.model-size', li).textContent = fmtBytes(sumT);
  // load() reads the small JSON files first and the .onnx last: the bar starts with the model file
  const started = [...files.keys()].some((f) => f.endsWith('.onnx'));
  $('.progress', li).classList.toggle('indeterminate', !started);
  if (started) $('.progress-fill', li).style.width = `${(100 * sumL) / Math.max(sumT, 1)}%`;
  $('.model-status', li).textContent = started ? `${Math.round((100 * sumL) / Math.max(sumT, 1))}%` : 'config…';
}

function onLoaded(m) {
  state.loaded.set(m.id, m);
  const files = state.progress.get(m.id);
  const download = files ? [...files.values()].reduce((s, f) => s + f.total, 0) : m.bytes;
  m.download = Math.max(download, m.bytes);
  const li = $(`#model-${m.id}`);
  li.classList.add('ready');
  $('.progress', li).classList.remove('indeterminate');
  $('.progress-fill', li).style.width = '100%';
  $('.model-size', li).textContent = fmtBytes(m.download);
  $('.model-size', li).title = `model file ${fmtBytes(m.bytes)}; download incl. config${m.kind === 'text' ? ' and tokenizer' : ''} ${fmtBytes(m.download)}`;
  $('.model-status', li).textContent = `ready · ${Math.round(m.ms)} ms`;
  $('.model-status', li).title = `downloaded, compiled and warmed up in ${fmtMs(m.ms)}`;
  for (const chip of document.querySelectorAll(`.model-chip[data-model="${m.id}"]`)) {
    chip.textContent = `${m.id} · ${fmtBytes(m.download)}`;
    chip.classList.add('ready');
  }
  panelReady(m);
}

function onLoadError({ id, message }) {
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
}

function onAllLoaded() {
  const n = state.loaded.size;
  const bytes = [...state.loaded.values()].reduce((s, m) => s + m.download, 0);
  const secs = ((performance.now() - loadStarted) / 1000).toFixed(1);
  $('#load-status').textContent = state.failed.size
    ? `${n} of ${MODELS.length} models ready (${fmtBytes(bytes)})`
    : `All ${n} models ready · ${fmtBytes(bytes)} in ${secs} s · offline from here on`;
  $('#load-status').classList.add(state.failed.size ? 'warn' : 'ok');
  document.body.dataset.state = 'ready';
}

function panelReady(m) {
  if (m.id === 'spam-bert') textReady(m);
  if (IMAGE_MODELS.includes(m.id)) classifyImage();
  if (TABULAR_MODELS.includes(m.id)) classifyRow();
}

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

let spamSamples = [];
let textIndexed = null; // Promise: sample embeddings are in the worker

function renderTextSamples(samples) {
  spamSamples = samples;
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

function textReady({ config: c }) {
  if (c.num_hidden_layers && c.hidden_size) $('#spam-arch').textContent = ` (${c.num_hidden_layers} layers, hidden size ${c.hidden_size})`;
  textIndexed = call('spam-bert', 'index', spamSamples.map((s) => s.text)).catch(() => {}); // 'nearest' reports it
  if ($('#text-input').value.trim()) classifyText();
  else $('#text-sub').textContent = 'type a message or pick a sample';
}

const classifyText = coalesce(async () => {
  if (!state.loaded.has('spam-bert')) return;
  const input = $('#text-input'), text = input.value, v = version(input);
  const verdict = $('#text-verdict');
  if (!text.trim()) {
    verdict.dataset.label = '';
    verdict.dataset.version = v;
    $('#text-label').textContent = '—';
    $('#text-sub').textContent = 'type a message or pick a sample';
    $('#text-bar').style.width = '0%';
    $('#text-score').textContent = 'p(spam) —';
    $('#text-nearest-body').textContent = '—';
    $('#text-time').textContent = '';
    return;
  }
  try {
    const [cls, near] = await Promise.allSettled([
      call('spam-bert', 'classify', text, { topk: 2 }),
      textIndexed.then(() => call('spam-bert', 'nearest', text)),
    ]);
    if (version(input) !== v) return; // a newer run follows
    if (cls.status === 'rejected') throw cls.reason;
    const { result, ms } = cls.value;
    const spam = result.find((r) => r.label.toLowerCase() === 'spam')?.score ?? 0;
    const top = result[0].label;
    verdict.dataset.label = top;
    verdict.classList.toggle('is-spam', top === 'spam');
    $('#text-label').textContent = top === 'spam' ? 'Spam' : 'Not spam';
    $('#text-sub').textContent = `${top} · ${pct(result[0].score)} confident`;
    $('#text-bar').style.width = `${spam * 100}%`;
    $('#text-score').textContent = `p(spam) ${spam.toFixed(3)}`;
    let times = `inference: classify ${fmtMs(ms)}`;
    if (near.status === 'fulfilled') {
      // the closest sample other than the text itself
      const best = near.value.result.find((n) => spamSamples[n.index].text.trim() !== text.trim());
      const s = spamSamples[best.index];
      $('#text-nearest-body').replaceChildren(
        el('span', { className: `pill pill-${s.label}`, textContent: s.label }),
        el('span', { className: 'nearest-title', textContent: s.title, title: s.text.slice(0, 300) }),
        el('span', { className: 'nearest-sim', textContent: `cos ${best.similarity.toFixed(3)}` }));
      times += ` · embed + compare ${fmtMs(near.value.ms)}`;
    } else {
      $('#text-nearest-body').textContent = `not available: ${near.reason.message}`;
    }
    $('#text-time').textContent = times;
    verdict.dataset.version = v;
  } catch (e) {
    $('#text-label').textContent = 'Error';
    $('#text-sub').textContent = e.message;
  }
});

let typingTimer = 0;
$('#text-input').addEventListener('input', () => {
  bump($('#text-input'));
  for (const x of document.querySelectorAll('#text-samples .sample')) x.classList.remove('active');
  clearTimeout(typingTimer);
  typingTimer = setTimeout(classifyText, 120);
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
  await Promise.all(IMAGE_MODELS.filter((id) => state.loaded.has(id)).map(async (id) => {
    const box = $(`#res-${id}`);
    if (empty) {
      Object.assign(box.dataset, { label: '', version: v });
      $('.bars', box).replaceChildren(el('li', { className: 'placeholder', textContent: 'Draw a garment, upload a picture or pick a test image.' }));
      $('.timing', box).textContent = '';
      return;
    }
    try {
      const { result, ms } = await call(id, 'classify', input, { topk: 3 });
      if (version(draw) !== v) return; // a newer run follows
      box.dataset.version = v;
      box.dataset.label = result[0].label;
      renderBars($('.bars', box), result);
      $('.timing', box).textContent = `inference ${fmtMs(ms)}`;
    } catch (e) {
      setUnavailable(box, e.message);
    }
  }));
});

// Drawing: white strokes with round ends; the models re-run while you draw.
let drawing = null;
draw.addEventListener('pointerdown', (e) => {
  draw.setPointerCapture(e.pointerId);
  const r = draw.getBoundingClientRect();
  drawing = { x: ((e.clientX - r.left) * draw.width) / r.width, y: ((e.clientY - r.top) * draw.height) / r.height };
  $('#draw-hint').hidden = true;
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
  imageSource(DRAWN);
  classifyImage();
});

$('#draw-clear').addEventListener('click', () => {
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

function renderFashionSamples(samples) {
  const box = $('#fashion-samples');
  box.append(el('span', { className: 'samples-h', textContent: 'Fashion-MNIST test images' }));
  for (const s of samples) {
    const c = el('canvas', { width: 28, height: 28 });
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(28, 28);
    s.pixels.forEach((v, i) => img.data.set([v, v, v, 255], i * 4));
    ctx.putImageData(img, 0, 0);
    const b = el('button', { type: 'button', className: 'thumb', title: `${s.label} (test image #${s.index})` }, c,
      el('span', { textContent: s.label }));
    b.dataset.label = s.label;
    b.addEventListener('click', () => {
      put28(Uint8Array.from(s.pixels));
      imageSource(`Fashion-MNIST test image #${s.index}, labelled “${s.label}”.`, b);
      classifyImage();
    });
    box.append(b);
  }
}

// ---------------------------------------------------------------- tabular

const BASES = ['radius', 'texture', 'perimeter', 'area', 'smoothness', 'compactness', 'concavity',
  'concave points', 'symmetry', 'fractal dimension'];
let featureNames = [];
let cancerCases = [];

function renderCancerForm({ feature_names, cases }) {
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
    for (const b of BASES) tbody.append(el('tr', {}, el('th', { scope: 'row', textContent: b }), input(`mean ${b}`), input(`${b} error`), input(`worst ${b}`)));
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
  fillCase(0);
}

const caseNote = (c) => `Held-out case #${c.index}: the recorded diagnosis is ${c.label}.`;

function fillCase(i) {
  const c = cancerCases[i];
  for (const n of featureNames) $('#cancer-form').elements[n].value = String(c.features[n]);
  for (const b of document.querySelectorAll('#cases .sample')) b.classList.toggle('active', Number(b.dataset.index) === i);
  $('#case-note').textContent = caseNote(c);
  bump($('#cancer-form'));
  classifyRow();
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
  await Promise.all(TABULAR_MODELS.filter((id) => state.loaded.has(id)).map(async (id) => {
    const box = $(`#res-${id}`);
    try {
      const { result, ms } = await call(id, 'classify', row, { topk: 2 });
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
  } catch {}
  const i = row ? cancerCases.findIndex((c) => featureNames.every((n) => c.features[n] === row[n])) : -1;
  for (const b of document.querySelectorAll('#cases .sample')) b.classList.toggle('active', Number(b.dataset.index) === i);
  $('#case-note').textContent = i >= 0 ? caseNote(cancerCases[i]) : 'Edited values.';
  classifyRow();
});
$('#cancer-form').addEventListener('submit', (e) => e.preventDefault());

// ---------------------------------------------------------------- start

renderModelList();
clearCanvas();
showSeen(new Uint8Array(784));

const data = await (await fetch(new URL('data/samples.json', import.meta.url))).json();
if (data.spam?.length) renderTextSamples(data.spam);
if (data.fashion?.length) {
  renderFashionSamples(data.fashion);
  $('#fashion-samples .thumb').click(); // start with a real test image (classified once loaded)
}
if (data.cancer?.cases?.length) renderCancerForm(data.cancer);
if (data.spam?.length) $('#text-input').value = data.spam.find((s) => s.label === 'spam')?.text ?? '';
$('#text-samples .sample-spam')?.classList.add('active');

const zeros = { data: new Uint8Array(784), width: 28, height: 28, channels: 1 };
const firstRow = cancerCases[0] ? Object.fromEntries(featureNames.map((n) => [n, cancerCases[0].features[n]])) : undefined;
worker.postMessage({
  type: 'load',
  models: MODELS.map(({ id, task }) => ({
    id,
    url: new URL(`../models/${id}/`, import.meta.url).href,
    warmup: task === 'image' ? zeros : task === 'text' ? 'warm up' : firstRow,
  })),
});
