// wasm.js — instantiates web/wisp.wasm once, in Node 20 and in browsers, with no Emscripten glue.
//
// The .wasm is a standalone "reactor": it exports its memory and the wisp_wasm_* shim
// (src/wasm/exports.c) and imports only a few WASI/env functions, which are stubbed here.
// getWasm() resolves to a Wasm object with the raw exports plus heap helpers.

import { isNode, readBytes, toUrl } from './io.js';
import { coded, badInput } from './errors.js';
import { env, warn } from './env.js';
import { Pool, threadsAvailable, threadCount } from './threads.js';

// (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt): validates only where SIMD128 is
// final (the same probe wasm-feature-detect uses).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253,
  15, 253, 98, 11,
]);

// (func (result v128) f32x4.relaxed_madd, then i32x4.relaxed_dot_i8x16_i7x16_add_s, of zeros):
// validates where relaxed SIMD has its standard opcodes (Chromium 114+, Node 22+).
const RELAXED_PROBE = (() => {
  const zeros = [0xfd, 0x0c, ...new Array(16).fill(0)];
  const body = [0, ...zeros, ...zeros, ...zeros, 0xfd, 0x85, 0x02, ...zeros, ...zeros, 0xfd, 0x93,
    0x02, 0x0b];
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10,
    body.length + 2, 1, body.length, ...body]);
})();

export function relaxedSimdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}

// Exports that return a pointer. wasm32 addresses are unsigned but JS sees an i32 result as
// signed: past 2 GiB of heap a pointer would read as negative and index nothing. These are
// wrapped to return `>>> 0`, and every heap index below is computed unsigned (>>> 2, >>> 3).
const POINTER_EXPORTS = [
  'wisp_malloc', 'wisp_wasm_last_error', 'wisp_wasm_kernel_config', 'wisp_wasm_session_create',
  'wisp_wasm_input_name', 'wisp_wasm_output_name', 'wisp_wasm_input_dim_name',
  'wisp_wasm_output_data', 'wisp_wasm_output_map_key', 'wisp_wasm_external_files', 'wisp_wasm_call_new',
  'wisp_wasm_extra_wanted',
];

export const FOUR_GB = 4 * 1024 ** 3;

export class Wasm {
  constructor(instance, memory) {
    const raw = instance.exports;
    this.raw = raw; // unwrapped: what the extra ops module imports
    this.exports = { ...raw };
    for (const name of POINTER_EXPORTS) {
      const fn = raw[name];
      if (fn) this.exports[name] = (...args) => fn(...args) >>> 0;
    }
    this.memory = memory ?? raw.memory;
    this.pool = null; // the helper threads of a threaded instance (threads.js)
    this._buffer = null;
    this._views = new Map();
    this.dead = null; // set to the Error when the instance trapped: its heap can't be trusted
    this.extraUrl = null; // web/wisp_extra.wasm (or _mt), next to the core
    this.extra = null; // the promise of loading it (loadExtra)
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
  // Never past the memory budget (setMemoryBudget).
  reserve(total) {
    const have = this.memory.buffer.byteLength, page = 65536;
    const want = Math.min(total, this.memoryBudget, FOUR_GB - page);
    if (have < want) this.memory.grow(Math.ceil((want - have) / page));
  }

  // The most the heap may grow to, in bytes (src/wasm/exports.c): allocations that would grow it
  // further fail with an Error instead. Linear memory never shrinks and all sessions share it.
  get memoryBudget() {
    return this.exports.wisp_wasm_memory_budget();
  }

  setMemoryBudget(bytes) {
    if (typeof bytes !== 'number' || !(bytes > 0)) {
      throw badInput(`wisp: memoryLimit must be a number of bytes > 0, got ${bytes}`, RangeError);
    }
    this.exports.wisp_wasm_set_memory_budget(Math.min(bytes, FOUR_GB));
  }

  // Says that an out-of-memory failure was the budget's doing, and how to raise it.
  explainMemory(message) {
    if (!/out of (WebAssembly )?memory/i.test(message)) return message;
    const mb = (n) => `${Math.round(n / 1024 ** 2)} MB`;
    const budget = this.memoryBudget;
    if (budget >= FOUR_GB) return message;
    return `${message} (the WebAssembly heap is ${mb(this.memory.buffer.byteLength)} and may not grow past ` +
      `its memory budget of ${mb(budget)}; raise it with the memoryLimit option, in bytes, of ` +
      'InferenceSession.create or load)';
  }

  alloc(bytes) {
    const p = this.exports.wisp_malloc(bytes);
    if (!p) throw coded('WISP_NO_MEMORY', this.explainMemory(`wisp: out of WebAssembly memory allocating ${bytes} bytes`));
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
    p >>>= 0;
    if (!p) return null;
    const heap = this.view(Uint8Array);
    let end = p;
    while (heap[end]) end++;
    return new TextDecoder().decode(heap.slice(p, end)); // a copy: decode refuses shared memory
  }

  // A copy of n heap bytes at p, in an ArrayBuffer of its own (never the shared memory's).
  copyOut(p, n) {
    return this.view(Uint8Array).slice(p, p + n).buffer;
  }

  // How many threads this instance can run: helper threads that started, plus the caller.
  get maxThreads() {
    return this.pool ? this.pool.ready + 1 : 1;
  }

  lastError() {
    return this.explainMemory(this.readString(this.exports.wisp_wasm_last_error()) || 'unknown error');
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
export function makeImports(module, getWasm, memory) {
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
      [dst, src, n] = [dst >>> 0, src >>> 0, n >>> 0];
      getWasm().view(Uint8Array).copyWithin(dst, src, src + n);
    },
    fd_write(fd, iov, iovcnt, pnum) {
      [iov, pnum] = [iov >>> 0, pnum >>> 0];
      const w = getWasm();
      const u32 = w.view(Uint32Array);
      let n = 0;
      for (let i = 0; i < iovcnt; i++) {
        const p = u32[(iov >>> 2) + 2 * i], len = u32[(iov >>> 2) + 2 * i + 1];
        stderr = (stderr + decoder.decode(w.view(Uint8Array).slice(p, p + len))).slice(-4096);
        n += len;
      }
      u32[pnum >>> 2] = n;
      return 0;
    },
    proc_exit: (code) => aborted(`exit ${code}`),
    abort: () => aborted('abort'),
    emscripten_date_now: () => Date.now(),
    emscripten_get_now: () => performance.now(),
    // the threaded build's main thread (its constructors): it may not block-wait, as in a page
    __emscripten_init_main_thread_js: (tb) => getWasm().exports._emscripten_thread_init(tb, 1, 1, 0, 0),
  };
  const imports = {};
  for (const { module: mod, name, kind } of WebAssembly.Module.imports(module)) {
    if (kind === 'memory' && memory) {
      (imports[mod] ??= {})[name] = memory;
      continue;
    }
    if (kind !== 'function') throw coded('WISP_RUNTIME', `wisp.wasm imports a ${kind} ${mod}.${name}`);
    imports[mod] ??= {};
    imports[mod][name] = impl[name] ?? (() => aborted(`unsupported import ${mod}.${name}`));
  }
  return imports;
}

// options: signal, tracker and cache, as for io.js readBytes.
async function compile(url, options = {}) {
  const bytes = await readBytes(url, { ...options, file: url.pathname.slice(url.pathname.lastIndexOf('/') + 1) });
  return WebAssembly.compile(bytes);
}

// wisp_wasm_use_relaxed's order after its f32 GEMM tiles and row count, which useRelaxed picks
const RELAXED_NAMES = ['f32_gemm_4x8', 'f32_gemm_6x8', 'f32_gemm_1x8', 'f32_gemm_rowbias_4x8', 'qs8_gemm_6x8c4',
  'f32_dwconv_rows', 'f32_vexp', 'f32_verf', 'f32_vgelu', 'f32_vsigmoid', 'f32_vsilu',
  'f32_wino43_input4', 'f32_wino43_output4'];

// Rows of the relaxed f32 GEMM tile: 6 where V8 keeps the 6×8 tile's 12 accumulators in
// registers, which makes it about 15% faster than the 4×8 (measured: V8 13.6 in Node 24 and
// Chromium 156 do; V8 12.4 in Node 22 spills them and runs it slower); 4 on V8 before 13 and on
// other engines. Both give the same results bit for bit, except a GEMM's last row where one of
// them leaves it alone to the 1-row tile, which sums in another order.
export function relaxedGemmRows() {
  const v8 = globalThis.process?.versions?.v8;
  if (v8) return parseInt(v8, 10) >= 13 ? 6 : 4;
  const chromium = /Chrom(?:e|ium)\/(\d+)/.exec(globalThis.navigator?.userAgent ?? '');
  return chromium && +chromium[1] >= 130 ? 6 : 4; // Chromium 130 has V8 13.0
}

// Appends the relaxed kernels to a function table; returns their slots, and whether this engine's
// relaxed dot product is exact on uint8 × int8 (the int8 GEMM's condition, qs8_gemm.h). A
// threaded instance's helpers do the same with their own tables, so the slots agree.
export async function installRelaxed(table, module, memory) {
  const { exports: k } = await WebAssembly.instantiate(module, { env: { memory } });
  const first = table.grow(RELAXED_NAMES.length);
  RELAXED_NAMES.forEach((n, i) => table.set(first + i, k[`${n}__wasmrelaxed`]));
  return { slots: RELAXED_NAMES.map((_, i) => first + i), int8: k.wisp_relaxed_usdot_exact(-128, 127, 255) === 1 };
}

// The relaxed-SIMD kernels (web/wisp_relaxed.wasm) share the core's memory; their exports go
// into the core's function table, and the core's kernel configuration points at them.
// Its int8 GEMM only where the relaxed dot is exact on uint8 (x86 VNNI in Chromium; not V8's
// saturating lowering in Node 22, nor a signed one on ARM). Returns the compiled module (helper
// threads instantiate it too).
async function useRelaxed(wasm, url, options) {
  const module = await compile(url, options);
  const { slots, int8 } = await installRelaxed(wasm.exports.__indirect_function_table, module, wasm.memory);
  const [gemm4x8, gemm6x8, ...rest] = slots;
  if (!int8) rest[2] = 0; // NULL: keep the int16-pair kernel
  const rows = relaxedGemmRows();
  // with the 6-row tile, the 4-row one takes the 2-4 rows past its tiles (gemm.h); 0 is NULL
  if (rows === 6) wasm.exports.wisp_wasm_use_relaxed(gemm6x8, 6, gemm4x8, ...rest);
  else wasm.exports.wisp_wasm_use_relaxed(gemm4x8, 4, 0, ...rest);
  return module;
}

// dylink.0's memory info (Emscripten side modules): the bytes of data (and zeroed data) it needs,
// their alignment, and its function count.
function dylinkInfo(module, file) {
  const [section] = WebAssembly.Module.customSections(module, 'dylink.0');
  const b = new Uint8Array(section ?? new ArrayBuffer(0));
  let at = 0;
  const leb = () => {
    let v = 0, shift = 0, byte;
    do {
      byte = b[at++];
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return v;
  };
  while (at < b.length) {
    const type = b[at++], end = leb() + at;
    if (type === 1) return { memorySize: leb(), memoryAlign: 2 ** leb(), tableSize: leb() };
    at = end;
  }
  throw coded('WISP_RUNTIME', `wisp: ${file} is not wisp's extra ops module`);
}

const EXTRA_STACK = 256 * 1024; // its own stack: the core does not export its stack pointer

// The extra ops module (src/wasm/extra.c, an Emscripten side module) joins the core: its data
// in a zeroed block of the core's heap, its functions at the end of the core's table, the core's
// functions as its imports; then it hands its ops to the core's table. The block and the slots
// are the instance's for good. Helper threads never run its code (src/wasm/extra.c says why).
async function attachExtra(wasm, options) {
  const url = wasm.extraUrl, file = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  const module = await compile(url, options);
  const { memorySize, memoryAlign, tableSize } = dylinkInfo(module, file);
  const bytes = memorySize + memoryAlign + EXTRA_STACK + 16;
  const block = wasm.alloc(bytes);
  wasm.view(Uint8Array).fill(0, block, block + bytes);
  const memoryBase = Math.ceil(block / memoryAlign) * memoryAlign;
  const stackTop = Math.floor((block + bytes) / 16) * 16;
  const table = wasm.raw.__indirect_function_table;
  const global = (value, mutable = false) => new WebAssembly.Global({ value: 'i32', mutable }, value);
  const env = {
    memory: wasm.memory, __indirect_function_table: table, __memory_base: global(memoryBase),
    __table_base: global(table.grow(tableSize)), __stack_pointer: global(stackTop, true),
  };
  for (const { module: mod, name, kind } of WebAssembly.Module.imports(module)) {
    if (mod !== 'env' || !(name in env || (kind === 'function' && wasm.raw[name]))) {
      throw coded('WISP_RUNTIME', `wisp: ${file} imports ${mod}.${name}, which the core does not export (the two files are from different builds)`);
    }
    env[name] ??= wasm.raw[name];
  }
  const { exports: k } = await WebAssembly.instantiate(module, { env });
  k.__wasm_call_ctors?.();
  if (k.wisp_extra_attach()) throw coded('WISP_RUNTIME', wasm.lastError());
}

// Loads the extra ops module once per instance, for a model whose op `op` is in it (session.js).
// A failure is not kept: the next model that needs it tries again.
export function loadExtra(wasm, op, options) {
  wasm.extra ??= attachExtra(wasm, options).catch((e) => {
    wasm.extra = null;
    throw e;
  });
  return wasm.extra.catch((e) => {
    throw coded(e.code ?? 'WISP_RUNTIME', `wisp: this model's ${op} op is in ${wasm.extraUrl.href}, which could not be loaded: ${e.message}`);
  });
}

// kernels: 'auto' (relaxed SIMD where the engine validates it), 'relaxed' or 'baseline'.
// options (from the first caller): as for compile.
// threaded: url is web/wisp_mt.wasm, instantiated on a shared memory of ours, with a Pool.
export async function instantiate(url, kernels = 'auto', options = {}, relaxedUrl = new URL('./wisp_relaxed.wasm', url),
  threaded = false) {
  checkSimd();
  const module = await compile(url, options);
  if (!WebAssembly.Module.exports(module).some((e) => e.name === 'wisp_wasm_session_create')) {
    throw coded('WISP_RUNTIME', `wisp: ${url} is not wisp's WebAssembly module (env.wasm.wasmPaths must ` +
      "point at wisp's wisp.wasm, not onnxruntime-web's files)");
  }
  let wasm = null;
  // 16 MiB to start (the build's INITIAL_MEMORY), up to wasm32's 4 GiB as the one-thread build
  const memory = threaded ? new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true }) : undefined;
  const instance = await WebAssembly.instantiate(module, makeImports(module, () => wasm, memory));
  wasm = new Wasm(instance, memory);
  wasm.extraUrl = threaded ? new URL('./wisp_extra_mt.wasm', url) : new URL('./wisp_extra.wasm', url);
  // Standalone reactors run their static constructors from _initialize (the threaded build,
  // not standalone, from __wasm_call_ctors).
  (instance.exports._initialize ?? instance.exports.__wasm_call_ctors)?.();
  instance.exports.emscripten_tls_init?.(); // the threaded build: this thread's TLS block
  const relaxedWanted = kernels === 'relaxed' || (kernels === 'auto' && relaxedSimdSupported());
  let relaxed = null;
  if (relaxedWanted) {
    relaxed = await useRelaxed(wasm, relaxedUrl, options);
  }
  if (threaded) {
    wasm.pool = new Pool(wasm, module, relaxed);
    // a page's main thread may not block-wait (memory.atomic.wait32 traps there): it spins
    wasm.exports.wisp_wasm_caller_blocks(isNode || typeof window === 'undefined' ? 1 : 0);
  }
  return wasm;
}

// Where wisp.wasm and wisp_relaxed.wasm are (threaded: wisp_mt.wasm and wisp_relaxed_mt.wasm;
// wisp_extra.wasm and wisp_extra_mt.wasm, loaded for the models that need them, are next to it):
// next to this module, or where paths (env.wasm.wasmPaths) says, as onnxruntime-web reads it: a
// string or URL prefix the file names are appended to ('https://cdn.example.org/wisp/';
// relative: to the page, or in Node the working directory), or {wasm, relaxed}: the files' own
// URLs (relaxed defaults to next to wasm; the threaded build's files are next to wasm).
export async function wasmUrls(paths = env.wasm.wasmPaths, threaded = false) {
  const names = threaded ? ['wisp_mt.wasm', 'wisp_relaxed_mt.wasm'] : ['wisp.wasm', 'wisp_relaxed.wasm'];
  if (paths === undefined || paths === null || paths === '') {
    return threaded
      ? { core: new URL('./wisp_mt.wasm', import.meta.url), relaxed: new URL('./wisp_relaxed_mt.wasm', import.meta.url) }
      : { core: new URL('./wisp.wasm', import.meta.url), relaxed: new URL('./wisp_relaxed.wasm', import.meta.url) };
  }
  if (typeof paths === 'string' || paths instanceof URL) {
    const prefix = paths instanceof URL ? paths.href : paths;
    return { core: await toUrl(`${prefix}${names[0]}`), relaxed: await toUrl(`${prefix}${names[1]}`) };
  }
  if (typeof paths === 'object' && (paths.wasm || paths.relaxed)) {
    const core = paths.wasm ? await toUrl(paths.wasm) : new URL('./wisp.wasm', import.meta.url);
    if (threaded) return { core: new URL(names[0], core), relaxed: new URL(names[1], core) };
    return { core, relaxed: paths.relaxed ? await toUrl(paths.relaxed) : new URL('./wisp_relaxed.wasm', core) };
  }
  throw badInput('wisp: env.wasm.wasmPaths must be a prefix (string or URL) or {wasm, relaxed} URLs of wisp\'s ' +
    `.wasm files, got ${JSON.stringify(paths)}`, TypeError);
}

// The fields of env that wisp cannot act on, said once when they ask for what it does not do.
function warnIgnored() {
  if (env.wasm.proxy) warn('wisp: env.wasm.proxy is ignored: wisp runs where it is called; load(src, {worker: true}) runs a model in a Worker');
  if (env.wasm.simd === false) warn('wisp: env.wasm.simd = false is ignored: wisp needs WebAssembly SIMD128');
}

// The default for getWasm(): WISP_KERNELS=baseline|relaxed in Node's environment overrides it,
// else env.wasm.relaxedSimd (false: baseline, true: relaxed) as set before the first session.
const defaultKernels = () => (isNode && process.env.WISP_KERNELS)
  || { false: 'baseline', true: 'relaxed' }[env.wasm.relaxedSimd] || 'auto';

// Two shared instances at most: the one-thread build and the threaded one (index 1).
const pending = [null, null]; // promises of the instances
const current = [null, null]; // the instances once resolved

// Resolves to a shared Wasm instance, instantiated on the first call: the threaded build when
// threads > 1 and the platform has shared memory (threadsAvailable), with its helper threads
// started (as many as it could start: wasm.maxThreads); else the one-thread build. threads
// defaults to a session's default (threadCount). A failed instantiation is forgotten so the
// next call tries again.
export async function getWasm(options = {}, threads = threadCount(undefined, env.wasm.numThreads)) {
  const t = threads > 1 && threadsAvailable() ? 1 : 0;
  if (!pending[t]) {
    warnIgnored();
    const kernels = defaultKernels();
    pending[t] = wasmUrls(undefined, !!t).then(({ core, relaxed }) => instantiate(core, kernels, options, relaxed, !!t))
      .then((w) => (current[t] = w));
    pending[t].catch(() => (pending[t] = null));
  }
  const wasm = await pending[t];
  if (t) await wasm.pool.ensure(threads);
  return wasm;
}

// Marks an instance that trapped as unusable (its heap may be inconsistent) and forgets it, so
// sessions created afterwards get a fresh instance.
export function discard(wasm, err) {
  wasm.dead = err;
  wasm.pool?.terminate();
  for (const t of [0, 1]) if (current[t] === wasm) current[t] = pending[t] = null;
}
