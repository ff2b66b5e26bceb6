// remote.js — load(src, {worker: true}): the model runs in a dedicated Worker (worker_threads in
// Node), so inference never blocks the calling thread. The returned object has the Model's
// classify / embed / predict / release and its kind, config, labels and info. Inputs are copied
// (structured clone: transferring would detach the caller's arrays); outputs are transferred.
// Images must be cloneable there: {data, width, height, channels}, ImageData or ImageBitmap.
// The worker makes its WebAssembly instance with this thread's env (wasmPaths resolved here).

import { isNode } from './io.js';
import { WispError, abortError, throwIfAborted } from './errors.js';
import { envForWorker } from './env.js';
import { wasmUrls } from './wasm.js';

class RemoteModel {
  #call; #terminate;

  constructor(info, call, terminate) {
    Object.assign(this, info);
    this.#call = call;
    this.#terminate = terminate;
  }

  // options.signal stays here (it cannot be cloned): its abort is sent on, and the worker stops
  // before its next batch.
  #invoke(method, input, { signal, ...options } = {}) {
    return this.#call('call', { method, args: [input, options] }, { signal });
  }

  classify(input, options) { return this.#invoke('classify', input, options); }

  embed(input, options) { return this.#invoke('embed', input, options); }

  predict(input, options) { return this.#invoke('predict', input, options); }

  async release() {
    try {
      await this.#call('release', {});
    } finally {
      await this.#terminate();
    }
  }
}

const toError = (e) => Object.assign(e.code ? new WispError(e.code, e.message, e) : new Error(e.message), e.name && !e.code ? { name: e.name } : {});

// source: an absolute URL (load.js resolves it on the calling side, where relative paths mean
// what the caller meant).
export async function loadInWorker(source, options = {}) {
  const { progress, signal, ...rest } = options; // rest.worker is overridden in worker.js
  throwIfAborted(signal, 'wisp.load');
  const { core, relaxed } = await wasmUrls();
  const env = envForWorker({ wasm: core.href, relaxed: relaxed.href });
  const url = new URL('./worker.js', import.meta.url);
  const worker = isNode
    ? new (await import('node:worker_threads')).Worker(url)
    : new Worker(url, { type: 'module' });
  const pending = new Map();
  let nextId = 1, dead = null;
  const onMessage = ({ id, progress: p, result, error }) => {
    const call = pending.get(id);
    if (!call) return;
    if (p) return call.progress?.(p);
    pending.delete(id);
    if (error) call.reject(toError(error));
    else call.resolve(result);
  };
  const onError = (e) => {
    dead = new WispError('WISP_RUNTIME', `wisp: the model's worker failed: ${e?.message ?? e}`, { cause: e });
    for (const c of pending.values()) c.reject(dead);
    pending.clear();
  };
  if (isNode) {
    worker.on('message', onMessage).on('error', onError);
  } else {
    worker.onmessage = (ev) => onMessage(ev.data);
    worker.onerror = onError;
  }
  const terminate = async () => {
    dead ??= new WispError('WISP_RUNTIME', 'wisp: the model was released');
    await worker.terminate();
  };
  // An abort rejects the call at once and tells the worker, which stops its downloads or, for
  // classify / embed / predict, stops before its next batch.
  const call = (op, msg, { signal, ...extra } = {}) => new Promise((resolve, reject) => {
    if (dead) return reject(dead);
    const what = msg.method ?? op;
    if (signal?.aborted) return reject(abortError(signal, what));
    const id = nextId++;
    const onAbort = () => {
      pending.delete(id);
      worker.postMessage({ op: 'abort', target: id });
      reject(abortError(signal, what));
    };
    const settle = (fn) => (v) => (signal?.removeEventListener('abort', onAbort), fn(v));
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.set(id, { resolve: settle(resolve), reject: settle(reject), ...extra });
    worker.postMessage({ id, op, ...msg });
  });

  try {
    const info = await call('load', { source, env, options: { ...rest, progress: !!progress } }, { progress, signal });
    return new RemoteModel(info, call, terminate);
  } catch (e) {
    await terminate();
    throw e;
  }
}
