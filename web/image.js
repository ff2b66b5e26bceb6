// image.js — images to model input, prepared the way Hugging Face image processors do it.
//
//   const config = JSON.parse(await (await fetch(base + 'preprocessor_config.json')).text());
//   const { data, dims } = await imageToTensor(imgElement, config);    // dims [1, 3, 224, 224]
//   await session.run({ pixel_values: new Tensor('float32', data, dims) });
//
// The pixel work (to gray or RGB, PIL-exact resize, center crop, rescale, normalize) is C
// (src/image.c, wisp_image_preprocess); this file gets 8-bit pixels out of what the caller has
// and turns preprocessor_config.json into that function's config.

import { getWasm, discard } from './wasm.js';
import { coded, badInput, badModel } from './errors.js';

const MAX_SIDE = 16384; // src/image.h WISP_IMAGE_MAX_SIDE
const DRAWABLES = ['HTMLImageElement', 'HTMLCanvasElement', 'ImageBitmap', 'OffscreenCanvas'];
const EXPECTED = 'expected ImageData, an image/canvas/ImageBitmap, or {data, width, height, channels}';
// Processors whose bare-number `size` means the shortest edge (HF calls get_size_dict with
// default_to_square=False); for the others (ViT, DeiT, ...) a number means a square.
const SHORTEST_EDGE_TYPES = /^(CLIP|ChineseCLIP|ConvNext|Bit|MobileNetV1|MobileNetV2|MobileViT|Levit|PoolFormer|EfficientFormer)/i;

// images: one image or an array of them (a batch). Returns {data: Float32Array, dims: [N, C, H, W]}.
// first: the index of images[0] in the caller's batch (Model's slices), for messages.
export async function imageToTensor(images, preprocessorConfig = {}, first = 0) {
  const list = Array.isArray(images) ? images : [images];
  if (!list.length) throw badInput('wisp: imageToTensor got an empty array of images');
  const where = (i) => (Array.isArray(images) ? ` (image ${first + i} of the batch)` : '');
  const pixels = await Promise.all(list.map((img, i) => toPixels(img, where(i))));
  const configs = pixels.map((p) => resolveImageConfig(preprocessorConfig, p.width, p.height));
  const wasm = await getWasm();
  const x = wasm.exports;
  if (wasm.dead) throw coded('WISP_RUNTIME', `wisp: the WebAssembly instance crashed earlier (${wasm.dead.message})`);

  const ptrs = [];
  const alloc = (bytes) => (ptrs.push(wasm.alloc(bytes)), ptrs.at(-1));
  const fail = (i) => badInput(`wisp: ${wasm.lastError()}${where(i)}`);
  try {
    const cfgPtr = alloc(14 * 8), whPtr = alloc(8);
    const setConfig = (c) => wasm.view(Float64Array).set(configDoubles(c), cfgPtr >>> 3);
    // Output sizes first: a batch needs one (C, H, W).
    let C, H, W;
    pixels.forEach((p, i) => {
      setConfig(configs[i]);
      if (x.wisp_wasm_image_output_size(cfgPtr, p.width, p.height, whPtr)) throw fail(i);
      const [w, h] = wasm.view(Int32Array).subarray(whPtr >>> 2, (whPtr >>> 2) + 2);
      if (i === 0) [C, H, W] = [configs[i].channels, h, w];
      else if (w !== W || h !== H) {
        throw badInput(`wisp: images in a batch must come out the same size: image ${first} gives ${W}x${H}, ` +
          `image ${first + i} gives ${w}x${h}; use a size of {height, width} or a crop_size`);
      }
    });
    const plane = C * H * W, data = new Float32Array(list.length * plane);
    const outPtr = alloc(plane * 4);
    pixels.forEach((p, i) => {
      setConfig(configs[i]);
      const px = wasm.allocBytes(p.data);
      ptrs.push(px);
      if (x.wisp_wasm_image_preprocess(px, p.width, p.height, p.channels, cfgPtr, outPtr)) throw fail(i);
      data.set(wasm.view(Float32Array).subarray(outPtr >>> 2, (outPtr >>> 2) + plane), i * plane);
      wasm.free(ptrs.pop()); // this image's pixels: the next one may be large too
    });
    return { data, dims: [list.length, C, H, W] };
  } catch (e) {
    // A trap leaves the heap inconsistent: retire the instance (as session.js does).
    if (e instanceof WebAssembly.RuntimeError || /^wisp\.wasm aborted/.test(e?.message)) {
      discard(wasm, e);
      throw coded('WISP_RUNTIME', `wisp: WebAssembly crashed: ${e.message}`, undefined, { cause: e });
    }
    throw e;
  } finally {
    if (!wasm.dead) ptrs.forEach((p) => wasm.free(p));
  }
}

// preprocessor_config.json → what src/image.c needs for one width x height image:
// {resize: [w, h] | null, resample, crop: [w, h] | null, rescale, channels, normalize, mean, std}.
// Missing do_* flags default to "on when their parameters are present" (do_rescale: on, 1/255).
// do_convert_rgb is implied: wisp always produces `channels` (gray is replicated, alpha dropped).
export function resolveImageConfig(pc, width, height) {
  if (typeof pc !== 'object' || pc === null) throw badModel(`wisp: preprocessor config must be an object, got ${describe(pc)}`, TypeError);
  const resample = pc.resample ?? 2;
  if (![0, 1, 2, 3, 4, 5].includes(resample)) {
    throw badModel(`wisp: preprocessor_config resample ${JSON.stringify(resample)} is not a PIL filter (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)`, RangeError);
  }
  const doResize = pc.do_resize ?? pc.size !== undefined;
  if (doResize && pc.size === undefined) throw badModel('wisp: preprocessor_config sets do_resize but has no size');
  const doCrop = pc.do_center_crop ?? pc.crop_size !== undefined;
  if (doCrop && pc.crop_size === undefined) throw badModel('wisp: preprocessor_config sets do_center_crop but has no crop_size');

  const mean1 = Array.isArray(pc.image_mean) && pc.image_mean.length === 1;
  const channels = pc.do_convert_grayscale || pc.num_channels === 1 || mean1 ? 1 : 3;
  const normalize = pc.do_normalize ?? pc.image_mean !== undefined;
  let mean = [0, 0, 0], std = [1, 1, 1];
  if (normalize) {
    if (pc.image_mean === undefined || pc.image_std === undefined) {
      throw badModel('wisp: preprocessor_config sets do_normalize but lacks image_mean or image_std');
    }
    mean = perChannel('image_mean', pc.image_mean, channels);
    std = perChannel('image_std', pc.image_std, channels);
  }
  const rescale = (pc.do_rescale ?? true) ? pc.rescale_factor ?? 1 / 255 : 1;
  if (!Number.isFinite(rescale)) throw badModel(`wisp: preprocessor_config rescale_factor must be a number, got ${JSON.stringify(pc.rescale_factor)}`, RangeError);
  return {
    resize: doResize ? resizeTo(pc, pc.size, width, height) : null,
    resample,
    crop: doCrop ? sizeWH('crop_size', pc.crop_size) : null,
    rescale, channels, normalize, mean, std,
  };
}

// The order of wisp_wasm_image_preprocess's double array (src/wasm/exports.c).
function configDoubles(c) {
  return [c.resize?.[0] ?? 0, c.resize?.[1] ?? 0, c.resample, c.crop?.[0] ?? 0, c.crop?.[1] ?? 0,
    c.rescale, c.channels, c.normalize ? 1 : 0, ...c.mean, ...c.std];
}

function perChannel(name, v, channels) {
  const a = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(a) || !a.every(Number.isFinite) || !(a.length === 1 || a.length >= channels)) {
    throw badModel(`wisp: preprocessor_config ${name} must be a number or ${channels === 1 ? '1' : '1 or 3'} numbers, got ${JSON.stringify(v)}`, RangeError);
  }
  return [0, 1, 2].map((c) => a[a.length === 1 ? 0 : Math.min(c, a.length - 1)]);
}

const isSide = (v) => Number.isInteger(v) && v >= 1 && v <= MAX_SIDE;

// {height, width}, [height, width] or n (n x n) → [w, h].
function sizeWH(name, s) {
  const hw = typeof s === 'number' ? [s, s] : Array.isArray(s) ? s : [s?.height, s?.width];
  if (hw.length !== 2 || !hw.every(isSide)) {
    throw badModel(`wisp: preprocessor_config ${name} ${JSON.stringify(s)}: expected {height, width} (or a number) with sides in 1..${MAX_SIDE}`, RangeError);
  }
  return [hw[1], hw[0]];
}

// The resize target for a width x height image, as HF computes it → [w, h].
function resizeTo(pc, size, w, h) {
  if (typeof size === 'number') {
    const type = pc.image_processor_type ?? pc.feature_extractor_type ?? '';
    size = SHORTEST_EDGE_TYPES.test(type) ? { shortest_edge: size } : { height: size, width: size };
  }
  if (Array.isArray(size) || size?.height !== undefined || size?.width !== undefined) return sizeWH('size', size);
  const { shortest_edge: se, longest_edge: le } = size ?? {};
  if (se !== undefined && !isSide(se)) throw badModel(`wisp: preprocessor_config size.shortest_edge ${JSON.stringify(se)} must be an integer in 1..${MAX_SIDE}`, RangeError);
  if (le !== undefined && !isSide(le)) throw badModel(`wisp: preprocessor_config size.longest_edge ${JSON.stringify(le)} must be an integer in 1..${MAX_SIDE}`, RangeError);
  if (se !== undefined) {
    // get_resize_output_image_size(default_to_square=False, max_size=longest_edge)
    const short = Math.min(w, h), long = Math.max(w, h);
    let newShort = se, newLong = Math.floor((se * long) / short);
    if (le !== undefined && newLong > le) [newShort, newLong] = [Math.floor((le * newShort) / newLong), le];
    return w <= h ? [newShort, newLong] : [newLong, newShort];
  }
  if (le !== undefined) {
    // longest side to longest_edge, aspect kept, rounded half up (SAM's get_preprocess_shape)
    const scale = le / Math.max(w, h);
    return [Math.floor(w * scale + 0.5), Math.floor(h * scale + 0.5)];
  }
  throw badModel(`wisp: preprocessor_config size ${JSON.stringify(size)} is not supported; expected {height, width}, {shortest_edge}, {longest_edge} or a number`);
}

// ---- getting 8-bit pixels ----

function describe(v) {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
  if (typeof v !== 'object') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${v.length}`;
  if (v.constructor === Object || !v.constructor) return `an object with keys {${Object.keys(v).join(', ')}}`;
  return `a ${v.constructor.name}`;
}

const isA = (v, name) => typeof globalThis[name] === 'function' && v instanceof globalThis[name];

async function toPixels(img, where) {
  if (DRAWABLES.some((name) => isA(img, name))) return drawPixels(img, where);
  if (img && typeof img === 'object' && 'data' in img && 'width' in img && 'height' in img) return plainPixels(img, where);
  throw badInput(`wisp: ${EXPECTED}; got ${describe(img)}${where}`, TypeError);
}

// {data, width, height, channels?}: ImageData, or raw gray/RGB/RGBA bytes.
function plainPixels({ data, width, height, channels }, where) {
  for (const [k, v] of [['width', width], ['height', height]]) {
    if (!isSide(v)) throw badInput(`wisp: image ${k} must be an integer in 1..${MAX_SIDE}, got ${JSON.stringify(v)}${where}`, RangeError);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray || Array.isArray(data))) {
    throw badInput(`wisp: image data must be a Uint8Array, Uint8ClampedArray or Array of 0..255, got ${describe(data)}${where}`, TypeError);
  }
  const n = width * height;
  if (channels === undefined) {
    channels = data.length / n;
    if (![1, 2, 3, 4].includes(channels)) {
      throw badInput(`wisp: image data has ${data.length} values, not width×height (${width}×${height}) × 1, 2, 3 or 4 channels${where}`, RangeError);
    }
  } else if (![1, 2, 3, 4].includes(channels)) {
    throw badInput(`wisp: image channels must be 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA), got ${JSON.stringify(channels)}${where}`, RangeError);
  } else if (data.length !== n * channels) {
    throw badInput(`wisp: image data has ${data.length} values; width×height×channels = ${width}×${height}×${channels} = ${n * channels}${where}`, RangeError);
  }
  if (Array.isArray(data)) {
    const bad = data.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v <= 255));
    if (bad >= 0) throw badInput(`wisp: image data[${bad}] = ${JSON.stringify(data[bad])} is not an integer in 0..255${where}`, RangeError);
    data = Uint8Array.from(data);
  }
  return { data, width, height, channels };
}

// Browsers: draw onto a canvas and read back RGBA (unpremultiplied, as getImageData gives it).
async function drawPixels(src, where) {
  let w = src.width, h = src.height;
  if (isA(src, 'HTMLImageElement')) {
    if (!src.complete || !src.naturalWidth) {
      try {
        await src.decode(); // waits for loading too
      } catch (e) {
        throw badInput(`wisp: the image ${JSON.stringify(String(src.currentSrc || src.src).slice(0, 100))} failed to load or decode${where}`, undefined, { cause: e });
      }
    }
    [w, h] = [src.naturalWidth, src.naturalHeight];
  }
  if (!isSide(w) || !isSide(h)) throw badInput(`wisp: the ${src.constructor.name} is ${w}x${h}; sides must be in 1..${MAX_SIDE}${where}`, RangeError);
  const canvas = typeof OffscreenCanvas === 'function'
    ? new OffscreenCanvas(w, h)
    : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(src, 0, 0);
  return { data: ctx.getImageData(0, 0, w, h).data, width: w, height: h, channels: 4 };
}
