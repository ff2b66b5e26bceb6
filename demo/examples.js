// examples.js — one real, held-out example per shipped model, for the terminal run and tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function shippedExamples(root) {
  const sample = JSON.parse(await readFile(join(root, 'tests/fixtures/fashion_test_sample.json'), 'utf8'));
  const labels = JSON.parse(await readFile(join(root, 'models/fashion-mlp/config.json'), 'utf8')).id2label;
  const image = { data: Uint8Array.from(sample.images[0]), width: 28, height: 28, channels: 1 };
  const expected = labels[sample.labels[0]];
  const describe = 'Fashion-MNIST test image #0';
  return [
    { model: 'models/fashion-mlp', input: image, expected, describe },
    { model: 'models/fashion-cnn', input: image, expected, describe },
  ];
}
