// deploy.test.js — loading over HTTP as a deployed page does, in Node: progress events (the .wasm
// included), no request for a file a folder lacks, the cache directory (second load makes no
// request, a damaged entry is fetched again, offline works), abort, and err.code on failures.
// A local server on 127.0.0.1 serves the shipped models/ and counts every request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import { load, InferenceSession, Tensor, listCached, deleteCached } from '../../web/index.js';
import { DT, model, node, valueInfo } from './helpers.js';
import { threadsAvailable } from '../../web/threads.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FEATURES = JSON.parse(readFileSync(join(ROOT, 'models/breast-cancer-mlp/config.json'), 'utf8')).feature_names;

// Serves the repo's models/ folder. state.requests: every path asked for, with its status;
// state.stall: a path whose body stops half way (until the client goes away); state.fail: a path
// answered with HTTP 500; state.headers: extra headers per path.
function serve(state) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(ROOT, path));
    const ok = path.startsWith('/models/') && file.startsWith(ROOT) && existsSync(file) && statSync(file).isFile();
    const status = path === state.fail ? 500 : ok ? 200 : 404;
    state.requests.push({ path, status });
    if (status !== 200) return res.writeHead(status).end();
    const body = readFileSync(file);
    res.writeHead(200, { 'Content-Length': body.byteLength, ...state.headers?.[path] });
    if (path !== state.stall) return res.end(body);
    res.write(body.subarray(0, body.byteLength >> 1));
    req.socket.on('close', () => (state.closed = true));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function withServer(fn) {
  const state = { requests: [] };
  const server = await serve(state);
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`, state);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

// any finite row: the point is the same answer from each load
const rowOf = () => Object.fromEntries(FEATURES.map((n, i) => [n, 1 + (i % 7) * 0.25]));

test('progress: initiate/progress/done per file (the .wasm too) and ready, with an overall total', async () => {
  await withServer(async (base) => {
    const events = [];
    const m = await load(`${base}/models/fashion-cnn`, { progress: (e) => events.push(e) });
    assert.equal(m.kind, 'image');
    const files = [...new Set(events.map((e) => e.file))];
    // the threaded build where shared memory works (Node: always), as load() picks by default
    const wasmFile = threadsAvailable() ? 'wisp_mt.wasm' : 'wisp.wasm';
    for (const f of [wasmFile, 'config.json', 'preprocessor_config.json', 'onnx/model.onnx']) {
      assert.ok(files.includes(f), `${f} reported (got ${files})`);
      const mine = events.filter((e) => e.file === f).map((e) => e.status);
      assert.equal(mine[0], 'initiate', f);
      assert.ok(mine.includes('done'), f);
    }
    const size = statSync(join(ROOT, 'models/fashion-cnn/onnx/model.onnx')).size;
    const modelDone = events.find((e) => e.file === 'onnx/model.onnx' && e.status === 'done');
    assert.deepEqual([modelDone.loaded, modelDone.total], [size, size]);
    assert.ok(events.some((e) => e.file === 'onnx/model.onnx' && e.status === 'progress'), 'streamed');
    for (const e of events) assert.ok(e.overall.loaded <= e.overall.total, JSON.stringify(e));
    const last = events.at(-1);
    assert.equal(last.status, 'ready');
    const sum = events.filter((e) => e.status === 'done').reduce((n, e) => n + e.total, 0);
    assert.deepEqual([last.overall.loaded, last.overall.total], [sum, sum]);
  });
});

test('no blind probes: each shipped folder is loaded with no 404 and only the files it has', async () => {
  const want = {
    'breast-cancer-gbt': ['config.json', 'onnx/model.onnx'],
    'fashion-mlp': ['config.json', 'preprocessor_config.json', 'onnx/model.onnx'],
    'spam-bert': ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
  };
  await withServer(async (base, state) => {
    for (const [name, files] of Object.entries(want)) {
      state.requests.length = 0;
      const m = await load(`${base}/models/${name}/`);
      assert.deepEqual(state.requests.filter((r) => r.status !== 200), [], name);
      assert.deepEqual(state.requests.map((r) => r.path).sort(), files.map((f) => `/models/${name}/${f}`).sort(), name);
      await m.release?.();
    }
  });
});

test('cache directory: second load makes no request, a damaged entry is refetched, offline works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wisp-cache-'));
  try {
    let url;
    await withServer(async (base, state) => {
      url = `${base}/models/breast-cancer-mlp`;
      const first = await load(url, { cacheDir: dir });
      const expected = (await first.classify(rowOf()))[0];
      assert.ok(expected.label);
      assert.equal(state.requests.length, 2);
      const cached = await listCached({ cacheDir: dir });
      assert.deepEqual(cached.map((e) => e.url).sort(), [`${url}/config.json`, `${url}/onnx/model.onnx`]);
      const onnx = cached.find((e) => e.url.endsWith('.onnx'));
      assert.equal(onnx.size, statSync(join(ROOT, 'models/breast-cancer-mlp/onnx/model.onnx')).size);

      state.requests.length = 0;
      const second = await load(url, { cacheDir: dir });
      assert.deepEqual(state.requests, [], 'nothing fetched on the second load');
      assert.deepEqual((await second.classify(rowOf()))[0], expected);

      // a truncated file in the cache is noticed and fetched again, then cached whole
      const bytes = readFileSync(onnx.path);
      writeFileSync(onnx.path, bytes.subarray(0, bytes.byteLength - 100));
      const third = await load(url, { cacheDir: dir });
      assert.deepEqual(state.requests.map((r) => r.path), ['/models/breast-cancer-mlp/onnx/model.onnx']);
      assert.deepEqual((await third.classify(rowOf()))[0], expected);
      assert.equal(statSync(onnx.path).size, bytes.byteLength);
    });
    // the server is gone: the cache alone serves the load
    const m = await load(url, { cacheDir: dir });
    assert.ok((await m.classify(rowOf()))[0].label);
    assert.equal(await deleteCached(url, { cacheDir: dir }), 2);
    assert.deepEqual(await listCached({ cacheDir: dir }), []);
    await assert.rejects(load(url, { cacheDir: dir }), (e) => e.code === 'WISP_NETWORK' && e.message.includes(url));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('abort: an aborted signal makes no request; aborting mid-download stops it', async () => {
  await withServer(async (base, state) => {
    const url = `${base}/models/fashion-cnn`;
    await assert.rejects(load(url, { signal: AbortSignal.abort() }), { code: 'WISP_ABORTED' });
    assert.equal(state.requests.length, 0);

    state.stall = '/models/fashion-cnn/onnx/model.onnx';
    const ctl = new AbortController();
    const progress = (e) => {
      if (e.file === 'onnx/model.onnx' && e.status === 'progress') ctl.abort(new Error('user left'));
    };
    const t0 = Date.now();
    await assert.rejects(load(url, { signal: ctl.signal, progress }), (e) => {
      assert.equal(e.code, 'WISP_ABORTED');
      assert.match(e.message, /onnx\/model\.onnx aborted: user left/);
      return true;
    });
    assert.ok(Date.now() - t0 < 5000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(state.closed, true, 'the stalled download was closed');
  });
});

test('network errors name the URL and the HTTP status, with err.code', async () => {
  await withServer(async (base, state) => {
    state.fail = '/models/fashion-cnn/onnx/model.onnx';
    await assert.rejects(load(`${base}/models/fashion-cnn`), (e) => {
      assert.equal(e.code, 'WISP_NETWORK');
      assert.equal(e.status, 500);
      assert.equal(e.url, `${base}${state.fail}`);
      assert.match(e.message, new RegExp(`${base}${state.fail}.*HTTP 500`));
      return true;
    });
    // a sha256 from the server that the bytes do not match: refused, not cached
    state.fail = null;
    const dir = mkdtempSync(join(tmpdir(), 'wisp-cache-'));
    try {
      state.headers = { '/models/fashion-mlp/onnx/model.onnx': { 'X-Linked-Etag': `"${'ab'.repeat(32)}"` } };
      await assert.rejects(load(`${base}/models/fashion-mlp`, { cacheDir: dir }),
        { code: 'WISP_NETWORK', message: /model\.onnx failed: incomplete download: sha256 does not match/ });
      assert.ok(!(await listCached({ cacheDir: dir })).some((e) => e.url.endsWith('.onnx')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const down = `http://127.0.0.1:${server.address().port}/models/x`;
  await new Promise((r) => server.close(r));
  await assert.rejects(load(down), (e) => e.code === 'WISP_NETWORK' && e.message.includes(`${down}/config.json`));
});

test('C failures carry err.code: bad model, unsupported op, bad input', async () => {
  await assert.rejects(InferenceSession.create(new Uint8Array([8, 7, 0x12, 0xff, 1])), { code: 'WISP_BAD_MODEL' });
  const m = model({
    nodes: [node('NoSuchOpXyz', ['x'], ['y'])],
    inputs: [valueInfo('x', DT.float, [2])],
    outputs: [valueInfo('y', DT.float, [2])],
  });
  await assert.rejects(InferenceSession.create(m), { code: 'WISP_UNSUPPORTED_OP', message: /NoSuchOpXyz/ });
  const s = await InferenceSession.create(join(ROOT, 'tests/fixtures/seed_mlp.onnx'));
  await assert.rejects(s.run({ pixel_values: new Tensor('float32', new Float32Array(783), [1, 1, 27, 29]) }),
    { code: 'WISP_BAD_INPUT' });
  await assert.rejects(InferenceSession.create(join(ROOT, 'tests/fixtures/nothing.onnx')), { code: 'WISP_NOT_FOUND' });
});

test('worker: true runs the model off the calling thread, same answers, progress and errors forwarded', async () => {
  const texts = Array.from({ length: 32 }, (_, i) => `message number ${i}: WIN a FREE prize, or see you at ${i}`);
  const local = await load(join(ROOT, 'models/spam-bert'));
  const expected = await local.classify(texts);
  const events = [];
  const remote = await load(join(ROOT, 'models/spam-bert'), { worker: true, progress: (e) => events.push(e) });
  try {
    assert.equal(remote.kind, 'text');
    assert.deepEqual(remote.labels, local.labels);
    assert.ok(events.some((e) => e.file === 'onnx/model.onnx' && e.status === 'done'));
    assert.equal(events.at(-1).status, 'ready');
    // the calling thread stays free: a 5 ms timer keeps firing during the batch
    let last = performance.now(), worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    const got = await remote.classify(texts);
    clearInterval(timer);
    assert.deepEqual(got, expected);
    assert.ok(worst < 100, `longest gap between timer ticks ${worst.toFixed(1)} ms`);
    const [e1] = await remote.embed([texts[0]]);
    const [e2] = await local.embed([texts[0]]);
    assert.ok(e1 instanceof Float32Array);
    assert.deepEqual(Array.from(e1), Array.from(e2));
  } finally {
    await remote.release();
    await local.release();
  }
  await assert.rejects(remote.classify('x'), /released/);
  await assert.rejects(load(join(ROOT, 'models/no-such-model'), { worker: true }), { code: 'WISP_NOT_FOUND' });
  await assert.rejects(load(join(ROOT, 'models/spam-bert'), { worker: true, signal: AbortSignal.abort() }),
    { code: 'WISP_ABORTED' });
});

test('signal in classify / embed / predict: an abort stops a batch before its next slice', async () => {
  const texts = Array.from({ length: 40 }, (_, i) => `message ${i}: WIN a FREE prize, or see you at ${i}`);
  const m = await load(join(ROOT, 'models/spam-bert'));
  const s = m.session, run = s.run.bind(s);
  let runs = 0;
  s.run = (...a) => (runs++, run(...a)); // counts the batches the model runs
  try {
    const whole = await m.classify(texts);
    assert.equal(runs, 2, 'a 40-text batch runs as 32 + 8 by default');
    runs = 0;
    const sliced = await m.classify(texts, { batchSize: 8, signal: new AbortController().signal });
    assert.equal(runs, 5);
    sliced.forEach((r, i) => r.forEach((x, k) => {
      assert.equal(x.label, whole[i][k].label);
      assert.ok(Math.abs(x.score - whole[i][k].score) < 1e-5, `${i}: ${x.score} vs ${whole[i][k].score}`);
    }));

    for (const method of ['classify', 'embed']) {
      runs = 0;
      await assert.rejects(m[method](texts, { signal: AbortSignal.abort() }), { code: 'WISP_ABORTED' });
      assert.equal(runs, 0, `${method}: an aborted signal runs nothing`);
      // aborted while the first slice runs (the abort lands on the next macrotask): one slice, no more
      const ctl = new AbortController();
      const p = m[method](texts, { batchSize: 8, signal: ctl.signal });
      setImmediate(() => ctl.abort(new Error('user left')));
      await assert.rejects(p, { code: 'WISP_ABORTED', message: new RegExp(`${method} aborted: user left`) });
      assert.equal(runs, 1, `${method}: stopped after the first of 5 slices`);
    }
    await assert.rejects(m.classify(texts, { batchSize: 0 }), { code: 'WISP_BAD_INPUT', message: /batchSize/ });
  } finally {
    await m.release();
  }

  const gbt = await load(join(ROOT, 'models/breast-cancer-gbt'));
  const rows = Array.from({ length: 6 }, rowOf);
  const all = await gbt.classify(rows);
  assert.deepEqual(await gbt.classify(rows, { batchSize: 4 }), all);
  await assert.rejects(gbt.classify(rows, { signal: AbortSignal.abort() }), { code: 'WISP_ABORTED' });
  await gbt.release();
});

test('signal in worker mode: the call rejects at once and the worker stops before its next batch', async () => {
  const texts = Array.from({ length: 64 }, (_, i) => `message ${i}: WIN a FREE prize, or see you at ${i}`);
  const remote = await load(join(ROOT, 'models/spam-bert'), { worker: true });
  try {
    await assert.rejects(remote.classify(texts, { signal: AbortSignal.abort() }), { code: 'WISP_ABORTED' });
    await remote.classify(texts, { batchSize: 4 }); // warm: each batch shape planned once
    const t0 = performance.now();
    const full = await remote.classify(texts, { batchSize: 4 });
    const tFull = performance.now() - t0;
    assert.equal(full.length, 64);

    const ctl = new AbortController();
    const p = remote.classify(texts, { batchSize: 4, signal: ctl.signal });
    ctl.abort();
    const t1 = performance.now();
    await assert.rejects(p, { code: 'WISP_ABORTED', message: /classify aborted/ });
    // the worker is free again long before 16 batches could have run
    assert.equal((await remote.classify(texts[0]))[0].label, full[0][0].label);
    const tAfter = performance.now() - t1;
    assert.ok(tAfter < tFull / 2, `next call answered after ${tAfter.toFixed(0)} ms; the whole batch takes ${tFull.toFixed(0)} ms`);
  } finally {
    await remote.release();
  }
});

test('hub layout: the file listing decides what is read, no request for a file the repo lacks', async () => {
  const spam = (f) => readFileSync(join(ROOT, 'models/spam-bert', f));
  // a repo with its model at the root, a fp16 file listed, and a subfolder holding another copy
  const repo = {
    'config.json': spam('config.json'), 'tokenizer.json': spam('tokenizer.json'),
    'tokenizer_config.json': spam('tokenizer_config.json'), 'model.onnx': spam('onnx/model.onnx'),
    'onnx/model_fp16.onnx': null, 'sub/config.json': spam('config.json'), 'sub/tokenizer.json': spam('tokenizer.json'),
    'sub/onnx/model.onnx': spam('onnx/model.onnx'), 'README.md': Buffer.from('# test'),
  };
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = /^\/test\/spam\/resolve\/main\/(.+)$/.exec(path)?.[1];
    let body = file && repo[file];
    if (path === '/api/models/test/spam') {
      body = Buffer.from(JSON.stringify({ id: 'test/spam', siblings: Object.keys(repo).map((rfilename) => ({ rfilename })) }));
    }
    requests.push({ path, status: body ? 200 : 404 });
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': body.byteLength }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const host = `http://127.0.0.1:${server.address().port}`;
  const dir = mkdtempSync(join(tmpdir(), 'wisp-cache-'));
  const text = 'WIN a FREE prize now, click here';
  try {
    const local = await load(join(ROOT, 'models/spam-bert'));
    const expected = await local.classify(text);
    const files = (...names) => ['/api/models/test/spam', ...names.map((n) => `/test/spam/resolve/main/${n}`)].sort();

    const byId = await load('test/spam', { host, cacheDir: dir });
    assert.deepEqual(await byId.classify(text), expected);
    assert.deepEqual(requests.filter((r) => r.status !== 200), []);
    assert.deepEqual(requests.map((r) => r.path).sort(), files('config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.onnx'));

    // a hub URL of a subfolder: its own files only (it has no tokenizer_config.json: not asked for)
    requests.length = 0;
    const sub = await load(`${host}/test/spam/resolve/main/sub/`, { host });
    assert.equal((await sub.classify(text))[0].label, expected[0].label);
    assert.deepEqual(requests.map((r) => r.path).sort(), files('sub/config.json', 'sub/tokenizer.json', 'sub/onnx/model.onnx'));

    // a dtype the repo lacks: the listing says which it has, without a request for either file
    requests.length = 0;
    await assert.rejects(load('test/spam', { host, dtype: 'q8' }),
      { code: 'WISP_NOT_FOUND', message: /dtype 'q8'.*the folder has dtype 'fp32', 'fp16'/ });
    assert.deepEqual(requests.filter((r) => r.status !== 200), []);
    assert.ok(!requests.some((r) => r.path.endsWith('.onnx')), JSON.stringify(requests));

    // the same URL not known as a hub is read as a plain folder: probes, and a 404 (what the listing avoids)
    requests.length = 0;
    await load(`${host}/test/spam/resolve/main/`);
    assert.ok(requests.some((r) => r.status === 404), 'the plain-folder reading probes onnx/model.onnx');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  try {
    // offline: the listing came from the cache directory like the files
    const again = await load('test/spam', { host, cacheDir: dir });
    assert.equal((await again.classify(text))[0].label, 'spam');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validation errors carry err.code and keep their class and message', async () => {
  const { WispError, cosineSimilarity } = await import('../../web/index.js');
  const code = (Kind, c, message) => (e) => {
    assert.ok(e instanceof Kind, `${e.name}: ${e.message}`);
    assert.ok(e instanceof WispError, 'instanceof WispError holds for coded errors');
    assert.equal(e.code, c, e.message);
    if (message) assert.match(e.message, message);
    return true;
  };
  assert.throws(() => new Tensor('float32', ['a', 'b']), code(TypeError, 'WISP_BAD_INPUT', /element 0 is "a"/));
  assert.throws(() => new Tensor('float32', new Float32Array(3), [2, 2]), code(RangeError, 'WISP_BAD_INPUT'));
  assert.throws(() => new Tensor('complex64', []), code(TypeError, 'WISP_BAD_INPUT'));
  assert.throws(() => cosineSimilarity([1], [1, 2]), code(Error, 'WISP_BAD_INPUT'));
  const s = await InferenceSession.create(join(ROOT, 'tests/fixtures/seed_mlp.onnx'));
  const px = new Tensor('float32', new Float32Array(784), [1, 1, 28, 28]);
  await assert.rejects(s.run({ wrong: px }), code(Error, 'WISP_BAD_INPUT', /unknown input 'wrong'/));
  await assert.rejects(s.run(null), code(TypeError, 'WISP_BAD_INPUT'));
  await assert.rejects(s.run({ pixel_values: new Tensor('int32', new Int32Array(784), [1, 1, 28, 28]) }), code(Error, 'WISP_BAD_INPUT'));
  await assert.rejects(s.run({ pixel_values: px }, ['nope']), code(Error, 'WISP_BAD_INPUT', /unknown output/));
  await s.release();
  await assert.rejects(s.run({ pixel_values: px }), code(Error, 'WISP_RUNTIME', /released/));
  await assert.rejects(InferenceSession.create(42), code(TypeError, 'WISP_BAD_INPUT'));
  await assert.rejects(InferenceSession.create(join(ROOT, 'tests/fixtures/seed_mlp.onnx'), { memoryLimit: -1 }), code(RangeError, 'WISP_BAD_INPUT'));

  await assert.rejects(load(join(ROOT, 'models/fashion-mlp'), { dtype: 'fp8' }), code(Error, 'WISP_BAD_INPUT', /dtype/));
  await assert.rejects(load(join(ROOT, 'models/fashion-mlp'), { kind: 'audio' }), code(TypeError, 'WISP_BAD_INPUT', /kind/));
  await assert.rejects(load(42), code(TypeError, 'WISP_BAD_INPUT'));
  const image = await load(join(ROOT, 'models/fashion-mlp'));
  const px28 = { data: new Uint8Array(784), width: 28, height: 28 };
  await assert.rejects(image.classify({ data: new Uint8Array(10), width: 28, height: 28 }), code(RangeError, 'WISP_BAD_INPUT'));
  await assert.rejects(image.classify('not an image'), code(TypeError, 'WISP_BAD_INPUT'));
  await assert.rejects(image.classify({ data: new Uint8Array(784), width: 28, height: 28 }, { topk: 0 }), code(RangeError, 'WISP_BAD_INPUT'));
  await assert.rejects(image.embed({ data: new Uint8Array(784), width: 28, height: 28 }, { pooling: 'max' }), code(Error, 'WISP_BAD_INPUT'));
  const text = await load(join(ROOT, 'models/spam-bert'));
  await assert.rejects(text.classify(['ok', 12345]), code(TypeError, 'WISP_BAD_INPUT', /item 1/));
  // in a later slice of a long batch the index is still the caller's
  const many = Array.from({ length: 40 }, (_, i) => (i === 35 ? null : `text ${i}`));
  await assert.rejects(text.classify(many), code(TypeError, 'WISP_BAD_INPUT', /\(item 35\)$/));
  await assert.rejects(image.classify(Array.from({ length: 40 }, (_, i) => (i === 33 ? 'x' : px28))),
    code(TypeError, 'WISP_BAD_INPUT', /\(image 33 of the batch\)/));
  await text.release();
  await image.release();
  const gbt = await load(join(ROOT, 'models/breast-cancer-gbt'));
  await assert.rejects(gbt.classify({ ...rowOf(), 'mean radius': 'big' }), code(TypeError, 'WISP_BAD_INPUT', /mean radius/));
  await assert.rejects(gbt.classify({ ...rowOf(), nope: 1 }), code(Error, 'WISP_BAD_INPUT', /unknown feature 'nope'/));
  await assert.rejects(gbt.classify([1, 2, 3]), code(RangeError, 'WISP_BAD_INPUT'));
  await assert.rejects(gbt.predict(rowOf()), code(Error, 'WISP_BAD_INPUT', /predict/));
  await gbt.release();
});
