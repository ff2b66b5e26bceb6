// examples.js — one real, held-out example per shipped model, for the terminal run and tests.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function shippedExamples(root) {
  const sample = JSON.parse(await readFile(join(root, 'tests/fixtures/fashion_test_sample.json'), 'utf8'));
  const labels = JSON.parse(await readFile(join(root, 'models/fashion-mlp/config.json'), 'utf8')).id2label;
  const image = { data: Uint8Array.from(sample.images[0]), width: 28, height: 28, channels: 1 };
  const expected = labels[sample.labels[0]];
  const describe = 'Fashion-MNIST test image #0';
  // a malignant held-out row of the breast-cancer split, from the demo page's cases
  const { cancer } = JSON.parse(await readFile(join(root, 'demo/data/samples.json'), 'utf8'));
  const row = cancer.cases.findLast((c) => c.label === 'malignant');
  const tabular = { input: row.features, expected: row.label, describe: `breast-cancer held-out case #${row.index}` };
  // a spam mail of the text model's held-out split (models/spam-bert/heldout_ids.json), as the
  // model's own mail.js turns a raw mail into the text people paste (subject + body)
  const spamId = 'spam-1/00064';
  const { corpusDir, mailToText } = await import('../models/spam-bert/mail.js');
  const files = JSON.parse(await readFile(join(corpusDir(), 'file_list.json'), 'utf8'));
  const mail = await readFile(join(corpusDir(), files.find((f) => f.startsWith(`${spamId}.`))));
  const text = { input: mailToText(mail.toString('latin1')), expected: 'spam', describe: `SpamAssassin held-out mail ${spamId}` };
  return [
    { model: 'models/spam-bert', ...text },
    { model: 'models/fashion-mlp', input: image, expected, describe },
    { model: 'models/fashion-cnn', input: image, expected, describe },
    { model: 'models/breast-cancer-gbt', ...tabular },
    { model: 'models/breast-cancer-mlp', ...tabular },
  ];
}
