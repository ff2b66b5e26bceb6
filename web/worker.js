// worker.js — the inside of load(src, {worker: true}): a dedicated Worker (worker_threads in Node)
// that loads one model and answers its calls. remote.js is the other side.
//
// Messages in: {id, op: 'load', source, env, options} | {id, op: 'call', method, args} |
// {op: 'abort', target}. Out: {id, progress} | {id, result} | {id, error}.

import { isNode } from './io.js';
import { load } from './load.js';
import { coded } from './errors.js';
import { env as ownEnv } from './env.js';

const port = isNode ? (await import('node:worker_threads')).parentPort : globalThis;
const aborts = new Map(); // id of a running call -> its AbortController
let model = null;

const METHODS = new Set(['classify', 'embed', 'predict']);

// Typed arrays in a result are moved to the caller, not copied.
function transferables(v, out = []) {
  if (ArrayBuffer.isView(v)) out.push(v.buffer);
  else if (Array.isArray(v)) v.forEach((x) => transferables(x, out));
  return [...new Set(out)];
}

async function handle({ id, op, source, env, options, method, args, target }) {
  if (op === 'abort') return aborts.get(target)?.abort(new Error('aborted by the caller'));
  const ctl = new AbortController();
  aborts.set(id, ctl);
  try {
    let result;
    if (op === 'load') {
      Object.assign(ownEnv.wasm, env.wasm); // the caller's, before this worker's first session
      ownEnv.logLevel = env.logLevel;
      const progress = options.progress ? (p) => port.postMessage({ id, progress: p }) : undefined;
      model = await load(source, { ...options, worker: false, signal: ctl.signal, progress });
      result = { kind: model.kind, config: model.config, labels: model.labels, info: model.info };
    } else if (op === 'call' && model && METHODS.has(method)) {
      result = await model[method](args[0], { ...args[1], signal: ctl.signal });
    } else if (op === 'release') {
      await model?.release();
      model = null;
    } else {
      throw coded('WISP_RUNTIME', `wisp worker: unknown call ${op} ${method ?? ''}`);
    }
    port.postMessage({ id, result }, transferables(result));
  } catch (e) {
    const error = { name: e?.name, message: e?.message ?? String(e), code: e?.code, url: e?.url, status: e?.status };
    port.postMessage({ id, error });
  } finally {
    aborts.delete(id);
  }
}

if (isNode) port.on('message', handle);
else port.onmessage = (ev) => handle(ev.data);
