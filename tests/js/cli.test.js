// cli.test.js — bin/wisp.js on the shipped models: every good row comes out once, in order, with
// the library's own result; every bad row is reported with its file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../../web/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wisp-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name, text) => (writeFileSync(join(dir, name), text), join(dir, name));
const cli = (args, input) => {
  const r = spawnSync(process.execPath, [`${root}bin/wisp.js`, ...args], { input, encoding: 'utf8', cwd: root });
  return { ...r, rows: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
};
const close = (a, b, what) => {
  const [x, y] = [a.flat ? a : [a], b.flat ? b : [b]];
  assert.equal(x.length, y.length, what);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) <= 1e-5, `${what}[${i}]: ${v} vs ${y[i]}`));
};

const MAILS = ['WIN a FREE cruise!!! Reply now', 'Can we move the meeting to 3pm?', 'URGENT: verify your password',
  'Lunch tomorrow?', 'Cheap meds, no prescription', 'Minutes of the board meeting attached'];

test('classify a text file: rows in = rows out, a blank line reported with its line number', async () => {
  const lines = [...MAILS.slice(0, 3), '', ...MAILS.slice(3)];
  const f = file('mails.txt', `${lines.join('\n')}\n`);
  const r = cli(['classify', 'models/spam-bert', f, '--topk', '2', '--batch-size', '4', '--workers', '2']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`${f}:4: empty text`));
  assert.match(r.stderr, /1 bad row skipped; 6 rows written/);
  assert.deepEqual(r.rows.map((x) => x.line), [1, 2, 3, 5, 6, 7]);
  const model = await load('models/spam-bert');
  for (const [i, row] of r.rows.entries()) {
    const want = await model.classify(MAILS[i], { topk: 2 });
    assert.deepEqual(row.result.map((x) => x.label), want.map((x) => x.label));
    close(row.result.map((x) => x.score), want.map((x) => x.score), `row ${row.line}`);
  }
  await model.release();
});

test('JSONL: ids kept, bad JSON and missing fields reported; --strict stops at the first (exit 3)', () => {
  const lines = [JSON.stringify({ id: 'a', text: MAILS[0] }), '{"id": "b", "text": ', JSON.stringify({ id: 'c', body: 'x' }),
    JSON.stringify(MAILS[1]), JSON.stringify({ id: 'e', text: MAILS[2] })];
  const f = file('mails.jsonl', `${lines.join('\n')}\n`);
  const r = cli(['classify', 'models/spam-bert', f, '--workers', '1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`${f}:2: .*JSON`));
  assert.match(r.stderr, new RegExp(`${f}:3: no text`));
  assert.deepEqual(r.rows.map((x) => [x.line, x.id]), [[1, 'a'], [4, undefined], [5, 'e']]);
  const s = cli(['classify', 'models/spam-bert', f, '--strict', '--batch-size', '1', '--workers', '1']);
  assert.equal(s.status, 3);
  assert.match(s.stderr, /:2: .*stopped at a bad row/s);
  assert.deepEqual(s.rows.map((x) => x.line), [1]);
});

test('embed from stdin matches model.embed', async () => {
  const r = cli(['embed', 'models/spam-bert', '--normalize', '--workers', '2', '--batch-size', '2'], MAILS.join('\n'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.rows.length, MAILS.length);
  const model = await load('models/spam-bert');
  for (const [i, row] of r.rows.entries()) {
    assert.equal(row.file, '<stdin>');
    close(row.result, Array.from(await model.embed(MAILS[i], { normalize: true })), `row ${i}`);
  }
  await model.release();
});

test('CSV rows for a tabular model: numbers parsed, a bad value reported, results as the library', async () => {
  const model = await load('models/breast-cancer-mlp');
  const names = model.config.feature_names;
  const rows = Array.from({ length: 7 }, (_, r) => names.map((_, k) => ((r + 1) * (k + 3) * 0.37) % 20 + 0.1));
  const csv = [['id', ...names].map((n) => `"${n}"`).join(','),
    ...rows.map((v, r) => [`r${r}`, ...v.map((x, k) => (r === 3 && k === 5 ? 'n/a' : String(x)))].join(','))];
  const f = file('cells.csv', `${csv.join('\n')}\n`);
  const r = cli(['classify', 'models/breast-cancer-mlp', f, '--batch-size', '3', '--workers', '2']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`${f}:5: .*${names[5]}.*must be a number`));
  assert.deepEqual(r.rows.map((x) => x.id), ['r0', 'r1', 'r2', 'r4', 'r5', 'r6']);
  for (const row of r.rows) {
    const want = await model.classify(rows[Number(row.id.slice(1))]);
    close(row.result.map((x) => x.score), want.map((x) => x.score), row.id);
  }
  const p = cli(['predict', 'models/spam-bert', f]);
  assert.equal(p.status, 1);
  assert.match(p.stderr, /predict is for tabular/);
  await model.release();
});

test('image rows as JSON for models/fashion-cnn; usage errors exit 1', async () => {
  const images = [0, 1, 2].map((k) => ({ data: Array.from({ length: 784 }, (_, i) => (i * (k + 3)) % 256), width: 28, height: 28, channels: 1 }));
  const f = file('images.jsonl', images.map((image, id) => JSON.stringify({ id, image })).join('\n'));
  const r = cli(['classify', 'models/fashion-cnn', f, '--field', 'image', '--topk', '3']);
  assert.equal(r.status, 0, r.stderr);
  const model = await load('models/fashion-cnn');
  for (const row of r.rows) {
    const want = await model.classify({ ...images[row.id], data: Uint8Array.from(images[row.id].data) }, { topk: 3 });
    close(row.result.map((x) => x.score), want.map((x) => x.score), `image ${row.id}`);
  }
  await model.release();
  assert.equal(cli(['score', 'models/spam-bert']).status, 1);
  assert.equal(cli(['classify', 'models/spam-bert', '--batch-size', '0']).status, 1);
  assert.match(cli(['classify', 'models/no-such-folder', f]).stderr, /cannot load/);
  const missing = cli(['classify', 'models/spam-bert', f, join(dir, 'nope.txt')]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stdout, '', 'nothing scored before a missing input is noticed');
});

test('--progress draws a bar with rows/s on stderr', () => {
  const f = file('few.txt', `${MAILS.join('\n')}\n`);
  const r = cli(['classify', 'models/spam-bert', f, '--progress', '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /\r\[#+\.*\] +\d+% \d+ rows, [\d.]+ rows\/s/);
  assert.match(r.stderr, /\[#{30}\] 100% 6 rows/);
});

test('zero-shot: --labels on an NLI folder and on a CLIP folder equal the library; misuse exits 1', async () => {
  const texts = ['my phone overheats since the update', 'the invoice was charged twice', 'we booked a flight'];
  const labels = ['mobile', 'billing', 'travel'];
  const nli = await load('tests/fixtures/nli-tiny');
  for (const extra of [[], ['--multi-label', '--hypothesis-template', 'About {}.']]) {
    const r = cli(['classify', 'tests/fixtures/nli-tiny', '--labels', labels.join(','), '--topk', '3', '--batch-size', '2', '--workers', '2', ...extra], texts.join('\n'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.rows.length, texts.length);
    const options = { labels, ...(extra.length && { multiLabel: true, hypothesisTemplate: 'About {}.' }) };
    for (const [i, row] of r.rows.entries()) {
      const want = await nli.classify(texts[i], options);
      assert.deepEqual(row.result.map((x) => x.label), want.map((x) => x.label));
      close(row.result.map((x) => x.score), want.map((x) => x.score), `${extra} row ${i}`);
    }
  }
  await nli.release();

  const images = [0, 1].map((k) => ({ data: Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * (k + 2)) % 256), width: 32, height: 32, channels: 3 }));
  const f = file('clip.jsonl', images.map((image, id) => JSON.stringify({ id, image })).join('\n'));
  const r = cli(['classify', 'tests/fixtures/clip-tiny', f, '--field', 'image', '--labels', 'cat,dog,car', '--workers', '1']);
  assert.equal(r.status, 0, r.stderr);
  const clip = await load('tests/fixtures/clip-tiny');
  for (const row of r.rows) {
    const want = await clip.classify({ ...images[row.id], data: Uint8Array.from(images[row.id].data) }, { labels: ['cat', 'dog', 'car'] });
    close(row.result.map((x) => x.score), want.map((x) => x.score), `clip image ${row.id}`);
  }
  await clip.release();

  assert.match(cli(['classify', 'models/spam-bert', '--labels', 'a,b'], 'x').stderr, /--labels needs an NLI text model.*ham, spam/);
  assert.match(cli(['classify', 'tests/fixtures/clip-tiny'], 'x').stderr, /needs --labels/);
  for (const args of [['embed', 'models/spam-bert', '--labels', 'a'], ['classify', 'models/spam-bert', '--labels', 'a,,b'],
    ['classify', 'models/spam-bert', '--multi-label']]) {
    const u = cli(args, 'x');
    assert.equal(u.status, 1, args.join(' '));
    assert.match(u.stderr, /--labels|--multi-label/);
  }
});

test('output closed early (| head): stops quietly with exit code 0', async () => {
  const { spawn } = await import('node:child_process');
  const f = file('many.txt', `${Array.from({ length: 400 }, (_, i) => `${MAILS[i % MAILS.length]} ${i}`).join('\n')}\n`);
  const child = spawn(process.execPath, [`${root}bin/wisp.js`, 'classify', 'models/spam-bert', f, '--workers', '1', '--batch-size', '8'], { cwd: root });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const first = await new Promise((resolve) => {
    let got = '';
    child.stdout.on('data', (d) => {
      got += d;
      if (got.includes('\n')) resolve(got.slice(0, got.indexOf('\n')));
    });
  });
  child.stdout.destroy(); // as head does after its lines
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(JSON.parse(first).line, 1);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});

test('the progress bar is on when stderr is a terminal, off when it is not', { skip: !existsSync('/usr/bin/script') && 'no script(1)' }, () => {
  const f = file('tty.txt', `${MAILS.join('\n')}\n`);
  // script(1) runs the CLI on a pseudo-terminal; its output (both streams) comes back on stdout
  const cmd = [process.execPath, `${root}bin/wisp.js`, 'classify', 'models/spam-bert', f, '--workers', '1'].map((a) => `'${a}'`).join(' ');
  const tty = spawnSync('/usr/bin/script', ['-qec', `${cmd} >/dev/null`, '/dev/null'], { encoding: 'utf8', cwd: root });
  assert.equal(tty.status, 0, tty.stdout);
  assert.match(tty.stdout, /\[#{30}\] 100% 6 rows, [\d.]+ rows\/s/);
  const piped = cli(['classify', 'models/spam-bert', f, '--workers', '1']);
  assert.equal(piped.status, 0);
  assert.equal(piped.stderr, '');
  assert.equal(piped.rows.length, 6);
});
