// wasm.js — instantiates web/wisp.wasm once, in Node 20 and in browsers, with no Emscripten glue.
//
// The .wasm is a standalone "reactor": it exports its memory and the wisp_wasm_* shim
// (src/wasm/exports.c) and imports only a few WASI/env functions, which are stubbed here.
// getWasm() resolves to a Wasm object with the raw exports plus heap helpers.

import { readBytes } from './io.js';

// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt): validates only where SIMD128 is
// final (the same probe wasm-feature-detect uses).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
  15, 253, 98, 11,
]);

export class Wasm {
  constructor(instance) {
    this.exports = instance.exports;
    this.memory = instance.exports.memory;
    this._buffer = null;
    this._views = new Map();
    this.dead = null; // set to the Error when the instance trapped: its heap can't be trusted
  }

  // A typed-array view of the whole heap. Memory growth detaches the old ArrayBuffer, so views
  // are re-made whenever the buffer changed.
  view(Type) {
    const buf = this.memory.buffer;
    if (buf !== this._buffer) {
      this._buffer = buf;
      this._views.clear();
    }
    let v = this._views.get(Type);
    if (!v) this._views.set(Type, (v = new Type(buf)));
    return v;
  }

  // Grows linear memory to at least `total` bytes in one step. Loading a model otherwise grows it
  // in many small steps as malloc asks, each of which V8 makes expensive for a large heap.
  reserve(total) {
    const have = this.memory.buffer.byteLength, page = 65536;
    if (have < total) this.memory.grow(Math.ceil((total - have) / page));
  }

  alloc(bytes) {
    const p = this.exports.wisp_malloc(bytes);
    if (!p) throw new Error(`wisp: out of WebAssembly memory allocating ${bytes} bytes`);
    return p;
  }

  free(p) {
    if (p) this.exports.wisp_free(p);
  }

  // Copies a byte array into a new heap block (freed by the caller, or owned by C).
  allocBytes(bytes) {
    const p = this.alloc(bytes.byteLength);
    this.view(Uint8Array).set(bytes, p);
    return p;
  }

  allocString(s) {
    return this.allocBytes(new TextEncoder().encode(s + '\0'));
  }

  readString(p) {
    if (!p) return null;
    const heap = this.view(Uint8Array);
    let end = p;
    while (heap[end]) end++;
    return new TextDecoder().decode(heap.subarray(p, end));
  }

  lastError() {
    return this.readString(this.exports.wisp_wasm_last_error()) || 'unknown error';
  }

  kernelConfig() {
    return this.readString(this.exports.wisp_wasm_kernel_config());
  }
}

function checkSimd() {
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(SIMD_PROBE)) {
    throw new Error(
      'wisp needs WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+, Node 16.4+)',
    );
  }
}

// Stubs for whatever the module imports. Nothing here should run in normal operation: the core
// does no I/O. fd_write keeps the text (an assert message) so the abort that follows can report it.
function makeImports(module, getWasm) {
  let stderr = '';
  const decoder = new TextDecoder();
  const aborted = (what) => {
    const msg = `wisp.wasm aborted (${what})${stderr ? ': ' + stderr.trim() : ''}`;
    stderr = '';
    throw new Error(msg);
  };
  const impl = {
    emscripten_notify_memory_growth() {},
    emscripten_memcpy_big(dst, src, n) {
      getWasm().view(Uint8Array).copyWithin(dst, src, src + n);
    },
    fd_write(fd, iov, iovcnt, pnum) {
      const w = getWasm();
      const u32 = w.view(Uint32Array);
      let n = 0;
      for (let i = 0; i < iovcnt; i++) {
        const p = u32[(iov >> 2) + 2 * i], len = u32[(iov >> 2) + 2 * i + 1];
        stderr = (stderr + decoder.decode(w.view(Uint8Array).slice(p, p + len))).slice(-4096);
        n += len;
      }
      u32[pnum >> 2] = n;
      return 0;
    },
    proc_exit: (code) => aborted(`exit ${code}`),
    abort: () => aborted('abort'),
    emscripten_date_now: () => Date.now(),
  };
  const imports = {};
  for (const { module: mod, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind !== 'function') throw new Error(`wisp.wasm imports a ${kind} ${mod}.${name}`);
    imports[mod] ??= {};
    imports[mod][name] = impl[name] ?? (() => aborted(`unsupported import ${mod}.${name}`));
  }
  return imports;
}

// options (from the first caller): signal, tracker and cache, as for io.js readBytes.
async function instantiate(url, options) {
  checkSimd();
  const bytes = await readBytes(url, { ...options, file: 'wisp.wasm' });
  const module = await WebAssembly.compile(bytes);
  let wasm = null;
  const instance = await WebAssembly.instantiate(module, makeImports(module, () => wasm));
  wasm = new Wasm(instance);
  // Standalone reactors run their static constructors from _initialize.
  instance.exports._initialize?.();
  return wasm;
}

let pending = null; // promise of the shared instance
let current = null; // the instance once resolved

// Resolves to the shared Wasm instance, instantiated on the first call. A failed instantiation
// is forgotten so the next call tries again.
export function getWasm(options = {}) {
  if (!pending) {
    pending = instantiate(new URL('./wisp.wasm', import.meta.url), options).then((w) => (current = w));
    pending.catch(() => (pending = null));
  }
  return pending;
}

// Marks an instance that trapped as unusable (its heap may be inconsistent) and forgets it, so
// sessions created afterwards get a fresh instance.
export function discard(wasm, err) {
  wasm.dead = err;
  if (current === wasm) current = pending = null;
}
