"""Converts a float32 ONNX model into the other precisions a Transformers.js folder ships.

    /usr/bin/python3 models/convert_precision.py <folder | file.onnx> [fp16] [q4] [q4f16] \
        [bnb4] [int8] [uint8] [--gather] [--conv] [--out <dir>]

reads <folder>/onnx/model.onnx (or the file) and writes beside it, or in <dir>/onnx/ (fp16, q4,
q4f16 and bnb4 by default; a file gets <name>_<kind>.onnx):
  model_fp16.onnx   every float32 tensor float16: initializers, Constants, Casts to float,
                    graph inputs and outputs (int64 ids stay int64). onnxruntime 1.30's CPU
                    provider has float16 kernels for every op of these encoders, so no op is
                    kept in float32 (onnxconverter-common's block list is not needed).
  model_q4.onnx     each MatMul by a constant [K, N] weight becomes com.microsoft MatMulNBits
                    (bits 4, block 32, uint8 zero points, float32 scales); the rest stays float32.
                    With --gather, each Gather from a constant float32 [V, D] table (the
                    embeddings) becomes com.microsoft GatherBlockQuantized too (uint8 data, bits
                    4, block 32 along D, uint8 zero points), as onnxruntime's quantizer writes
                    them when asked to quantize Gather (applies to q4f16 too).
  model_q4f16.onnx  model_q4 then the float16 conversion (scales and activations float16).
  model_bnb4.onnx   each such MatMul becomes com.microsoft MatMulBnb4 (NF4, block 64, as
                    onnxruntime's matmul_bnb4_quantizer defaults; float32 absmax).
  model_int8.onnx   static QDQ: each MatMul by a constant [K, N] weight reads its activation
                    through QuantizeLinear → DequantizeLinear (int8, one scale per tensor from
                    calibration: models/calibrate_ranges.mjs runs onnxruntime-node on 3 seeded
                    inputs) and its weight through DequantizeLinear (int8 symmetric, a scale per
                    column). Conv and Gemm stay float32; with --conv, each Conv by a constant
                    float32 weight is quantized the same way (weights per output channel, axis 0;
                    the bias stays float32), as onnxruntime's quantize_static writes vision models.
  model_uint8.onnx  the same with uint8 activations and uint8 weights (a zero point per column).

Debian python3-onnx (1.12) and numpy only; no network. The functions are used by
tests/fixtures/make_precision_fixtures.py too.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

FLOAT, HALF = TensorProto.FLOAT, TensorProto.FLOAT16


def _half(t):
    """float16 copy; finite values past float16's range (e.g. a float32-min attention mask fill)
    are clamped to ±65504, not made infinite (0 * inf would be NaN), as onnxconverter-common."""
    a = numpy_helper.to_array(t)
    a = np.where(np.isfinite(a), np.clip(a, -65504, 65504), a)
    return numpy_helper.from_array(a.astype(np.float16), t.name)


def to_fp16(model):
    model = shape_inference.infer_shapes(model)
    g = model.graph
    for i, t in enumerate(g.initializer):
        if t.data_type == FLOAT:
            g.initializer[i].CopyFrom(_half(t))
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == FLOAT:
            v.type.tensor_type.elem_type = HALF
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == FLOAT:
                a.t.CopyFrom(_half(a.t))
            if n.op_type == "Cast" and a.name == "to" and a.i == FLOAT:
                a.i = HALF
    del g.value_info[:]
    model = shape_inference.infer_shapes(model)
    onnx.checker.check_model(model)
    return model


def quantize_q4(w, block, zero_points=True):
    """[K, N] float32 -> MatMulNBits' B [N, blocks, block/2] uint8, scales [N, blocks] float32,
    zero points [N, ceil(blocks/2)] uint8 (or None: symmetric around 8). Element k of a block is
    the low nibble of byte k/2 when k is even, the high one when odd; zero points likewise."""
    K, N = w.shape
    blocks = -(-K // block)
    wt = np.zeros((N, blocks * block), np.float32)
    wt[:, :K] = w.T
    wt = wt.reshape(N, blocks, block)
    if zero_points:
        lo = np.minimum(wt.min(axis=2), 0)
        hi = np.maximum(wt.max(axis=2), 0)
        scale = (hi - lo) / 15
        scale[scale == 0] = 1
        zp = np.clip(np.round(-lo / scale), 0, 15).astype(np.uint8)
    else:
        scale = np.abs(wt).max(axis=2) / 7
        scale[scale == 0] = 1
        zp = np.full((N, blocks), 8, np.uint8)
    q = np.clip(np.round(wt / scale[:, :, None]) + zp[:, :, None], 0, 15).astype(np.uint8)
    packed = q[:, :, 0::2] | (q[:, :, 1::2] << 4)
    zpad = np.zeros((N, blocks + blocks % 2), np.uint8)
    zpad[:, :blocks] = zp
    zpacked = zpad[:, 0::2] | (zpad[:, 1::2] << 4)
    return packed, scale.astype(np.float32), zpacked if zero_points else None


def matmul_nbits_node(a, out, name, w, block, zero_points=True, accuracy_level=None):
    """A MatMulNBits node computing a @ w and its initializers."""
    K, N = w.shape
    b, s, z = quantize_q4(w, block, zero_points)
    inits = [numpy_helper.from_array(b, name + "_q4"), numpy_helper.from_array(s.reshape(-1), name + "_scales")]
    ins = [a, name + "_q4", name + "_scales"]
    if z is not None:
        inits.append(numpy_helper.from_array(z.reshape(-1), name + "_zp"))
        ins.append(name + "_zp")
    attrs = dict(K=K, N=N, bits=4, block_size=block)
    if accuracy_level is not None:
        attrs["accuracy_level"] = accuracy_level
    node = helper.make_node("MatMulNBits", ins, [out], name=name, domain="com.microsoft", **attrs)
    return node, inits


FP4_CODE = np.array([0, 5.208333333e-03, 0.66666667, 1, 0.33333333, 0.5, 0.16666667, 0.25,
                     -0.0, -5.208333333e-03, -0.66666667, -1, -0.33333333, -0.5, -0.16666667, -0.25],
                    np.float32)
NF4_CODE = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
                     -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
                     0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
                     0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                     0.7229568362236023, 1.0], np.float32)


def quantize_bnb4(w, block, quant_type):
    """[K, N] float32 -> MatMulBnb4's B [(N*K+1)/2] uint8 and absmax [ceil(N*K/block)] float32:
    Wᵀ [N, K] flattened, in blocks of `block` values scaled by their max |value| to [-1, 1] and
    rounded to the nearest of the 16 FP4 (quant_type 0) or NF4 (1) values; the even flat index
    is the high nibble."""
    flat = np.ascontiguousarray(w.T, np.float32).reshape(-1)
    numel = flat.size
    blocks = -(-numel // block)
    x = np.zeros(blocks * block, np.float32)
    x[:numel] = flat
    x = x.reshape(blocks, block)
    absmax = np.abs(x).max(axis=1)
    inv = np.where(absmax > 0, 1 / np.where(absmax > 0, absmax, 1), 0).astype(np.float32)
    code = FP4_CODE if quant_type == 0 else NF4_CODE
    order = np.argsort(code, kind="stable")
    mids = (code[order][1:] + code[order][:-1]) / 2  # a tie goes to the smaller value
    q = order[np.searchsorted(mids, (x * inv[:, None]).reshape(-1))].astype(np.uint8)
    q = q[:numel + numel % 2]
    if numel % 2:
        q[-1] = 0
    return (q[0::2] << 4) | q[1::2], absmax.astype(np.float32)


def matmul_bnb4_node(a, out, name, w, block=64, quant_type=1):
    """A MatMulBnb4 node computing a @ w and its initializers."""
    K, N = w.shape
    b, absmax = quantize_bnb4(w, block, quant_type)
    inits = [numpy_helper.from_array(b, name + "_bnb4"), numpy_helper.from_array(absmax, name + "_absmax")]
    node = helper.make_node("MatMulBnb4", [a, name + "_bnb4", name + "_absmax"], [out], name=name,
                            domain="com.microsoft", K=K, N=N, block_size=block, quant_type=quant_type)
    return node, inits


def gather_block_quantized_node(indices, out, name, table, block, zero_points=True):
    """A GatherBlockQuantized node gathering rows of table [V, D] and its initializers: data
    [V, D/2] uint8 (value d of a row is the low nibble of byte d/2 when d is even), scales
    [V, ceil(D/block)], zero points [V, ceil(blocks/2)] packed likewise (or none: 8)."""
    V, D = table.shape
    b, s, z = quantize_q4(np.ascontiguousarray(table.T), block, zero_points)  # rows as columns
    inits = [numpy_helper.from_array(b.reshape(V, -1)[:, :(D + 1) // 2], name + "_q4"),
             numpy_helper.from_array(s, name + "_scales")]
    ins = [name + "_q4", indices, name + "_scales"]
    if z is not None:
        inits.append(numpy_helper.from_array(z, name + "_zp"))
        ins.append(name + "_zp")
    node = helper.make_node("GatherBlockQuantized", ins, [out], name=name, domain="com.microsoft",
                            bits=4, block_size=block, gather_axis=0, quantize_axis=1)
    return node, inits


def to_q4(model, block=32, zero_points=True, gather=False):
    if gather:
        model = _quantize_gathers(model, block, zero_points)
    return _quantize_matmuls(model, lambda a, out, name, w: matmul_nbits_node(a, out, name, w, block, zero_points))


def _quantize_gathers(model, block, zero_points):
    """Each axis-0 Gather from a constant float32 [V, D] table with D even and ≥ 16 becomes
    GatherBlockQuantized; a table read by other nodes too is kept for them."""
    def rewrite(i, n, inits):
        t = inits.get(n.input[0]) if n.op_type == "Gather" else None
        axis = next((a.i for a in n.attribute if a.name == "axis"), 0)
        if t is None or t.data_type != FLOAT or len(t.dims) != 2 or t.dims[1] < 16 or t.dims[1] % 2 or axis:
            return None
        node, new = gather_block_quantized_node(n.input[1], n.output[0], n.name or "gather%d" % i,
                                                numpy_helper.to_array(t), block, zero_points)
        return node, new, t.name
    return _replace_nodes(model, rewrite)


def _use_counts(g):
    """{value name: how many node inputs read it}."""
    uses = {}
    for n in g.node:
        for name in n.input:
            uses[name] = uses.get(name, 0) + 1
    return uses


def _set_graph(g, nodes, drop):
    """g's nodes become `nodes`; the initializers named in `drop` go."""
    kept = [t for t in g.initializer if t.name not in drop]
    del g.initializer[:]
    g.initializer.extend(kept)
    del g.node[:]
    g.node.extend(nodes)


def _replace_nodes(model, rewrite):
    """Each node for which rewrite(index, node, initializers) gives (node, new initializers,
    weight name) is replaced; the weight goes unless other nodes read it too."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    uses = _use_counts(g)
    nodes, drop = [], set()
    for i, n in enumerate(g.node):
        r = rewrite(i, n, inits)
        if r is None:
            nodes.append(n)
            continue
        node, new, weight = r
        nodes.append(node)
        g.initializer.extend(new)
        if uses[weight] == 1:
            drop.add(weight)
    _set_graph(g, nodes, drop)
    return model


def to_bnb4(model, block=64, quant_type=1):
    return _quantize_matmuls(model, lambda a, out, name, w: matmul_bnb4_node(a, out, name, w, block, quant_type))


def _quantize_matmuls(model, make):
    """Each MatMul by a constant float32 [K, N] weight (K ≥ 16) becomes make(...)'s node."""
    def rewrite(i, n, inits):
        w = inits.get(n.input[1]) if n.op_type == "MatMul" else None
        if w is None or w.data_type != FLOAT or len(w.dims) != 2 or w.dims[0] < 16:
            return None
        node, new = make(n.input[0], n.output[0], n.name or "matmul%d" % i, numpy_helper.to_array(w))
        return node, new, w.name
    _replace_nodes(model, rewrite)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.checker.check_model(model)
    return model


def _qdq_matmuls(model, conv=False):
    """(node, weight initializer) of each MatMul by a constant float [K, N] weight, and with conv
    each Conv by a constant float weight."""
    inits = {t.name: t for t in model.graph.initializer}
    for n in model.graph.node:
        w = inits.get(n.input[1]) if n.op_type == "MatMul" or (conv and n.op_type == "Conv") else None
        if w is not None and w.data_type == FLOAT and (len(w.dims) == 2 or n.op_type == "Conv"):
            yield n, w


def calibrate(model, names):
    """{name: [min, max]} of the named values over calibrate_ranges.mjs's inputs."""
    import json
    import subprocess
    import tempfile
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for name in names:
        m.graph.output.append(helper.make_tensor_value_info(name, FLOAT, None))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "calib.onnx")
        onnx.save(m, path)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calibrate_ranges.mjs")
        out = subprocess.run(["node", script, path] + list(names), check=True, capture_output=True)
    return json.loads(out.stdout)


def _affine(lo, hi, qmin, qmax):
    """scale and zero point mapping [lo, hi] (widened to hold 0) onto [qmin, qmax]."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / (qmax - qmin) if hi > lo else 1.0
    return np.float32(scale), np.clip(np.round(qmin - lo / scale), qmin, qmax)


def to_qdq(model, signed, conv=False):
    """Static QDQ int8 (signed) or uint8 MatMuls (and Convs), as the module docstring says."""
    g = model.graph
    qt, (qmin, qmax) = (np.int8, (-128, 127)) if signed else (np.uint8, (0, 255))
    matmuls = list(_qdq_matmuls(model, conv))
    acts = sorted({n.input[0] for n, _ in matmuls})
    ranges = calibrate(model, acts)
    deq, nodes, uses = {}, [], _use_counts(g)
    targets = {id(n): w for n, w in matmuls}
    for n in g.node:
        w = targets.get(id(n))
        if w is not None:
            x = n.input[0]
            if x not in deq:  # one Q → DQ per activation, shared by the MatMuls reading it
                s, z = _affine(*ranges[x], qmin, qmax)
                sx, zx = x + "_scale", x + "_zp"
                g.initializer.extend([numpy_helper.from_array(np.array(s, np.float32), sx),
                                      numpy_helper.from_array(np.array(z, qt), zx)])
                nodes += [helper.make_node("QuantizeLinear", [x, sx, zx], [x + "_q"]),
                          helper.make_node("DequantizeLinear", [x + "_q", sx, zx], [x + "_dq"])]
                deq[x] = x + "_dq"
            a = numpy_helper.to_array(w)
            # a scale per output channel: MatMul's columns (axis 1), Conv's first axis
            axis = 0 if n.op_type == "Conv" else 1
            cols = a.reshape(a.shape[0], -1).T if axis == 0 else a
            if signed:
                s = np.maximum(np.abs(cols).max(axis=0), 1e-12) / 127.0
                z = np.zeros(cols.shape[1])
            else:
                lo, hi = np.minimum(cols.min(axis=0), 0), np.maximum(cols.max(axis=0), 0)
                s = np.maximum(hi - lo, 1e-12) / 255.0
                z = np.clip(np.round(-lo / s), 0, 255)
            bshape = (-1,) + (1,) * (a.ndim - 1) if axis == 0 else (1, -1)
            q = np.clip(np.round(a / s.reshape(bshape)) + z.reshape(bshape), qmin, qmax).astype(qt)
            wn = w.name + ("_i8" if signed else "_u8")
            if not any(t.name == wn for t in g.initializer):
                g.initializer.extend([numpy_helper.from_array(q, wn),
                                      numpy_helper.from_array(s.astype(np.float32), wn + "_scale"),
                                      numpy_helper.from_array(z.astype(qt), wn + "_zp")])
            nodes.append(helper.make_node("DequantizeLinear", [wn, wn + "_scale", wn + "_zp"],
                                          [n.output[0] + "_w"], axis=axis))
            n.input[0], n.input[1] = deq[x], n.output[0] + "_w"
        nodes.append(n)
    converted = {}
    for _, w in matmuls:
        converted[w.name] = converted.get(w.name, 0) + 1
    weights = {name for name, k in converted.items() if uses[name] == k}  # read by nothing else
    _set_graph(g, nodes, weights)
    onnx.checker.check_model(model)
    return model


CONVERSIONS = {"fp16": to_fp16, "q4": to_q4, "q4f16": lambda m: to_fp16(to_q4(m)), "bnb4": to_bnb4,
               "int8": lambda m: to_qdq(m, True), "uint8": lambda m: to_qdq(m, False)}
# what a bare run writes: int8 and uint8 calibrate through onnxruntime-node, so they are asked for
DEFAULT_KINDS = ["fp16", "q4", "q4f16", "bnb4"]


def main():
    args = sys.argv[1:]
    out_dir = None
    gather, conv = "--gather" in args, "--conv" in args
    for flag in ("--gather", "--conv"):
        if flag in args:
            args.remove(flag)
    if "--out" in args:
        i = args.index("--out")
        out_dir = args[i + 1]
        del args[i:i + 2]
    target, which = args[0], args[1:] or DEFAULT_KINDS
    is_file = target.endswith(".onnx")
    src = target if is_file else os.path.join(target, "onnx", "model.onnx")
    if out_dir is None:
        out_dir = os.path.dirname(src)
    elif not is_file:
        out_dir = os.path.join(out_dir, "onnx")
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.basename(src)[:-5] if is_file else "model"
    for kind in which:
        if gather and kind in ("q4", "q4f16"):
            m = to_q4(onnx.load(src), gather=True)
            m = to_fp16(m) if kind == "q4f16" else m
        elif conv and kind in ("int8", "uint8"):
            m = to_qdq(onnx.load(src), kind == "int8", conv=True)
        else:
            m = CONVERSIONS[kind](onnx.load(src))
        out = os.path.join(out_dir, "%s_%s.onnx" % (stem, kind))
        onnx.save(m, out)
        print("%s: %.1f MB" % (out, os.path.getsize(out) / 1e6))


if __name__ == "__main__":
    main()
