// threads.js — the helper threads of a threaded instance (web/wisp_mt.wasm): worker_threads in
// Node, module Web Workers in browsers, each running thread_worker.js on the instance's shared
// memory. The C side hands them tiles (src/threads.c); the calling thread works too, and spins
// (never block-waits) for the last tiles, so a browser page may run sessions on its main thread.
//
// Threads start when a session first asks for them and live as long as the instance: they are
// unref'd in Node so they never keep a process alive.

import { isNode } from './io.js';
import { badInput } from './errors.js';

const STACK = 512 * 1024; // bytes per helper: the kernels use little

const os = isNode ? await import('node:os') : null;

export function hardwareThreads() {
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return globalThis.navigator?.hardwareConcurrency ?? 1;
}

// Where a shared memory works: Node, or a cross-origin-isolated page (COOP + COEP) with Workers.
export function threadsAvailable() {
  if (typeof SharedArrayBuffer !== 'function') return false;
  return isNode || (globalThis.crossOriginIsolated === true && typeof Worker === 'function');
}

// The thread count a session gets: its numThreads option, else env.wasm.numThreads when set
// (> 0), else every core up to 8 where threads work; 1 where they don't (never an error).
export function threadCount(asked, envThreads) {
  const n = asked ?? (envThreads > 0 ? envThreads : Math.min(hardwareThreads(), 8));
  if (!Number.isInteger(n) || n < 1) throw badInput(`wisp: numThreads must be an integer >= 1, got ${asked}`, RangeError);
  return threadsAvailable() ? Math.min(n, 16) : 1;
}

export class Pool {
  constructor(wasm, module, relaxed) {
    this.wasm = wasm;
    this.module = module;
    this.relaxed = relaxed; // the relaxed kernels' module, or null
    this.workers = [];
    this.ready = 0; // helpers 1 … ready run their loop
    this.failed = false; // a helper failed to start: no more are tried
    this.starting = null;
  }

  // Starts helpers until n - 1 run (or one fails: the instance then runs with those it has).
  async ensure(n) {
    while (this.starting) await this.starting;
    if (this.failed || this.workers.length >= n - 1) return;
    this.starting = this.#grow(n - 1).finally(() => (this.starting = null));
    return this.starting;
  }

  async #grow(count) {
    const started = [];
    for (let id = this.workers.length + 1; id <= count; id++) {
      const stack = this.wasm.alloc(STACK);
      const w = isNode
        ? new (await import('node:worker_threads')).Worker(new URL('./thread_worker.js', import.meta.url))
        : new Worker(new URL('./thread_worker.js', import.meta.url), { type: 'module' });
      this.workers.push(w);
      started.push(new Promise((resolve, reject) => {
        const onMessage = (m) => {
          const data = isNode ? m : m.data;
          if (data.ready) {
            if (isNode) w.unref(); // only once started: a start awaited must keep Node alive
            resolve();
          }
          else reject(new Error(data.error));
        };
        if (isNode) {
          w.once('message', onMessage).once('error', reject);
        } else {
          w.addEventListener('message', onMessage, { once: true });
          w.addEventListener('error', reject, { once: true });
        }
      }));
      w.postMessage({ module: this.module, memory: this.wasm.memory, id, stack, stackSize: STACK, relaxed: this.relaxed });
    }
    const results = await Promise.allSettled(started);
    for (const r of results) {
      if (r.status === 'rejected') this.failed = true;
      else if (!this.failed) this.ready++;
    }
  }

  terminate() {
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.ready = 0;
    this.failed = true;
  }
}
