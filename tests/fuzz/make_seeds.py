"""Writes starting inputs for the fuzz targets (tests/fuzz/corpus/<target>/seed_*); the fuzzers
grow and long.sh minimises the corpus from there. Deterministic: rerunning gives the same files.

  /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import os
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed_' + name), 'wb') as f:
        f.write(data)


def ext_tensor(name, values, location, offset):
    """A float initializer stored in an external file at `offset`."""
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=values.shape)
    t.data_location = TensorProto.EXTERNAL
    for k, v in (('location', location), ('offset', str(offset)), ('length', str(values.nbytes))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def external_seeds():
    rng = np.random.default_rng(11)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    blob = w.tobytes() + b.tobytes()
    graph = helper.make_graph(
        [helper.make_node('MatMul', ['x', 'w'], ['h']), helper.make_node('Add', ['h', 'b'], ['z']),
         helper.make_node('Relu', ['z'], ['y'])],
        'ext', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['n', 4])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['n', 3])],
        [ext_tensor('w', w, 'weights.bin', 0), ext_tensor('b', b, 'weights.bin', w.nbytes)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    m = model.SerializeToString()
    # two files: the bias in its own
    graph2 = helper.make_graph(
        [helper.make_node('Gemm', ['x', 'w', 'b'], ['y'])], 'ext2',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [2, 3])],
        [ext_tensor('w', w, 'w.bin', 0), ext_tensor('b', b, 'sub/b.bin', 0)])
    m2 = helper.make_model(graph2, opset_imports=[helper.make_opsetid('', 13)]).SerializeToString()

    def pack(flags, extra, ext, model_bytes):
        out = bytes([flags, len(extra)])
        for n in extra:
            out += bytes([len(n)]) + n.encode()
        return out + struct.pack('<H', len(ext)) + ext + model_bytes

    write('fuzz_external', 'matmul_add', pack(0, [], blob, m))
    write('fuzz_external', 'matmul_add_extra', pack(0x10, ['h', 'z'], blob, m))
    write('fuzz_external', 'extra_input', pack(0, ['x', 'y', 'nope'], blob, m))
    write('fuzz_external', 'truncated', pack(1, ['h'], blob, m))
    write('fuzz_external', 'missing', pack(2, [], blob, m))
    write('fuzz_external', 'two_files', pack(0, [], w.tobytes(), m2))


def run_seeds():
    # one per model index (the first two bytes pick the model); the fuzzer finds the rest
    n = sum(1 for _ in open(os.path.join(HERE, '..', 'conformance', 'expected_pass.txt'))) + 40
    for i in range(n):
        write('fuzz_run', '%04d' % i, bytes([i & 255, i >> 8, i % 4]) + bytes(range(i % 7, 64, 3)))


def image_seeds():
    # width, height, channels, resize w, h, no-resize flag, resample+1, crop w, h, no-crop flag,
    # rescale, out_channels, normalize, mean/std x3, pixels
    for resample in range(6):
        for ch in (1, 3, 4):
            cfg = bytes([9, 7, ch, 5, 12, 0, resample + 1, 4, 4, resample & 1, 2, 3, 1,
                         0x90, 0xc0, 0x90, 0xc0, 0x90, 0xc0])
            write('fuzz_image', 'r%d_c%d' % (resample, ch), cfg + bytes(range(0, 250, 7)) * 6)


if __name__ == '__main__':
    external_seeds()
    run_seeds()
    image_seeds()
