// session.js — InferenceSession and Tensor, shaped like onnxruntime-web's so its users feel at home.
//
//   const session = await InferenceSession.create('model.onnx');   // bytes, path or URL
//   const x = new Tensor('float32', new Float32Array(784), [1, 1, 28, 28]);
//   const { logits } = await session.run({ pixel_values: x });
//   await session.release();
//
// Small and boring on purpose: validate in JS, copy into the heap, call, copy out, free in finally.

import { getWasm, discard, loadExtra, FOUR_GB } from './wasm.js';
import { threadCount } from './threads.js';
import { env } from './env.js';
import { toUrl, readBytes, ioOptions } from './io.js';
import { wasmError, coded, badInput, badModel } from './errors.js';

// ONNX TensorProto element types (src/tensor.h) and the arrays onnxruntime-web uses for them.
const DTYPES = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, string: 8, bool: 9,
  float16: 10, float64: 11, uint32: 12, uint64: 13,
};
const TYPE_NAMES = Object.fromEntries(Object.entries(DTYPES).map(([k, v]) => [v, k]));
// float16: Float16Array where the engine has it, else Uint16Array holding the bits (as
// onnxruntime-web; a Uint16Array is accepted for 'float16' either way).
const Float16 = typeof globalThis.Float16Array === 'function' ? globalThis.Float16Array : null;
const ARRAYS = {
  float32: Float32Array, uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array,
  int16: Int16Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array,
  float16: Float16 ?? Uint16Array, float64: Float64Array, uint32: Uint32Array, uint64: BigUint64Array,
};
const isArrayOf = (type, data) =>
  data instanceof ARRAYS[type] || (type === 'float16' && data instanceof Uint16Array);
// What `new Tensor(data, dims)` infers from the array (as onnxruntime-web does).
const INFER = new Map([
  [Float32Array, 'float32'], [Uint8Array, 'uint8'], [Uint8ClampedArray, 'uint8'],
  [Int8Array, 'int8'], [Uint16Array, 'uint16'], [Int16Array, 'int16'], [Int32Array, 'int32'],
  [BigInt64Array, 'int64'], [Float64Array, 'float64'], [Uint32Array, 'uint32'],
  [BigUint64Array, 'uint64'], ...(Float16 ? [[Float16, 'float16']] : []),
]);

// float16 bits <-> numbers, for engines without Float16Array.
export function float16ToFloat32(bits) {
  if (Float16 && bits instanceof Float16) return Float32Array.from(bits);
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i], e = (h >> 10) & 31, m = h & 1023;
    const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1024 + m) * 2 ** (e - 25);
    out[i] = h & 0x8000 ? -v : v;
  }
  return out;
}

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
// Round to nearest even, as the C core's wisp_float_to_half.
export function float32ToFloat16(values) {
  if (Float16) return new Uint16Array(Float16.from(values).buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const x = u32[0], sign = (x >>> 16) & 0x8000, a = x & 0x7fffffff;
    let h;
    if (a >= 0x47800000) h = a > 0x7f800000 ? 0x7e00 : 0x7c00; // overflow to inf; NaN
    else if (a < 0x38800000) { // subnormal: |v|·2^24 is exact in a double; round half to even
      const y = Math.abs(f32[0]) * 2 ** 24, r = Math.floor(y), d = y - r;
      h = d > 0.5 || (d === 0.5 && r & 1) ? r + 1 : r;
    }
    else h = ((a - 0x38000000) >>> 13) + (((a >>> 13) & 1) + (a & 0x1fff) > 0x1000 ? 1 : 0);
    out[i] = sign | h;
  }
  return out;
}

const fmtDims = (dims) => `[${Array.from(dims).join(',')}]`;

// A typed array's real kind and extent, from the built-in getters: an own `length` property or a
// look-alike object (Object.create(Float32Array.prototype)) cannot make run() read past a buffer.
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const getter = (key) => Object.getOwnPropertyDescriptor(TypedArrayProto, key).get;
const [kindOf, lengthOf, bufferOf, offsetOf, byteLengthOf] =
  [Symbol.toStringTag, 'length', 'buffer', 'byteOffset', 'byteLength'].map(getter);
// null for anything that is not a real typed array
function realArray(data) {
  const kind = Reflect.apply(kindOf, data, []);
  if (!kind) return null;
  return {
    kind,
    length: Reflect.apply(lengthOf, data, []),
    bytes: new Uint8Array(Reflect.apply(bufferOf, data, []), Reflect.apply(offsetOf, data, []),
      Reflect.apply(byteLengthOf, data, [])),
  };
}

// What each element of a plain-array `data` must be for a tensor of this type.
function checkElements(type, data) {
  const ok = type === 'bool' ? (v) => typeof v === 'boolean' || typeof v === 'number'
    : type === 'int64' || type === 'uint64' ? (v) => typeof v === 'bigint' || Number.isInteger(v)
      : (v) => typeof v === 'number';
  const bad = data.findIndex((v) => !ok(v));
  if (bad >= 0) {
    const v = data[bad];
    throw badInput(`a '${type}' tensor needs numbers${type === 'bool' ? ' or booleans' : ''}; ` +
      `element ${bad} is ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v}`, TypeError);
  }
}

function checkDims(dims) {
  if (!Array.isArray(dims) && !ArrayBuffer.isView(dims)) {
    throw badInput(`tensor dims must be an array, got ${typeof dims}`, TypeError);
  }
  let size = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(Number(d)) || Number(d) < 0) {
      throw badInput(`tensor dims ${fmtDims(dims)}: each dim must be an integer >= 0`, RangeError);
    }
    size *= Number(d);
  }
  return size;
}

export class Tensor {
  // new Tensor(type, data, dims?) or new Tensor(data, dims?) with the type taken from the array.
  constructor(typeOrData, dataOrDims, maybeDims) {
    let type, data, dims;
    if (typeof typeOrData === 'string') {
      [type, data, dims] = [typeOrData, dataOrDims, maybeDims];
    } else {
      [data, dims] = [typeOrData, dataOrDims];
      type = Array.isArray(data)
        ? typeof data[0] === 'boolean' ? 'bool' : typeof data[0] === 'string' ? 'string' : 'float32'
        : INFER.get(data?.constructor);
      if (!type) throw badInput(`cannot infer a tensor type from ${data?.constructor?.name}`, TypeError);
    }
    const Arr = ARRAYS[type];
    if (type === 'string') {
      // as onnxruntime-web: data is a string[]
      if (!Array.isArray(data) || data.some((v) => typeof v !== 'string')) {
        throw badInput("a 'string' tensor needs an array of strings", TypeError);
      }
      data = data.slice();
    } else if (!Arr) {
      throw badInput(`wisp does not support '${type}' tensors`, TypeError);
    } else if (type === 'float16' && Array.isArray(data)) {
      data = Float16 ? Float16.from(data) : float32ToFloat16(data);
    } else if (Array.isArray(data)) {
      checkElements(type, data);
      const conv = Arr === BigInt64Array || Arr === BigUint64Array ? BigInt : type === 'bool' ? (x) => (x ? 1 : 0) : Number;
      data = Arr.from(data, conv);
    } else if (type === 'uint8' && data instanceof Uint8ClampedArray) {
      data = new Uint8Array(data.buffer, data.byteOffset, data.length);
    } else if (!isArrayOf(type, data)) {
      throw badInput(`a '${type}' tensor needs a ${Arr.name}, got ${data?.constructor?.name}`, TypeError);
    }
    dims = dims === undefined ? [data.length] : Array.from(dims, Number);
    const size = checkDims(dims);
    if (size !== data.length) {
      throw badInput(`tensor dims ${fmtDims(dims)} hold ${size} elements, data has ${data.length}`, RangeError);
    }
    this.type = type;
    this.data = data;
    this.dims = dims;
    this.size = size;
    this.location = 'cpu';
  }

  dispose() {} // onnxruntime-web API; plain JS memory needs nothing

  // ---- the rest of onnxruntime-web's Tensor API (data always lives in JS: location 'cpu') ----

  async getData(releaseData) {
    const data = this.data;
    if (releaseData) this.dispose();
    return data;
  }

  // The same data seen with other dims (no copy), as onnxruntime-web's reshape.
  reshape(dims) {
    return new Tensor(this.type, this.data, dims);
  }

  // An image as a (1, 3, H, W) float32 tensor of (pixel + norm.bias) / norm.mean per channel
  // (defaults bias 0, mean 255), as onnxruntime-web's Tensor.fromImage. image: ImageData or
  // {data, width, height} of RGBA (or RGB: options.bitmapFormat) bytes; in browsers also an
  // <img>, ImageBitmap, canvas or URL (drawn on an OffscreenCanvas, resized there if asked).
  // options: tensorFormat 'RGB' | 'BGR' | 'RGBA' (default 'RGB'), tensorLayout 'NCHW' | 'NHWC',
  // dataType 'float32' | 'uint8' (uint8: the pixel bytes as they are), norm {mean, bias} (a number
  // or one per channel), resizedWidth / resizedHeight (browsers only).
  static async fromImage(image, options = {}) {
    const { data, width, height } = await imagePixels(image, options);
    const inFormat = options.bitmapFormat ?? 'RGBA', outFormat = options.tensorFormat ?? 'RGB';
    const layout = options.tensorLayout ?? 'NCHW', dataType = options.dataType ?? 'float32';
    if (inFormat !== 'RGBA' && inFormat !== 'RGB') throw new TypeError(`fromImage: bitmapFormat must be 'RGBA' or 'RGB', got '${inFormat}'`);
    const order = { RGB: [0, 1, 2], BGR: [2, 1, 0], RGBA: [0, 1, 2, 3] }[outFormat];
    if (!order) throw new TypeError(`fromImage: tensorFormat must be 'RGB', 'BGR' or 'RGBA', got '${outFormat}'`);
    if (outFormat === 'RGBA' && inFormat === 'RGB') throw new TypeError('fromImage: an RGB bitmap has no alpha for tensorFormat RGBA');
    if (layout !== 'NCHW' && layout !== 'NHWC') throw new TypeError(`fromImage: tensorLayout must be 'NCHW' or 'NHWC', got '${layout}'`);
    if (dataType !== 'float32' && dataType !== 'uint8') throw new TypeError(`fromImage: dataType must be 'float32' or 'uint8', got '${dataType}'`);
    const step = inFormat.length, C = order.length, n = width * height;
    if (!Number.isSafeInteger(n) || data.length < n * step) {
      throw new RangeError(`fromImage: ${width}x${height} ${inFormat} needs ${n * step} bytes, got ${data.length}`);
    }
    const perChannel = (v, fallback) => (Array.isArray(v) ? v : Array(4).fill(v ?? fallback));
    const mean = perChannel(options.norm?.mean, 255), bias = perChannel(options.norm?.bias, 0);
    const out = dataType === 'uint8' ? new Uint8Array(n * C) : new Float32Array(n * C);
    for (let c = 0; c < C; c++) {
      const src = order[c], m = mean[src], b = bias[src];
      for (let i = 0; i < n; i++) {
        const v = data[i * step + src];
        out[layout === 'NCHW' ? c * n + i : i * C + c] = dataType === 'uint8' ? v : (v + b) / m;
      }
    }
    return new Tensor(dataType, out, layout === 'NCHW' ? [1, C, height, width] : [1, height, width, C]);
  }

  // A (1, 3|4, H, W) tensor (NHWC with options.tensorLayout) back to RGBA pixels: float32 values
  // become (v - norm.bias) · norm.mean (defaults 0 and 255), uint8 values are kept. An ImageData
  // where the engine has one, else {data: Uint8ClampedArray, width, height, colorSpace}.
  toImageData(options = {}) {
    const layout = options.tensorLayout ?? 'NCHW';
    if (this.type !== 'float32' && this.type !== 'uint8') throw new TypeError(`toImageData: needs a float32 or uint8 tensor, got ${this.type}`);
    if (this.dims.length !== 4 || this.dims[0] !== 1) throw new RangeError(`toImageData: needs dims [1, C, H, W], got ${fmtDims(this.dims)}`);
    const [C, H, W] = layout === 'NHWC' ? [this.dims[3], this.dims[1], this.dims[2]] : this.dims.slice(1);
    if (C !== 3 && C !== 4) throw new RangeError(`toImageData: needs 3 or 4 channels, got ${C}`);
    const format = options.format ?? (C === 4 ? 'RGBA' : 'RGB');
    const order = { RGB: [0, 1, 2], BGR: [2, 1, 0], RGBA: [0, 1, 2, 3] }[format];
    if (!order || order.length > C) throw new TypeError(`toImageData: format '${format}' does not fit ${C} channels`);
    const perChannel = (v, fallback) => (Array.isArray(v) ? v : Array(4).fill(v ?? fallback));
    const mean = perChannel(options.norm?.mean, 255), bias = perChannel(options.norm?.bias, 0);
    const n = H * W, px = new Uint8ClampedArray(n * 4).fill(255);
    order.forEach((dst, c) => {
      for (let i = 0; i < n; i++) {
        const v = this.data[layout === 'NCHW' ? c * n + i : i * C + c];
        px[i * 4 + dst] = this.type === 'uint8' ? v : (v - bias[dst]) * mean[dst];
      }
    });
    if (typeof globalThis.ImageData === 'function') return new globalThis.ImageData(px, W, H);
    return { data: px, width: W, height: H, colorSpace: 'srgb' };
  }
}

// The RGBA (or RGB) bytes of an image for Tensor.fromImage.
async function imagePixels(image, options) {
  const { resizedWidth: rw, resizedHeight: rh } = options;
  if (image && typeof image === 'object' && 'data' in image && 'width' in image && 'height' in image) {
    const resize = (rw !== undefined && rw !== image.width) || (rh !== undefined && rh !== image.height);
    if (!resize) return image;
    if (typeof OffscreenCanvas !== 'function') throw new TypeError('fromImage: resizing needs OffscreenCanvas (browsers)');
    if (typeof ImageData !== 'function' || (options.bitmapFormat ?? 'RGBA') !== 'RGBA') {
      throw new TypeError('fromImage: only RGBA ImageData can be resized');
    }
    image = await createImageBitmap(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height));
  }
  if (typeof image === 'string' || image instanceof URL) {
    if (typeof createImageBitmap !== 'function') throw new TypeError('fromImage: loading an image URL needs a browser');
    image = await createImageBitmap(await (await fetch(image)).blob());
  }
  if (typeof OffscreenCanvas !== 'function' || !image || typeof image !== 'object') {
    throw new TypeError('fromImage: expected ImageData or {data, width, height} (in browsers also an image, bitmap, canvas or URL)');
  }
  const width = rw ?? image.naturalWidth ?? image.width, height = rh ?? image.naturalHeight ?? image.height;
  const ctx = new OffscreenCanvas(width, height).getContext('2d');
  ctx.drawImage(image, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height);
}

// ---- reading models and external data ----

async function toBytes(data, base, io = {}) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  if (typeof data === 'string' || data instanceof URL) return readBytes(await toUrl(data, base), io);
  throw badInput(`wisp: expected model bytes, a path or a URL, got ${data?.constructor?.name ?? typeof data}`, TypeError);
}

const normPath = (p) => String(p).replace(/\\/g, '/').replace(/^(\.\/)+/, '');

// ---- the session ----

const isTrap = (e) => e instanceof WebAssembly.RuntimeError || /^wisp\.wasm aborted/.test(e?.message);

// fn(call) with a staging area of its own (src/wasm/exports.c: feeds, external files, extra
// outputs), freed after unless the heap trapped: nothing staged is shared between sessions.
function withCall(wasm, fn) {
  const call = wasm.exports.wisp_wasm_call_new();
  if (!call) throw wasmError(wasm);
  let trapped = false;
  try {
    return fn(call);
  } catch (e) {
    trapped = isTrap(e);
    throw e;
  } finally {
    if (!trapped && !wasm.dead) wasm.exports.wisp_wasm_call_free(call);
  }
}

// Calls into C; a trap becomes an Error and retires the instance (its heap can't be trusted).
function guard(wasm, fn) {
  if (wasm.dead) throw coded('WISP_RUNTIME', `wisp: the WebAssembly instance crashed earlier (${wasm.dead.message}); create a new session`);
  try {
    return fn();
  } catch (e) {
    if (!isTrap(e)) throw e;
    discard(wasm, e);
    throw coded('WISP_RUNTIME', `wisp: WebAssembly crashed: ${e.message}`, undefined, { cause: e });
  }
}

export class InferenceSession {
  #wasm;
  #handle;
  #inputTypes;
  #mapKeys; // per output: the map keys of a ZipMap output (a sequence of maps), else null
  #threads = 1;

  constructor(wasm, handle) {
    const x = wasm.exports;
    this.#wasm = wasm;
    this.#handle = handle;
    const nIn = x.wisp_wasm_input_count(handle), nOut = x.wisp_wasm_output_count(handle);
    this.inputNames = Array.from({ length: nIn }, (_, i) => wasm.readString(x.wisp_wasm_input_name(handle, i)));
    this.outputNames = Array.from({ length: nOut }, (_, i) => wasm.readString(x.wisp_wasm_output_name(handle, i)));
    this.#inputTypes = this.inputNames.map((_, i) => TYPE_NAMES[x.wisp_wasm_input_dtype(handle, i)]);
    // Declared shapes: symbolic dims by name (as onnxruntime-web reports them), unknown as -1.
    const dimsPtr = wasm.alloc(8 * 8);
    try {
      this.inputMetadata = this.inputNames.map((name, i) => {
        const ndim = x.wisp_wasm_input_shape(handle, i, dimsPtr);
        const dims = Array.from(wasm.view(Float64Array).subarray(dimsPtr >>> 3, (dimsPtr >>> 3) + Math.max(ndim, 0)));
        const shape = dims.map((d, k) => (d >= 0 ? d : wasm.readString(x.wisp_wasm_input_dim_name(handle, i, k)) ?? -1));
        return { name, isTensor: true, type: this.#inputTypes[i], ...(ndim >= 0 && { shape }) };
      });
    } finally {
      wasm.free(dimsPtr);
    }
    // ZipMap outputs (sequences of maps in ONNX) come back as arrays of plain objects, one per
    // row, keyed by these labels (wisp.h: wisp_session_output_map_keys).
    this.#mapKeys = this.outputNames.map((_, i) => {
      const n = x.wisp_wasm_output_map_keys?.(handle, i) ?? 0;
      return n ? Array.from({ length: n }, (_, k) => wasm.readString(x.wisp_wasm_output_map_key(handle, i, k))) : null;
    });
    this.outputMetadata = this.outputNames.map((name, i) => (this.#mapKeys[i]
      ? { name, isTensor: false }
      : { name, isTensor: true, type: TYPE_NAMES[x.wisp_wasm_output_dtype(handle, i)] }));
  }

  // create(bytes | ArrayBuffer | path | URL, options) or create(arrayBuffer, byteOffset, byteLength?, options).
  // options.externalData: [{path, data}] (data: bytes, Blob, or a path/URL) or [path]; files the
  // model needs that are not given are loaded relative to the model's own path or URL.
  // options.extraOutputs (wisp's own): names of intermediate values to return as outputs too.
  // options.baseUrl (wisp's own): where external files are looked up when model is bytes.
  // options.signal, progress, cache, cacheDir (wisp's own): as for load() (io.js).
  // options.memoryLimit (wisp's own): the most, in bytes, the WebAssembly heap may grow to
  // (default 1 GiB, at most 4 GiB). It is one heap for all sessions, so the limit set last holds
  // for all of them; an allocation past it fails with an Error and leaves the heap as it was.
  // Set it above 1 GiB for models whose weights and activations need more.
  // options.numThreads: threads for each run (default: every core up to 8 in Node and in
  // cross-origin-isolated pages; env.wasm.numThreads when set). Where shared memory is missing
  // the session runs on one thread; the page's main thread takes part in every run (it spins,
  // never block-waits, for the helpers' last tiles). Results equal one thread's bit for bit.
  static async create(model, arg1, arg2, arg3) {
    let options = arg1;
    if (model instanceof ArrayBuffer && typeof arg1 === 'number') {
      model = new Uint8Array(model, arg1, arg2 ?? model.byteLength - arg1);
      options = arg3;
    }
    options ??= {};
    const base = typeof model === 'string' || model instanceof URL ? await toUrl(model)
      : options.baseUrl ? await toUrl(options.baseUrl) : null;
    // a path or URL is read from there; bytes given with options.baseUrl are used as they are
    const io = ioOptions(options);
    const bytes = await toBytes(typeof model === 'string' || model instanceof URL ? base : model, null, io);
    const threads = threadCount(options.numThreads, env.wasm.numThreads);
    const wasm = await getWasm(io, threads);
    const x = wasm.exports;
    if (options.memoryLimit !== undefined) wasm.setMemoryBudget(options.memoryLimit);

    // the model bytes (the session keeps them: weights are used in place) and packed weights
    wasm.reserve(Math.min(2 * bytes.byteLength + (32 << 20), 4 * 1024 ** 3 - 65536));
    const modelPtr = guard(wasm, () => wasm.allocBytes(bytes));
    let given = false; // to wisp_wasm_session_create, which owns it from then on
    try {
      const list = guard(wasm, () => x.wisp_wasm_external_files(modelPtr, bytes.byteLength));
      if (!list) throw wasmError(wasm);
      const text = wasm.readString(list);
      wasm.free(list);
      const files = text.split('\n').filter(Boolean).map((line) => {
        const tab = line.lastIndexOf('\t');
        return { location: line.slice(0, tab), size: Number(line.slice(tab + 1)) };
      });
      checkExternalFit(wasm, files, bytes.byteLength);
      const extraOp = wasm.readString(x.wisp_wasm_extra_wanted()); // an op of wisp_extra.wasm
      if (extraOp) await loadExtra(wasm, extraOp, io);
      const needed = files.map((f) => f.location);
      const externals = needed.length ? await loadExternals(needed, options.externalData ?? [], base, io) : [];
      // staged in a call of this create's own (the files and extra output names)
      const handle = guard(wasm, () => withCall(wasm, (call) => {
        for (const { location, data } of externals) {
          const loc = wasm.allocString(location);
          try {
            if (x.wisp_wasm_add_external(call, loc, wasm.allocBytes(data), data.byteLength)) {
              throw wasmError(wasm);
            }
          } finally {
            wasm.free(loc);
          }
        }
        for (const name of options.extraOutputs ?? []) {
          const p = wasm.allocString(String(name));
          try {
            if (x.wisp_wasm_add_extra_output(call, p)) throw wasmError(wasm);
          } finally {
            wasm.free(p);
          }
        }
        given = true;
        x.wisp_wasm_set_threads?.(Math.min(threads, wasm.maxThreads)); // per-thread scratch
        const h = x.wisp_wasm_session_create(call, modelPtr, bytes.byteLength);
        if (!h) throw wasmError(wasm);
        return h;
      }));
      try {
        const session = new InferenceSession(wasm, handle);
        session.#threads = Math.min(threads, wasm.maxThreads);
        return session;
      } catch (e) {
        x.wisp_wasm_session_free(handle);
        throw e;
      }
    } finally {
      if (!given && !wasm.dead) wasm.free(modelPtr);
    }
  }

  // run(feeds) / run(feeds, fetches, options): fetches (output names, or an object keyed by
  // them) picks which outputs to return; run options are accepted and ignored.
  async run(feeds, fetches) {
    const wasm = this.#wasm, x = wasm?.exports, h = this.#handle;
    if (!h) throw coded('WISP_RUNTIME', 'wisp: session was released');
    if (typeof feeds !== 'object' || feeds === null) throw badInput('wisp: run(feeds) needs an object of input name -> Tensor', TypeError);
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) {
        throw badInput(`wisp: unknown input '${name}'; the model's inputs are: ${this.inputNames.join(', ')}`);
      }
    }
    const tensors = this.inputNames.map((name, i) => {
      const t = feeds[name];
      if (!t) throw badInput(`wisp: missing input '${name}'; the model's inputs are: ${this.inputNames.join(', ')}`);
      const want = this.#inputTypes[i];
      if (want && t.type !== want) throw badInput(`wisp: input '${name}' must be a ${want} tensor, got ${t.type}`);
      const Arr = ARRAYS[t.type];
      const real = t.type === 'string' ? null : realArray(t.data);
      // float16 and bool travel as Uint16Array / Uint8Array; uint8 may be a Uint8ClampedArray
      const kinds = [Arr?.name, t.type === 'uint8' && 'Uint8ClampedArray',
        t.type === 'float16' && 'Uint16Array'];
      if (t.type === 'string'
        ? !Array.isArray(t.data) || t.data.some((v) => typeof v !== 'string')
        : !Arr || !real || !kinds.includes(real.kind)) {
        throw badInput(`wisp: input '${name}': a ${t.type} tensor needs ${t.type === 'string' ? 'an array of strings' : `a ${Arr?.name ?? 'supported type'}`} as data`, TypeError);
      }
      const length = real ? real.length : t.data.length;
      if (!Array.isArray(t.dims)) throw badInput(`wisp: input '${name}': dims must be an array`, TypeError);
      if (t.dims.length > 8) throw badInput(`wisp: input '${name}': rank ${t.dims.length} exceeds 8`);
      if (checkDims(t.dims) !== length) throw badInput(`wisp: input '${name}': dims ${fmtDims(t.dims)} do not match ${length} elements`);
      return { type: t.type, dims: Array.from(t.dims, Number), data: t.data, bytes: real?.bytes };
    });
    // As onnxruntime-web: an array of output names, or an object whose keys include some.
    let wanted = this.outputNames;
    if (Array.isArray(fetches)) {
      for (const n of fetches) if (!this.outputNames.includes(n)) throw badInput(`wisp: unknown output '${n}'; the model's outputs are: ${this.outputNames.join(', ')}`);
      if (fetches.length) wanted = fetches;
    } else if (fetches && typeof fetches === 'object') {
      const picked = this.outputNames.filter((n) => n in fetches);
      if (picked.length) wanted = picked;
    }

    const ptrs = [];
    return guard(wasm, () => withCall(wasm, (call) => {
      try {
        const dimsPtr = wasm.alloc(8 * 8 * Math.max(tensors.length, 1));
        ptrs.push(dimsPtr);
        tensors.forEach((t, i) => {
          const p = t.type === 'string'
            ? stringsToHeap(wasm, t.data, this.inputNames[i], ptrs)
            : wasm.allocBytes(t.bytes);
          ptrs.push(p);
          const d = dimsPtr + 64 * i;
          wasm.view(Float64Array).set(t.dims, d >>> 3);
          if (x.wisp_wasm_set_feed(call, i, DTYPES[t.type], t.dims.length, d, p)) throw wasmError(wasm);
        });
        x.wisp_wasm_set_threads?.(this.#threads);
        if (x.wisp_wasm_run(h, call, tensors.length)) throw wasmError(wasm);
        // Copy outputs out now: they live in the session's arena until the next run.
        const out = {};
        for (const name of wanted) {
          const i = this.outputNames.indexOf(name);
          const type = TYPE_NAMES[x.wisp_wasm_output_run_dtype(h, i)];
          const Arr = ARRAYS[type];
          if (!Arr && type !== 'string') throw badModel(`wisp: output '${name}' has unsupported type ${type}`);
          const ndim = x.wisp_wasm_output_ndim(h, i);
          x.wisp_wasm_output_dims(h, i, dimsPtr);
          const dims = Array.from(wasm.view(Float64Array).subarray(dimsPtr >>> 3, (dimsPtr >>> 3) + ndim));
          const p = x.wisp_wasm_output_data(h, i), bytes = x.wisp_wasm_output_bytes(h, i);
          if (type === 'string') {
            // an array of char pointers (wasm32): read each NUL-terminated UTF-8 string
            const u32 = wasm.view(Uint32Array);
            out[name] = new Tensor('string', Array.from({ length: bytes / 4 }, (_, k) => wasm.readString(u32[(p >>> 2) + k]) ?? ''), dims);
          } else if (this.#mapKeys[i]) {
            out[name] = toMaps(new Float32Array(wasm.copyOut(p, bytes)), this.#mapKeys[i]);
          } else {
            out[name] = new Tensor(type, new Arr(wasm.copyOut(p, bytes)), dims);
          }
        }
        return out;
      } catch (e) {
        if (isTrap(e)) discard(wasm, e); // before finally: don't call free on a trapped heap
        throw e;
      } finally {
        if (!wasm.dead) ptrs.forEach((p) => wasm.free(p));
      }
    }));
  }

  async release() {
    if (this.#handle && !this.#wasm.dead) this.#wasm.exports.wisp_wasm_session_free(this.#handle);
    this.#handle = 0;
  }

  // Which kernels this build picked and the threads a run uses, e.g.
  // "f32_gemm=f32_gemm_4x8__wasmsimd,… threads=4" (wisp's own addition).
  get kernelConfig() {
    return `${this.#wasm.kernelConfig()} threads=${this.#threads}`;
  }

  // Threads each run uses (wisp's own addition).
  get numThreads() {
    return this.#threads;
  }
}

// Copies strings into the heap for a run: one block of NUL-terminated UTF-8 strings (pushed to
// `owned` to be freed with the feeds) and the returned array of pointers to them.
function stringsToHeap(wasm, strings, name, owned) {
  const enc = new TextEncoder();
  const parts = strings.map((s) => {
    if (s.includes('\0')) throw badInput(`wisp: input '${name}': strings must not contain NUL characters`);
    return enc.encode(s);
  });
  const block = wasm.alloc(parts.reduce((n, b) => n + b.length + 1, 0));
  owned.push(block);
  const table = wasm.alloc(4 * parts.length);
  const heap = wasm.view(Uint8Array), u32 = wasm.view(Uint32Array); // after both allocs: growth
  let at = block;
  parts.forEach((b, k) => {
    heap.set(b, at);
    heap[at + b.length] = 0;
    u32[(table >>> 2) + k] = at;
    at += b.length + 1;
  });
  return table;
}

// (N, C) scores and C keys -> [{key: score, ...}] per row (what ZipMap means).
function toMaps(scores, keys) {
  const C = keys.length, rows = C ? scores.length / C : 0;
  return Array.from({ length: rows }, (_, r) => Object.fromEntries(keys.map((k, c) => [k, scores[r * C + c]])));
}

// Refuses, before anything is downloaded, external data that cannot fit: the sizes come from the
// model (the furthest byte its tensors read in each file). Loading holds the model, the files
// and the weights copied out of them at once, and the heap may not grow past the memory budget
// (at most 4 GB, all a wasm32 instance can address).
function checkExternalFit(wasm, files, modelBytes) {
  const data = files.reduce((n, f) => n + f.size, 0);
  const need = modelBytes + 2 * data, budget = wasm.memoryBudget;
  if (!files.length || need <= budget) return;
  const gb = (n) => `${(n / 1024 ** 3).toFixed(2)} GB`;
  const what = `wisp: the model's external data (${files.map((f) => `${f.location} ${gb(f.size)}`).join(', ')}) ` +
    `needs about ${gb(need)} of WebAssembly memory to load (the files and the weights read from them)`;
  if (need > FOUR_GB - 65536) {
    throw coded('WISP_NO_MEMORY', `${what}: more than the 4 GB a wasm32 instance can address; nothing was downloaded`);
  }
  throw coded('WISP_NO_MEMORY', `${what}, over the memory budget of ${gb(budget)}; raise it with the memoryLimit ` +
    'option (bytes, up to 4 GB) of InferenceSession.create or load; nothing was downloaded');
}

// Gathers the bytes of each external file the model names: from options.externalData first,
// else relative to the model's own location.
async function loadExternals(needed, given, base, io) {
  const byPath = new Map();
  for (const e of given) {
    const path = normPath(typeof e === 'string' ? e : e.path);
    byPath.set(path, typeof e === 'string' ? e : e.data);
  }
  return Promise.all(needed.map(async (location) => {
    const data = byPath.get(normPath(location));
    if (data !== undefined) return { location, data: await toBytes(data, base, io) };
    if (!base) {
      throw coded('WISP_NOT_FOUND', `wisp: the model needs external data file '${location}'; pass it in options.externalData as {path, data}`);
    }
    const url = new URL(location, base);
    // Stay in the model's folder: a location is a relative path, never "../" or absolute.
    if (!url.href.startsWith(new URL('.', base).href)) {
      throw badModel(`wisp: external data location '${location}' points outside the model's folder`);
    }
    return { location, data: await readBytes(url, io) };
  }));
}
