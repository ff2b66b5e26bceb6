"""Dynamic int8 quantization of an fp32 ONNX export, in the form Hugging Face / Transformers.js
`onnx/model_quantized.onnx` files have (what onnxruntime.quantization.quantize_dynamic writes with
per_channel=False, reduce_range=False); onnxruntime's Python tool is not installable here.

  - every MatMul whose B is a constant 2-D initializer becomes
        DynamicQuantizeLinear(x) -> x_q, x_scale, x_zp    (one per distinct x, shared)
        MatMulInteger(x_q, W_q, x_zp, W_zp) -> Cast(float) -> Mul(·, Mul(x_scale, W_scale))
    and the Add of its bias after it stays as it is;
  - every Gather from a constant table (embeddings) becomes Gather(T_q) -> DequantizeLinear;
  - with --uint8 (what the HF tooling picks for models with Conv): weights are asymmetric uint8,
    and Conv with constant weights becomes DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul
    (-> Add of the bias reshaped to (M, 1, ...)).
Weights are per tensor: int8 symmetric (scale = max|W| / 127, zero point 0, values in [-127, 127])
or uint8 asymmetric (range widened to hold 0, scale = range / 255, zero point rounded); values
round half to even, as numpy and onnxruntime do.

    /usr/bin/python3 models/quantize.py in.onnx out.onnx [--uint8]
    /usr/bin/python3 models/quantize.py FOLDER [--uint8]     # FOLDER/onnx/model.onnx -> model_quantized.onnx
Needs Debian python3-onnx and numpy only.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_weights(w, uint8):
    w = w.astype(np.float32)
    if uint8:
        lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
        scale = np.float32((hi - lo) / 255.0) if hi > lo else np.float32(1.0)
        zp = np.clip(np.round(0.0 - lo / scale), 0, 255)
        q = np.clip(np.round(w / scale) + zp, 0, 255).astype(np.uint8)
        return q, scale, np.array(zp, dtype=np.uint8)
    absmax = float(np.abs(w).max())
    scale = np.float32(absmax / 127.0) if absmax > 0 else np.float32(1.0)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale, np.array(0, dtype=np.int8)


def quantize_model(model, uint8=False):
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    new_inits, quantized, dql = [], {}, {}

    def weight(name):  # (q, scale, zp) initializer names for a constant, made once
        if name not in quantized:
            q, s, z = quantize_weights(numpy_helper.to_array(inits[name]), uint8)
            base = name + "_quantized"
            new_inits.append(numpy_helper.from_array(q, base))
            new_inits.append(numpy_helper.from_array(np.array(s, dtype=np.float32), name + "_scale"))
            new_inits.append(numpy_helper.from_array(z, name + "_zero_point"))
            quantized[name] = (base, name + "_scale", name + "_zero_point")
        return quantized[name]

    def dynamic(x, nodes):  # DynamicQuantizeLinear of activation x, made once
        if x not in dql:
            outs = (x + "_quantized", x + "_scale", x + "_zero_point")
            nodes.append(helper.make_node("DynamicQuantizeLinear", [x], list(outs), x + "_QuantizeLinear"))
            dql[x] = outs
        return dql[x]

    def integer_chain(node, op, x, w, extra_attrs, nodes, out):
        xq, xs, xz = dynamic(x, nodes)
        wq, ws, wz = weight(w)
        name = node.name or node.output[0]
        r = out + "_output_quantized"
        nodes.append(helper.make_node(op, [xq, wq, xz, wz], [r], name + "_quant", **extra_attrs))
        nodes.append(helper.make_node("Cast", [r], [r + "_cast_output"], r + "_cast", to=TensorProto.FLOAT))
        nodes.append(helper.make_node("Mul", [xs, ws], [name + "_scales_mul:0"], name + "_scales_mul"))
        nodes.append(helper.make_node("Mul", [r + "_cast_output", name + "_scales_mul:0"], [out],
                                      name + "_output_scale_mul"))

    nodes = []
    for n in g.node:
        if n.op_type == "MatMul" and n.input[1] in inits and len(inits[n.input[1]].dims) == 2:
            integer_chain(n, "MatMulInteger", n.input[0], n.input[1], {}, nodes, n.output[0])
        elif n.op_type == "Gather" and n.input[0] in inits and \
                inits[n.input[0]].data_type == TensorProto.FLOAT and len(inits[n.input[0]].dims) == 2:
            tq, ts, tz = weight(n.input[0])
            g_out = n.output[0] + "_output_quantized"
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            nodes.append(helper.make_node("Gather", [tq, n.input[1]], [g_out], n.name + "_quant", **attrs))
            nodes.append(helper.make_node("DequantizeLinear", [g_out, ts, tz], [n.output[0]],
                                          n.name + "_output_dequantize"))
        elif uint8 and n.op_type == "Conv" and n.input[1] in inits:
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            bias = n.input[2] if len(n.input) > 2 and n.input[2] else None
            out = n.output[0] + ("_without_bias" if bias else "")
            integer_chain(n, "ConvInteger", n.input[0], n.input[1], attrs, nodes, out)
            if bias:
                b = numpy_helper.to_array(inits[bias])
                rank = len(inits[n.input[1]].dims)
                shaped = bias + "_reshaped"
                new_inits.append(numpy_helper.from_array(b.reshape([-1] + [1] * (rank - 2)), shaped))
                nodes.append(helper.make_node("Add", [out, shaped], [n.output[0]], (n.name or out) + "_bias_add"))
        else:
            nodes.append(n)

    # the quantized tensors replace the fp32 ones that nothing reads any more
    still_used = {i for n in nodes for i in n.input}
    kept = [i for i in g.initializer if i.name in still_used or i.name in {o.name for o in g.output}]
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(kept + new_inits)
    onnx_opset = next((o for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if onnx_opset is not None and onnx_opset.version < 11:
        onnx_opset.version = 11  # DynamicQuantizeLinear
    return model


def main(argv):
    uint8 = "--uint8" in argv
    args = [a for a in argv if not a.startswith("--")]
    if len(args) == 1:
        src = os.path.join(args[0], "onnx", "model.onnx")
        dst = os.path.join(args[0], "onnx", "model_quantized.onnx")
    elif len(args) == 2:
        src, dst = args
    else:
        sys.exit(__doc__)
    model = quantize_model(onnx.load(src), uint8)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"wrote {dst} ({os.path.getsize(dst) / 1e6:.1f} MB, from {os.path.getsize(src) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
