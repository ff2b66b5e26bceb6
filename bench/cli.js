// cli.js — the CLI's throughput: rows per second scoring real mails (the SpamAssassin corpus, as
// models/spam-bert/mail.js extracts them) with models/spam-bert, one worker thread vs one per
// core. Runs alternate (1, N, 1, N, ...) so load on a shared machine hits both alike; wall time
// includes starting the workers and loading the model, as a user sees it.
//
//   node bench/cli.js [rows=2000] [repeats=3] [batch=32]

import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from '../models/spam-bert/mail.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const [rows = 2000, repeats = 3, batch = 32] = process.argv.slice(2).map(Number);
const corpus = loadCorpus();
const lines = Array.from({ length: rows }, (_, i) => JSON.stringify({ id: corpus[i % corpus.length].id, text: corpus[i % corpus.length].text }));
const dir = mkdtempSync(join(tmpdir(), 'wisp-bench-cli-'));
const file = join(dir, 'mails.jsonl');
writeFileSync(file, `${lines.join('\n')}\n`);

const cores = availableParallelism();
const times = { 1: [], [cores]: [] };
for (let r = 0; r < repeats; r++) {
  for (const workers of r % 2 ? [cores, 1] : [1, cores]) {
    const t0 = process.hrtime.bigint();
    const p = spawnSync(process.execPath, [`${root}bin/wisp.js`, 'classify', `${root}models/spam-bert`, file,
      '--workers', String(workers), '--batch-size', String(batch), '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (p.status !== 0) throw new Error(p.stderr);
    const out = p.stdout.split('\n').filter(Boolean).length;
    if (out !== rows) throw new Error(`${out} rows out of ${rows}`);
    times[workers].push(secs);
  }
}
rmSync(dir, { recursive: true });
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const result = Object.fromEntries(Object.entries(times).map(([w, t]) => [`workers_${w}`, { rows_per_s: +(rows / median(t)).toFixed(1), median_s: +median(t).toFixed(2) }]));
console.log(JSON.stringify({ model: 'models/spam-bert', rows, batch, cores, repeats, ...result, speedup: +(median(times[1]) / median(times[cores])).toFixed(2) }));
