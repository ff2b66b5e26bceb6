// hostile_models.js — models that break the loader's rules (src/onnx.h), each with the error it
// must give: shared by loader_rules.test.js (Node) and browser.test.js (Chromium).
import { DT, model, node, valueInfo, tensorProto, attrInt } from './helpers.js';

export const hostileModels = () => [
  {
    // Concat(a, b) -> a: the plan sized `a` for the feed, Concat wrote twice as much into it
    name: 'Concat writes over a graph input',
    bytes: model({
      nodes: [node('Concat', ['a', 'b'], ['a'], [attrInt('axis', 0)])],
      inputs: [valueInfo('a', DT.float, [4]), valueInfo('b', DT.float, [4])],
      outputs: [valueInfo('a', DT.float, [8])],
    }),
    error: /writes 'a', which is a graph input/,
  },
  {
    name: 'Tile writes over a graph input',
    bytes: model({
      nodes: [node('Tile', ['x', 'repeats'], ['x'])],
      inputs: [valueInfo('x', DT.float, [2])],
      outputs: [valueInfo('x', DT.float, [2000])],
      initializers: [tensorProto('repeats', DT.int64, [1], BigInt64Array.of(1000n))],
    }),
    error: /writes 'x', which is a graph input/,
  },
  {
    name: 'a value written twice',
    bytes: model({
      nodes: [node('Relu', ['x'], ['y']), node('Neg', ['x'], ['y'])],
      inputs: [valueInfo('x', DT.float, [2])],
      outputs: [valueInfo('y', DT.float, [2])],
    }),
    error: /already written by another node/,
  },
  {
    name: 'a node writes over an initializer',
    bytes: model({
      nodes: [node('Relu', ['x'], ['w']), node('Add', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', DT.float, [2])],
      outputs: [valueInfo('y', DT.float, [2])],
      initializers: [tensorProto('w', DT.float, [2], Float32Array.of(1, 2))],
    }),
    error: /writes 'w', which is an initializer/,
  },
  {
    // 2^30 + 1 int64 elements are 8 GB + 8 bytes, which a 32-bit size_t wraps to 8
    name: 'an initializer whose byte size wraps in 32 bits',
    bytes: model({
      nodes: [node('Identity', ['big'], ['y'])],
      inputs: [valueInfo('x', DT.float, [1])],
      outputs: [valueInfo('y', DT.int64, [2 ** 30 + 1])],
      initializers: [tensorProto('big', DT.int64, [2 ** 30 + 1], BigInt64Array.of(7n))],
    }),
    error: /over 2 GB/,
  },
  {
    // Expand of one double to 2^29 + 1 elements: 4 GB + 8 bytes, folded at plan time
    name: 'an output whose byte size wraps in 32 bits',
    bytes: model({
      nodes: [node('Cast', ['c'], ['cd'], [attrInt('to', 11)]), node('Expand', ['cd', 'shape'], ['y'])],
      inputs: [valueInfo('x', DT.float, [1])],
      outputs: [valueInfo('y', 11, [2 ** 29 + 1])],
      initializers: [tensorProto('c', DT.float, [1], Float32Array.of(1)),
        tensorProto('shape', DT.int64, [1], BigInt64Array.of(BigInt(2 ** 29 + 1)))],
    }),
    error: /over 2 GB/,
  },
  {
    name: 'ops wisp lacks, named at once',
    bytes: model({
      nodes: [node('NoSuchOpA', ['x'], ['a']), node('NoSuchOpB', ['a'], ['b']), node('NoSuchOpA', ['b'], ['y'])],
      inputs: [valueInfo('x', DT.float, [2])],
      outputs: [valueInfo('y', DT.float, [2])],
    }),
    error: /unsupported ops: NoSuchOpA \(2 nodes, first '[^']*'\), NoSuchOpB \(1 node/,
  },
  {
    name: 'an opset newer than wisp implements',
    bytes: model({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [valueInfo('x', DT.float, [2])],
      outputs: [valueInfo('y', DT.float, [2])],
      opset: 99,
    }),
    error: /Relu at opset 99 \(wisp implements 6-21\)/,
  },
];
