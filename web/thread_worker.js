// thread_worker.js — one helper thread of the threaded build (threads.js starts it): it
// instantiates web/wisp_mt.wasm again on the session's shared memory, with a stack of its own,
// and runs wisp_wasm_worker, which waits for tiles of the C parallel-for (src/threads.c) and
// never returns. Message in: {module, memory, id, stack, stackSize, relaxed}; out: {ready} | {error}.

import { isNode } from './io.js';
import { makeImports, installRelaxed } from './wasm.js';

const port = isNode ? (await import('node:worker_threads')).parentPort : globalThis;

async function start({ module, memory, id, stack, stackSize, relaxed }) {
  const { exports: x } = await WebAssembly.instantiate(module, makeImports(module, () => null, memory));
  // no constructors: the main thread ran them, and the memory is already initialised
  x.stackRestore(stack + stackSize);
  x.emscripten_stack_set_limits(stack + stackSize, stack);
  x.emscripten_tls_init();
  // the same table slots as the main instance's, so function pointers in memory agree
  if (relaxed) await installRelaxed(x.__indirect_function_table, relaxed, memory);
  port.postMessage({ ready: id });
  x.wisp_wasm_worker(id);
}

const onMessage = (msg) => start(msg).catch((e) => port.postMessage({ error: String(e?.stack ?? e) }));
if (isNode) port.once('message', onMessage);
else port.addEventListener('message', (e) => onMessage(e.data), { once: true });
