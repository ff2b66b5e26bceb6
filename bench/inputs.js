// inputs.js — the seeded inputs and the median of bench.js and browser.js (plain ES module: it
// runs in Node and in the benchmark page).

// mulberry32, so both runtimes (and every invocation) see the same inputs.
export function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Random data for one input: floats in [-1, 1); small ints (token ids), ones for masks.
export function makeData(name, type, size, r) {
  // masks all ones, token types all zero (BERT's type vocabulary has 2 entries), ids < 100
  const fixed = /mask/i.test(name) ? 1 : /token_type/i.test(name) ? 0 : null;
  switch (type) {
    case 'float32': return Float32Array.from({ length: size }, () => 2 * r() - 1);
    case 'int64': return BigInt64Array.from({ length: size }, () => BigInt(fixed ?? Math.floor(r() * 100)));
    case 'int32': return Int32Array.from({ length: size }, () => fixed ?? Math.floor(r() * 100));
    case 'bool': return Uint8Array.from({ length: size }, () => fixed ?? (r() < 0.5 ? 1 : 0));
    case 'uint8': return Uint8Array.from({ length: size }, () => Math.floor(r() * 256));
    case 'int8': return Int8Array.from({ length: size }, () => Math.floor(r() * 256) - 128);
    default: throw new Error(`bench: no random data for input '${name}' of type ${type}`);
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
