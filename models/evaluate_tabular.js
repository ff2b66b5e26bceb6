// evaluate_tabular.js — held-out accuracy of the shipped tabular models, computed by wisp.
//
//   node models/evaluate_tabular.js
//
// The held-out rows are those of models/breast_cancer_split.json, as written (float32 values, true
// labels) by tests/fixtures/tabular/make_tabular.py into breast_cancer_test.json. Each row goes
// in as {feature name: value}, the way an application would send a form.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { load } from '../web/index.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const data = JSON.parse(readFileSync(here('../tests/fixtures/tabular/breast_cancer_test.json'), 'utf8'));
const rows = data.rows.map((r) => Object.fromEntries(data.feature_names.map((n, j) => [n, r[j]])));

for (const name of ['breast-cancer-gbt', 'breast-cancer-mlp']) {
  const model = await load(here(`./${name}`));
  const results = await model.classify(rows, { topk: 1 });
  let correct = 0, malignantMissed = 0, malignant = 0;
  results.forEach(([top], i) => {
    const truth = data.labels[data.targets[i]];
    if (top.label === truth) correct++;
    if (truth === 'malignant') malignant++, malignantMissed += top.label !== truth;
  });
  console.log(`${name.padEnd(18)} held-out accuracy ${(correct / rows.length).toFixed(4)} ` +
    `(${correct}/${rows.length}; malignant missed ${malignantMissed}/${malignant})`);
  await model.release();
}
