// wasm_imports.mjs — node scripts/wasm_imports.mjs <side module.wasm> <out.json>
// Writes the functions a side module (web/wisp_extra.wasm) imports from the core, as the JSON
// list emcc's -sEXPORTED_FUNCTIONS=@<out.json> reads, so the core exports exactly those
// (CMakeLists.txt). Rewritten only when it changes, so the core relinks only then.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const module = new WebAssembly.Module(readFileSync(input));
const names = WebAssembly.Module.imports(module)
  .filter((i) => i.module === 'env' && i.kind === 'function').map((i) => `_${i.name}`).sort();
// Helper threads have only the core's functions in their tables (src/wasm/extra.c)
const parallel = names.filter((n) => n.startsWith('_wisp_parallel'));
if (parallel.length) {
  console.error(`${input} calls ${parallel.join(', ')}: the extra module's code must run on the calling thread only`);
  process.exit(1);
}
const text = JSON.stringify(names) + '\n';
if (!existsSync(output) || readFileSync(output, 'utf8') !== text) writeFileSync(output, text);
