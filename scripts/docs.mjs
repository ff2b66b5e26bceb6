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
    docEnd: node.jsDoc?.length ? node.jsDoc[node.jsDoc.length - 1].end : undefined,
    docPos: node.jsDoc?.length ? node.jsDoc[0].pos : undefined,
    modifiers: node.modifiers ? [...node.modifiers].map((m) => m.kind) : [],
    members: node.members ? [...node.members].map(plain) : undefined,
  };
}

const text = file.text;

const TRIVIA = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\//y;
function skipTrivia(pos) {
  for (;;) {
    TRIVIA.lastIndex = pos;
    if (!TRIVIA.exec(text)) return pos;
    pos = TRIVIA.lastIndex;
  }
}

function docOf(node) {
  if (node.docPos === undefined) return '';
  const raw = text.slice(text.indexOf('/**', node.docPos), node.docEnd);
  return raw.replace(/^\/\*\*|\*\/$/g, '').split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trim())
    .join(' ').replace(/\s+/g, ' ').trim();
}

/** The node's source without its leading comments and `export`. */
function ownText(node) {
  const start = skipTrivia(node.docEnd ?? node.pos);
  return text.slice(start, node.end).replace(/^export (declare )?/, '');
}

/** The same on one line, for a table cell. */
function oneLine(node) {
  return ownText(node).replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/,? \)/g, ')')
    .replace(/[;,]$/, '').trim();
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
  const name = st.name ?? /^const (\w+)/.exec(ownText(st))[1];
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
    const own = ownText(node);
    const head = own.slice(0, own.indexOf('{', own.indexOf(item.name)));
    out.push('```ts', head.replace(/\s+/g, ' ').trim(), '```', '');
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
