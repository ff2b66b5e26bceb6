// remote.js — load(src, {worker: true}): the model runs in a dedicated Worker (worker_threads in
// Node), so inference never blocks the calling thread. The returned object has the Model's
// classify / embed / predict / release and its kind, config, labels and info. Inputs are copied
// (structured clone: transferring would detach the caller's arrays); outputs are transferred.
// Images must be cloneable there: {data, width, height, channels}, ImageData or ImageBitmap.

import { isNode } from './io.js';
import { WispError, throwIfAborted } from './errors.js';

class RemoteModel {
  #call; #terminate;

  constructor(info, call, terminate) {
    Object.assign(this, info);
    this.#call = call;
    this.#terminate = terminate;
  }

  classify(input, options) { return this.#call('call', { method: 'classify', args: [input, options] }); }

  embed(input, options) { return this.#call('call', { method: 'embed', args: [input, options] }); }

  predict(input) { return this.#call('call', { method: 'predict', args: [input] }); }

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
  const { progress, signal, worker: _, ...rest } = options;
  throwIfAborted(signal, 'wisp.load');
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
  const call = (op, msg, extra = {}) => new Promise((resolve, reject) => {
    if (dead) return reject(dead);
    const id = nextId++;
    pending.set(id, { resolve, reject, ...extra });
    worker.postMessage({ id, op, ...msg });
  });

  const id = nextId; // the load's id, for its abort
  const onAbort = () => worker.postMessage({ op: 'abort', target: id });
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const info = await call('load', { source, options: { ...rest, progress: !!progress } }, { progress });
    return new RemoteModel(info, call, terminate);
  } catch (e) {
    await terminate();
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
