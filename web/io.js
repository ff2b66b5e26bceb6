// io.js — reading bytes from a path, URL or Response, in Node and in browsers, with abort,
// progress and a cache in one place.
//
//   const bytes = await readBytes(url, { signal, progress, file: 'onnx/model.onnx', cache: true });
//
// Cache: in browsers the Cache API (cache: true, or a cache name; default name 'wisp-models'), in
// Node a directory (cacheDir). Only http(s) files are cached. Each entry records the byte count
// (and the hub's sha256 where the server sent one) and is checked on every read, so a truncated or
// damaged entry is dropped and fetched again, never used.

import { WispError, abortError, throwIfAborted } from './errors.js';

export const isNode = typeof process !== 'undefined' && !!process.versions?.node;
export const DEFAULT_CACHE = 'wisp-models';
const SHA256 = /^"?([0-9a-f]{64})"?$/i;

// Where a string or URL points: a URL object (file: in Node for plain paths).
export async function toUrl(src, base) {
  if (src instanceof URL) return src;
  if (/^[a-z][a-z0-9+.-]+:/i.test(src)) return new URL(src); // a scheme (not a drive letter)
  if (base) return new URL(src, base);
  if (isNode) {
    const [{ pathToFileURL }, { resolve }] = await Promise.all([import('node:url'), import('node:path')]);
    return pathToFileURL(resolve(src));
  }
  return new URL(src, globalThis.document?.baseURI ?? globalThis.location?.href);
}

// Progress over every file of one load: per-file events plus the overall loaded/total.
//   {status: 'initiate'|'progress'|'done'|'ready', file, loaded, total, overall: {loaded, total}}
export function progressTracker(callback) {
  const files = new Map(); // file -> {loaded, total}
  const overall = () => {
    let loaded = 0, total = 0;
    for (const f of files.values()) loaded += f.loaded, total += Math.max(f.total, f.loaded);
    return { loaded, total };
  };
  const emit = (status, file, f) => callback?.({ status, file, loaded: f.loaded, total: f.total, overall: overall() });
  return {
    initiate(file, total = 0) {
      const f = { loaded: 0, total };
      files.set(file, f);
      emit('initiate', file, f);
    },
    progress(file, loaded, total) {
      const f = files.get(file) ?? { loaded: 0, total: 0 };
      Object.assign(f, { loaded, total: Math.max(total, loaded) });
      files.set(file, f);
      emit('progress', file, f);
    },
    done(file, size) {
      const f = files.get(file) ?? {};
      Object.assign(f, { loaded: size, total: size });
      files.set(file, f);
      emit('done', file, f);
    },
    ready(file) {
      const o = overall();
      callback?.({ status: 'ready', file, loaded: o.loaded, total: o.total, overall: o });
    },
  };
}

// The io options of a user's options object (a load() passes its own tracker down).
export const ioOptions = (o = {}) => ({
  signal: o.signal, cache: o.cache, cacheDir: o.cacheDir,
  tracker: o.tracker ?? (o.progress ? progressTracker(o.progress) : undefined),
});

const networkError = (url, why, extra = {}) =>
  new WispError('WISP_NETWORK', `wisp: fetching ${url} failed: ${why}`, { url, ...extra });

async function sha256Hex(bytes) {
  const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

// What the server says the whole file is: its size and, from the hub, its sha256.
function expected(res) {
  const encoded = res.headers.get('content-encoding');
  const size = encoded && encoded !== 'identity' ? 0 : Number(res.headers.get('content-length')) || 0;
  const tag = res.headers.get('x-linked-etag') ?? res.headers.get('etag') ?? '';
  return { size, sha256: SHA256.exec(tag.replace(/^W\//, ''))?.[1]?.toLowerCase() ?? null };
}

// Checks bytes against what was expected of them; a mismatch is a damaged download or entry.
async function verify(bytes, { size, sha256 }) {
  if (size && bytes.byteLength !== size) return `got ${bytes.byteLength} of ${size} bytes`;
  if (sha256 && (await sha256Hex(bytes)) !== sha256) return 'sha256 does not match';
  return null;
}

// Reads a Response's body, reporting progress and stopping on abort.
export async function readResponse(res, { url = res.url, signal, file, tracker } = {}) {
  const total = Number(res.headers.get('content-length')) || 0;
  const chunks = [];
  let loaded = 0;
  if (res.body) {
    const reader = res.body.getReader();
    const onAbort = () => reader.cancel().catch(() => {});
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        let r;
        try {
          r = await reader.read();
        } catch (e) {
          if (signal?.aborted) throw abortError(signal, `loading ${url}`);
          throw networkError(url, e.message, { cause: e });
        }
        throwIfAborted(signal, `loading ${url}`);
        if (r.done) break;
        chunks.push(r.value);
        loaded += r.value.byteLength;
        tracker?.progress(file, loaded, total);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) bytes.set(c, at), (at += c.byteLength);
  return bytes;
}

// ---- the browser cache (Cache API) ----

const cacheName = (cache) => (typeof cache === 'string' ? cache : DEFAULT_CACHE);
const hasCacheApi = () => typeof globalThis.caches?.open === 'function';

async function fromCacheApi(cache, url) {
  // storage can be refused (private modes, opaque origins): then there is no cache, not an error
  const store = await globalThis.caches.open(cache).catch(() => null);
  const hit = await store?.match(url);
  if (!hit) return null;
  const bytes = new Uint8Array(await hit.arrayBuffer());
  const want = { size: Number(hit.headers.get('x-wisp-size')) || -1, sha256: hit.headers.get('x-wisp-sha256') };
  if (!(await verify(bytes, want))) return bytes;
  await store.delete(url); // truncated or damaged: fetch it again
  return null;
}

async function toCacheApi(cache, url, bytes, sha256) {
  const headers = { 'content-type': 'application/octet-stream', 'x-wisp-size': String(bytes.byteLength) };
  if (sha256) headers['x-wisp-sha256'] = sha256;
  try {
    await (await globalThis.caches.open(cache)).put(url, new Response(bytes, { headers }));
  } catch {
    // quota exceeded or storage disabled: the model still loads, it just isn't kept
  }
}

// ---- the Node cache directory: <dir>/<host>/<path>, plus <file>.wisp.json {url, size, sha256} ----

async function nodeCachePath(dir, url) {
  const { join, resolve } = await import('node:path');
  const root = resolve(dir);
  // percent escapes kept as they are ('%' becomes '_'): decoding could make '/' or '..'
  const parts = [url.host.replace(/[^\w.-]/g, '_'), ...url.pathname.split('/').filter(Boolean)
    .map((p) => p.replace(/[^\w.@+=-]/g, '_').replace(/^\.+/, '_'))];
  const file = join(root, ...parts);
  return file.startsWith(root) ? file : null;
}

async function fromCacheDir(dir, url) {
  const file = await nodeCachePath(dir, url);
  if (!file) return null;
  const fs = await import('node:fs/promises');
  let meta, buf;
  try {
    meta = JSON.parse(await fs.readFile(`${file}.wisp.json`, 'utf8'));
    buf = await fs.readFile(file);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (meta.url === url.href && !(await verify(bytes, { size: meta.size ?? -1, sha256: meta.sha256 }))) return bytes;
  await fs.rm(`${file}.wisp.json`, { force: true });
  return null;
}

async function toCacheDir(dir, url, bytes, sha256) {
  const file = await nodeCachePath(dir, url);
  if (!file) return;
  const [fs, { dirname }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  try {
    await fs.mkdir(dirname(file), { recursive: true });
    // data first, then its record: a crash in between leaves an entry that is not trusted
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
    await fs.writeFile(`${file}.wisp.json`, JSON.stringify({ url: url.href, size: bytes.byteLength, sha256 }));
  } catch {
    // read-only or full disk: the model still loads, it just isn't kept
  }
}

// Reads the bytes at a URL (file: in Node, else fetch).
// options: signal, file (the name progress reports), tracker (progressTracker), optional (null
// instead of an error on 404 / ENOENT), cache (browser: true | cache name | false), cacheDir (Node).
export async function readBytes(url, options = {}) {
  const { signal, tracker, optional, cacheDir } = options;
  const file = options.file ?? url.href;
  const what = `loading ${url}`;
  throwIfAborted(signal, what);
  if (url.protocol === 'file:' && isNode) {
    const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
    tracker?.initiate(file);
    let buf;
    try {
      buf = await readFile(fileURLToPath(url), { signal });
    } catch (e) {
      if (e.name === 'AbortError') throw abortError(signal, what);
      if (e.code === 'ENOENT' && optional) return null;
      throw new WispError(e.code === 'ENOENT' ? 'WISP_NOT_FOUND' : 'WISP_IO', `wisp: reading ${url} failed: ${e.message}`, { url, cause: e });
    }
    tracker?.done(file, buf.byteLength);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const web = /^https?:$/.test(url.protocol);
  const cacheApi = web && !isNode && options.cache !== false && options.cache !== undefined && hasCacheApi();
  const dir = web && isNode && cacheDir ? cacheDir : null;
  if (cacheApi || dir) {
    const hit = cacheApi ? await fromCacheApi(cacheName(options.cache), url) : await fromCacheDir(dir, url);
    if (hit) {
      tracker?.initiate(file, hit.byteLength);
      tracker?.done(file, hit.byteLength);
      return hit;
    }
  }
  tracker?.initiate(file);
  let res;
  try {
    res = await fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw abortError(signal, what);
    const why = e.cause?.code ?? e.cause?.message ?? e.message;
    throw networkError(url, `${e.message}${why && why !== e.message ? ` (${why})` : ''}`, { cause: e });
  }
  if (res.status === 404 && optional) return null;
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw networkError(url, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, { status: res.status });
  }
  const want = expected(res);
  const bytes = await readResponse(res, { url, signal, file, tracker });
  const bad = await verify(bytes, want);
  if (bad) throw networkError(url, `incomplete download: ${bad}`);
  tracker?.done(file, bytes.byteLength);
  if (cacheApi) await toCacheApi(cacheName(options.cache), url, bytes, want.sha256);
  if (dir) await toCacheDir(dir, url, bytes, want.sha256);
  return bytes;
}

// Cached files: [{url, size}]. options: cache (a browser cache name) or cacheDir (Node).
export async function listCached(options = {}) {
  if (isNode) {
    if (!options.cacheDir) return [];
    const [fs, { join }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    const out = [];
    const walk = async (d) => {
      for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.name.endsWith('.wisp.json')) {
          const m = JSON.parse(await fs.readFile(p, 'utf8').catch(() => 'null'));
          if (m?.url) out.push({ url: m.url, size: m.size, path: p.slice(0, -'.wisp.json'.length) });
        }
      }
    };
    await walk(options.cacheDir);
    return out;
  }
  if (!hasCacheApi()) return [];
  const store = await globalThis.caches.open(cacheName(options.cache));
  const out = [];
  for (const req of await store.keys()) {
    out.push({ url: req.url, size: Number((await store.match(req))?.headers.get('x-wisp-size')) });
  }
  return out;
}

// Deletes the cached files whose URL starts with `prefix` (all of them without one); returns
// how many it deleted. options as for listCached.
export async function deleteCached(prefix = '', options = {}) {
  const p = prefix instanceof URL ? prefix.href : String(prefix);
  const doomed = (await listCached(options)).filter((e) => e.url.startsWith(p));
  if (isNode) {
    const fs = await import('node:fs/promises');
    for (const e of doomed) await Promise.all([fs.rm(e.path, { force: true }), fs.rm(`${e.path}.wisp.json`, { force: true })]);
  } else if (doomed.length) {
    const store = await globalThis.caches.open(cacheName(options.cache));
    for (const e of doomed) await store.delete(e.url);
  }
  return doomed.length;
}
