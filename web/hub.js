// hub.js — which files a Hugging Face hub folder has, from the hub's file listing
// (GET <host>/api/models/<id>[/revision/<rev>] -> siblings[].rfilename), so that load() asks only
// for files that exist: no 404 (a console error on a page) for an optional file a repo lacks.

import { readBytes } from './io.js';
import { WispError } from './errors.js';

export const HUB = 'https://huggingface.co';

// base: a folder URL; host: the hub's address (load()'s options.host). A hub folder is
// <host>/<org>/<name>/resolve/<revision>/[<subfolder>/]; anything else is a plain folder.
export function hubFolder(base, host = HUB) {
  const m = /^\/([\w.-]+\/[\w.-]+)\/resolve\/([^/]+)\/(.*)$/.exec(base.pathname);
  if (!m || base.origin !== new URL(host).origin) return null;
  const [, id, revision, prefix] = m;
  return { id, revision, prefix, api: new URL(`/api/models/${id}${revision === 'main' ? '' : `/revision/${revision}`}`, base) };
}

// The files of a hub folder, relative to it (a Set), or null for a plain folder or a host that
// gives no listing (a mirror without the API): then load() reads the folder as a plain one. The
// listing is read (and cached) like the model's files, so an offline load finds it too.
export async function hubFiles(base, host, io = {}) {
  const hub = hubFolder(base, host);
  if (!hub) return null;
  const bytes = await readBytes(hub.api, { ...io, tracker: undefined, optional: true });
  if (!bytes) return null;
  let siblings;
  try {
    siblings = JSON.parse(new TextDecoder().decode(bytes)).siblings;
  } catch (e) {
    throw new WispError('WISP_NETWORK', `wisp.load: the file listing ${hub.api} is not JSON: ${e.message}`, { url: hub.api, cause: e });
  }
  if (!Array.isArray(siblings)) return null;
  const files = new Set();
  for (const s of siblings) {
    const name = s?.rfilename;
    if (typeof name === 'string' && name.startsWith(hub.prefix)) files.add(name.slice(hub.prefix.length));
  }
  return files;
}
