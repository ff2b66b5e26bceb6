// errors.js — Errors with a `code` callers can branch on without parsing messages.
//
//   try { await load(url) } catch (e) { if (e.code === 'WISP_NETWORK') showOfflineNote(e.url) }

// wisp_status (src/status.h) -> code.
const STATUS_CODES = {
  1: 'WISP_BAD_MODEL', 2: 'WISP_UNSUPPORTED_OP', 3: 'WISP_BAD_INPUT', 4: 'WISP_NO_MEMORY', 5: 'WISP_RUNTIME',
};

export class WispError extends Error {
  // extra: {cause, url, status} — kept on the error for network failures
  constructor(code, message, extra = {}) {
    super(message, extra.cause ? { cause: extra.cause } : undefined);
    this.name = 'WispError';
    this.code = code;
    if (extra.url !== undefined) this.url = String(extra.url);
    if (extra.status !== undefined) this.status = extra.status;
  }

  // Any Error with a WISP_ code, so the TypeErrors and RangeErrors of coded() count too.
  static [Symbol.hasInstance](e) {
    return e instanceof Error && typeof e.code === 'string' && e.code.startsWith('WISP_');
  }
}

// An Error of class Kind (Error, TypeError, RangeError: what callers of an onnxruntime-web-shaped
// API may already test for, and its usual name in messages) with a code.
export function coded(code, message, Kind = Error, extra = {}) {
  return Object.assign(new Kind(message, extra.cause ? { cause: extra.cause } : undefined), { code });
}

// What the caller passed is wrong (tensors, feeds, options, rows, images, text).
export const badInput = (message, Kind, extra) => coded('WISP_BAD_INPUT', message, Kind, extra);
// What the model's folder holds is wrong (config.json, preprocessor_config.json, its graph).
export const badModel = (message, Kind, extra) => coded('WISP_BAD_MODEL', message, Kind, extra);

// The Error for a failed C call: its message is wisp_last_error(), its code from the status the
// call returned or, for calls that return a null handle, the last status C recorded.
export function wasmError(wasm, status) {
  const s = status || wasm.exports.wisp_wasm_last_status?.() || 0;
  return new WispError(STATUS_CODES[s] ?? 'WISP_ERROR', `wisp: ${wasm.lastError()}`);
}

export const abortError = (signal, what) => new WispError('WISP_ABORTED',
  `wisp: ${what} aborted${signal?.reason?.message ? `: ${signal.reason.message}` : ''}`, { cause: signal?.reason });

export function throwIfAborted(signal, what = 'operation') {
  if (signal?.aborted) throw abortError(signal, what);
}
