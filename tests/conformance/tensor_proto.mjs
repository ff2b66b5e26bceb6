// tensor_proto.mjs — reading (and writing numeric) ONNX TensorProto messages in plain JS, for
// the scripts that run the node tests through onnxruntime.
function readVarint(buf, pos) {
  let v = 0n, shift = 0n;
  for (;;) {
    if (pos.i >= buf.length) throw new Error('truncated varint');
    const b = buf[pos.i++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
    shift += 7n;
  }
}
export function fields(buf) {
  const out = [], pos = { i: 0 };
  while (pos.i < buf.length) {
    const key = Number(readVarint(buf, pos)), field = key >>> 3, wire = key & 7;
    let value;
    if (wire === 0) value = readVarint(buf, pos);
    else if (wire === 1) value = buf.subarray(pos.i, pos.i += 8);
    else if (wire === 5) value = buf.subarray(pos.i, pos.i += 4);
    else if (wire === 2) {
      const n = Number(readVarint(buf, pos));
      value = buf.subarray(pos.i, pos.i += n);
    } else throw new Error(`wire type ${wire}`);
    if (pos.i > buf.length) throw new Error('truncated field');
    out.push([field, wire, value]);
  }
  return out;
}
export const sub = (buf, n) =>
  fields(buf).filter(([f, w]) => f === n && w === 2).map(([, , v]) => v);
export const utf8 = (b) => Buffer.from(b).toString('utf8');

// Repeated scalars: packed (wire 2) or one per field; `kind` reads each.
export function repeated(fs_, n, kind) {
  const out = [];
  for (const [f, w, v] of fs_) {
    if (f !== n) continue;
    const dv = w === 2 ? new DataView(v.buffer, v.byteOffset, v.byteLength) : null;
    if (kind === 'varint') {
      if (w === 0) out.push(v);
      else for (const pos = { i: 0 }; pos.i < v.length;) out.push(readVarint(v, pos));
    } else if (kind === 'f32') {
      if (w === 5) out.push(new DataView(v.buffer, v.byteOffset, 4).getFloat32(0, true));
      else for (let i = 0; i + 4 <= v.length; i += 4) out.push(dv.getFloat32(i, true));
    } else if (kind === 'f64') {
      if (w === 1) out.push(new DataView(v.buffer, v.byteOffset, 8).getFloat64(0, true));
      else for (let i = 0; i + 8 <= v.length; i += 8) out.push(dv.getFloat64(i, true));
    }
  }
  return out;
}

// ONNX data_type -> ORT-web tensor type and typed array (bfloat16, float8 and 4-bit types: none).
export const TYPES = {
  1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array],
  4: ['uint16', Uint16Array], 5: ['int16', Int16Array], 6: ['int32', Int32Array],
  7: ['int64', BigInt64Array], 8: ['string', Array], 9: ['bool', Uint8Array],
  10: ['float16', Uint16Array], 11: ['float64', Float64Array], 12: ['uint32', Uint32Array],
  13: ['uint64', BigUint64Array],
};

// TensorProto -> ort.Tensor (throws 'unsupported' for dtypes ORT-web's JS API cannot hold).
export function decodeTensor(ort, buf) {
  const fs_ = fields(buf);
  const dims = repeated(fs_, 1, 'varint').map(Number);
  const dt = Number(repeated(fs_, 2, 'varint')[0] ?? 0n);
  if (!TYPES[dt]) throw Object.assign(new Error(`dtype ${dt}`), { unsupported: true });
  const [type, Arr] = TYPES[dt];
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = fs_.find(([f, w]) => f === 9 && w === 2)?.[2];
  let data;
  if (dt === 8) {
    data = fs_.filter(([f, w]) => f === 6 && w === 2).map(([, , v]) => utf8(v));
  } else if (raw) {
    const copy = new Uint8Array(raw); // aligned copy
    data = new Arr(copy.buffer, 0, n);
  } else if (dt === 1) {
    data = Float32Array.from(repeated(fs_, 4, 'f32'));
  } else if (dt === 11) {
    data = Float64Array.from(repeated(fs_, 10, 'f64'));
  } else if (dt === 7) {
    data = BigInt64Array.from(repeated(fs_, 7, 'varint').map((v) => BigInt.asIntN(64, v)));
  } else if (dt === 12 || dt === 13) {
    const v = repeated(fs_, 11, 'varint');
    data = dt === 13 ? BigUint64Array.from(v) : Uint32Array.from(v.map(Number));
  } else {
    // int32_data holds int32, int16, int8, uint16, uint8, bool and float16 (as bits)
    data = Arr.from(repeated(fs_, 5, 'varint').map((v) => Number(BigInt.asIntN(32, v))));
  }
  if (data.length !== n) throw new Error(`tensor has ${data.length} values for shape [${dims}]`);
  return new ort.Tensor(type, data, dims);
}

function varint(v, out) {
  let x = BigInt.asUintN(64, BigInt(v));
  do {
    const b = Number(x & 0x7fn);
    x >>= 7n;
    out.push(x ? b | 0x80 : b);
  } while (x);
}

// ort.Tensor -> TensorProto bytes: dims, data_type and raw_data (string_data for strings).
export function encodeTensor(tensor) {
  const dt = Number(Object.keys(TYPES).find((k) => TYPES[k][0] === tensor.type));
  if (!dt) throw new Error(`cannot encode ${tensor.type}`);
  const head = [];
  for (const d of tensor.dims) head.push(0x08), varint(d, head);
  head.push(0x10), varint(dt, head);
  if (dt === 8) {
    const parts = [Buffer.from(head)];
    for (const str of tensor.data) {
      const b = Buffer.from(str, 'utf8'), key = [0x32];
      varint(b.length, key);
      parts.push(Buffer.from(key), b);
    }
    return Buffer.concat(parts);
  }
  const raw = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  head.push(0x4a), varint(raw.length, head);
  return Buffer.concat([Buffer.from(head), Buffer.from(raw)]);
}
