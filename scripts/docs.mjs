// Writes docs/API.md from web/index.d.ts: every export, its JSDoc, its members, grouped by the
// file's "// ---- section ----" comments. `node scripts/docs.mjs --check` only compares (CI).
// The declarations are parsed by the installed TypeScript 7 through its API (typescript/unstable/*:
// the native compiler's, still marked unstable), against the program tests/types type-checks.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API } from 'typescript/unstable/sync';
import { SyntaxKind } from 'typescript/unstable/ast';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = `${root}web/index.d.ts`;
const target = `${root}docs/API.md`;

const api = new API({ cwd: root });
let file;
try {
  const snapshot = api.updateSnapshot({ openProjects: [`${root}tests/types/tsconfig.json`] });
  file = snapshot.getProjects()[0].program.getSourceFile(source);
  if (!file) throw new Error(`${source} is not in the tests/types program`);
  file = { text: file.text, statements: [...file.statements].map(plain) };
} finally {
  api.close();
}

// The parts of a node this script reads, copied out of the API's lazily decoded tree.
function plain(node) {
  return {
    kind: node.kind,
    pos: node.pos,
    end: node.end,
    name: node.name?.text,
    nameEnd: node.name?.end,
    docEnd: node.jsDoc?.length ? node.jsDoc[node.jsDoc.length - 1].end : undefined,
    docPos: node.jsDoc?.length ? node.jsDoc[0].pos : undefined,
    modifiers: node.modifiers ? [...node.modifiers].map((m) => m.kind) : [],
    members: node.members ? [...node.members].map(plain) : undefined,
  };
}

const text = file.text;

function skipTrivia(pos) {
  for (;;) {
    const rest = text.slice(pos);
    const m = /^(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
    if (!m) return pos;
    pos += m[0].length;
  }
}

function docOf(node) {
  if (node.docPos === undefined) return '';
  const raw = text.slice(text.indexOf('/**', node.docPos), node.docEnd);
  return raw.replace(/^\/\*\*|\*\/$/g, '').split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trim())
    .join(' ').replace(/\s+/g, ' ').trim();
}

/** The node's own text: no leading comments, whitespace collapsed to one line. */
function oneLine(node) {
  const start = node.docEnd !== undefined ? skipTrivia(node.docEnd) : skipTrivia(node.pos);
  return text.slice(start, node.end).replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/,? \)/g, ')')
    .replace(/^export (declare )?/, '').replace(/[;,]$/, '').trim();
}

function ownText(node) {
  const start = node.docEnd !== undefined ? skipTrivia(node.docEnd) : skipTrivia(node.pos);
  return text.slice(start, node.end).replace(/^export (declare )?/, '');
}

const KINDS = {
  [SyntaxKind.InterfaceDeclaration]: 'interface',
  [SyntaxKind.ClassDeclaration]: 'class',
  [SyntaxKind.TypeAliasDeclaration]: 'type',
  [SyntaxKind.FunctionDeclaration]: 'function',
  [SyntaxKind.VariableStatement]: 'const',
};

const cell = (s) => s.replace(/\|/g, '\\|');

// Sections from the "// ---- name ----" comments; consecutive overloads of a function are one item.
const sections = [];
for (const st of file.statements) {
  if (!st.modifiers.includes(SyntaxKind.ExportKeyword)) continue;
  const kind = KINDS[st.kind];
  if (!kind) throw new Error(`docs.mjs: no rule for ${SyntaxKind[st.kind]} in ${source}`);
  for (const m of text.slice(st.pos, skipTrivia(st.pos)).matchAll(/^\/\/ ---- (.+) ----$/gm))
    sections.push({ title: m[1][0].toUpperCase() + m[1].slice(1), items: [] });
  if (!sections.length) sections.push({ title: 'Exports', items: [] });
  const items = sections[sections.length - 1].items;
  const name = st.name ?? /^(?:export )?(?:declare )?const (\w+)/.exec(ownText(st))[1];
  const last = items[items.length - 1];
  if (kind === 'function' && last?.kind === 'function' && last.name === name) last.nodes.push(st);
  else items.push({ kind, name, nodes: [st] });
}

function anchor(item) {
  return `${item.kind}-${item.name}`.toLowerCase();
}

function renderItem(item) {
  const [node] = item.nodes;
  const out = [`### ${item.kind} \`${item.name}\``, ''];
  const doc = item.nodes.map(docOf).filter(Boolean).join(' ');
  if (doc) out.push(doc, '');
  if (item.kind === 'interface' || item.kind === 'class') {
    const head = text.slice(skipTrivia(node.docEnd ?? node.pos), text.indexOf('{', node.nameEnd));
    out.push('```ts', head.replace(/^export (declare )?/, '').replace(/\s+/g, ' ').trim(), '```', '');
    const members = node.members.filter((m) => !m.modifiers.includes(SyntaxKind.PrivateKeyword));
    if (members.length) {
      out.push('| Member | Description |', '| --- | --- |');
      for (const m of members) out.push(`| \`${cell(oneLine(m))}\` | ${cell(docOf(m))} |`);
      out.push('');
    }
  } else {
    out.push('```ts', ...item.nodes.map((n) => ownText(n)), '```', '');
  }
  return out;
}

const lines = [
  '# wisp-onnx API reference',
  '',
  '<!-- Generated from web/index.d.ts by `npm run docs` (scripts/docs.mjs): edit those, not this. -->',
  '',
  'Every export of the package (`import { ... } from \'wisp-onnx\'`), as declared in',
  '[web/index.d.ts](../web/index.d.ts). The README shows them in use.',
  '',
];
for (const s of sections)
  lines.push(`- **${s.title}**: ${s.items.map((i) => `[${i.name}](#${anchor(i)})`).join(', ')}`);
lines.push('');
for (const s of sections) {
  lines.push(`## ${s.title}`, '');
  for (const item of s.items) lines.push(...renderItem(item));
}
const md = lines.join('\n').replace(/\n+$/, '\n');

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: reported below as out of date
  }
  if (current !== md) {
    console.error('docs/API.md is out of date with web/index.d.ts: run `npm run docs`');
    process.exit(1);
  }
} else {
  writeFileSync(target, md);
}
