// text.js — text input for classify / embed: tokenize with npm @huggingface/tokenizers (WordPiece,
// BPE, Unigram from the folder's tokenizer.json + tokenizer_config.json), truncate to the model's
// maximum length, pad a batch to its longest row, and feed input_ids / attention_mask /
// token_type_ids (and position_ids) only where the model has those inputs.
//
//   const adapter = await createTextAdapter(session, { config, tokenizer, tokenizerConfig });
//   const { feeds, mask } = await adapter.feeds(['free money!!!', 'see you at 5'], session);
//   // feeds.input_ids: Tensor int64 (2, T); mask: Uint8Array (2·T), 1 where a real token is
//
// Sequence pairs (NLI zero-shot: premise, hypothesis) go through the tokenizer's pair template;
// when a pair is too long the first text is cut, as Python transformers' zero-shot pipeline does
// (truncation 'only_first'), so the hypothesis and the closing special tokens stay.
//
// The tokenizer package is imported by its bare name, '@huggingface/tokenizers': Node resolves
// it from node_modules; a page without a bundler maps it with an import map (see README), e.g.
//   <script type="importmap">{"imports": {"@huggingface/tokenizers":
//     "/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs"}}</script>
// It is loaded only when a text model is, so image and tabular pages need no map. Workers get no
// import maps, so in a browser it is also looked for next to web/ (see importTokenizers).

import { Tensor } from './session.js';
import { isNode } from './io.js';
import { coded, badInput, badModel } from './errors.js';

const NO_LIMIT = 1e6; // transformers writes model_max_length = 1e30 for "no limit"

async function importTokenizers() {
  try {
    return await import('@huggingface/tokenizers');
  } catch (e) {
    // Module workers have no import maps: try where a static server of this repo (or of an
    // npm install of wisp) has the package, relative to web/.
    for (const rel of isNode ? [] : ['../node_modules/@huggingface/tokenizers/dist/tokenizers.mjs',
      '../../@huggingface/tokenizers/dist/tokenizers.mjs']) {
      try {
        return await import(new URL(rel, import.meta.url).href);
      } catch {
        // not there either: try the next place
      }
    }
    throw coded('WISP_NOT_FOUND', 'wisp: text models need the npm package @huggingface/tokenizers. In Node: npm install ' +
      '@huggingface/tokenizers. In a page without a bundler, map it with an import map: ' +
      '{"imports": {"@huggingface/tokenizers": "<where it is>/dist/tokenizers.mjs"}}', undefined, { cause: e });
  }
}

// The longest sequence (special tokens included) the model takes.
export function maxLengthOf(config = {}, tokenizerConfig = {}) {
  const limits = [tokenizerConfig?.model_max_length, config?.max_position_embeddings]
    .filter((n) => Number.isFinite(n) && n > 0 && n < NO_LIMIT);
  return limits.length ? Math.min(...limits) : 512;
}

export async function createTextAdapter(session, files) {
  const { config = {}, tokenizer: tokenizerJson, tokenizerConfig = {} } = files;
  if (!tokenizerJson) throw coded('WISP_NOT_FOUND', 'wisp: a text model needs tokenizer.json in its folder');
  const { Tokenizer } = await importTokenizers();
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig ?? {});
  const maxLength = maxLengthOf(config, tokenizerConfig);
  const post = tokenizer.post_processor;
  const nSpecial = post ? post([], null, true).tokens.length : 0;
  if (maxLength <= nSpecial) throw badModel(`wisp: max length ${maxLength} leaves no room for text`);
  const unk = tokenizer.model.unk_token_id;
  const toId = (t) => tokenizer.token_to_id(t) ?? unk;
  const padToken = tokenizerConfig?.pad_token?.content ?? tokenizerConfig?.pad_token;
  const padId = (typeof padToken === 'string' ? tokenizer.token_to_id(padToken) : undefined) ??
    config.pad_token_id ?? 0;
  const truncateLeft = tokenizerConfig?.truncation_side === 'left';
  const padLeft = tokenizerConfig?.padding_side === 'left';

  let nSpecialPair; // known at the first pair: single-text tokenizers may have no pair template
  const pairSpecials = () => {
    try {
      return (nSpecialPair ??= post ? post([], [], true).tokens.length : 0);
    } catch (e) {
      throw badModel('wisp: this tokenizer.json has no template for text pairs', Error, { cause: e });
    }
  };
  const cut = (tokens, room) => (tokens.length <= room ? tokens
    : truncateLeft ? tokens.slice(tokens.length - room) : tokens.slice(0, room));

  // One text (or a pair) -> {ids, types}: pieces, truncated so that with the special tokens it fits.
  function encode(text, pair = null) {
    if (typeof text !== 'string') {
      throw badInput(`wisp: text input must be a string (or an array of strings), got ${text === null ? 'null' : typeof text}`, TypeError);
    }
    let tokens = tokenizer.tokenize(text, { add_special_tokens: false });
    let second = null;
    if (pair === null) {
      tokens = cut(tokens, maxLength - nSpecial);
    } else {
      second = tokenizer.tokenize(pair, { add_special_tokens: false });
      const room = maxLength - pairSpecials() - second.length;
      if (room < 1) {
        const shown = pair.length > 60 ? `${pair.slice(0, 60)}…` : pair;
        throw badInput(`wisp: '${shown}' takes ${second.length} tokens, leaving no room for the text in the ` +
          `model's ${maxLength}`, RangeError);
      }
      tokens = cut(tokens, room);
    }
    const done = post ? post(tokens, second, true) : { tokens: second ? [...tokens, ...second] : tokens };
    return {
      ids: done.tokens.map(toId),
      types: done.token_type_ids ?? new Array(done.tokens.length).fill(0),
    };
  }

  const typeOf = (name) => session.inputMetadata?.find((m) => m.name === name)?.type ?? 'int64';

  return {
    kind: 'text',
    tokenizer,
    maxLength,
    encode,
    isBatch: (input) => Array.isArray(input),
    // items: strings -> feeds for the session's text inputs, and the attention mask (N·T).
    // first: the index of items[0] in the caller's batch (Model's slices), for messages; pairs:
    // the second text of each item, for sequence-pair models.
    async feeds(items, sess = session, files = null, first = 0, pairs = null) {
      const rows = items.map((text, i) => {
        try {
          return encode(text, pairs ? pairs[i] : null);
        } catch (e) {
          if ((items.length > 1 || first) && e instanceof TypeError) throw badInput(`${e.message} (item ${first + i})`, TypeError);
          throw e;
        }
      });
      const n = rows.length, t = Math.max(...rows.map((r) => r.ids.length));
      const ids = new Array(n * t).fill(padId), types = new Array(n * t).fill(0);
      const mask = new Uint8Array(n * t), positions = new Array(n * t).fill(0);
      rows.forEach((r, i) => {
        const at = i * t + (padLeft ? t - r.ids.length : 0);
        for (let k = 0; k < r.ids.length; k++) {
          ids[at + k] = r.ids[k];
          types[at + k] = r.types[k];
          mask[at + k] = 1;
          positions[at + k] = k;
        }
      });
      const values = { input_ids: ids, attention_mask: mask, token_type_ids: types, position_ids: positions };
      const feeds = {};
      for (const name of sess.inputNames) {
        if (!(name in values)) continue; // run() names whatever the model needs that text can't give
        const type = typeOf(name);
        const data = type === 'int32' ? Int32Array.from(values[name]) : BigInt64Array.from(values[name], BigInt);
        feeds[name] = new Tensor(type === 'int32' ? 'int32' : 'int64', data, [n, t]);
      }
      if (!feeds.input_ids) {
        throw badModel(`wisp: the model has no input_ids input (its inputs: ${sess.inputNames.join(', ')})`);
      }
      return { feeds, mask };
    },
  };
}
