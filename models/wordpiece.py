"""BERT WordPiece tokenization in plain Python: a trainer that builds a vocabulary from text, a
writer for the standard tokenizer.json / tokenizer_config.json that Hugging Face tokenizers
(Rust, Python) and npm @huggingface/tokenizers load, and a reference encoder.

The encoder follows Hugging Face's BertTokenizer (BasicTokenizer + WordpieceTokenizer in
transformers/models/bert/tokenization_bert.py) and is written independently of the JS library,
so tests can check web/text.js against it:

  normalize   drop NUL, U+FFFD and control chars, whitespace -> ' ', spaces around CJK
              ideographs, lowercase, strip accents (NFD, drop Mn)
  pre-split   on whitespace, then every punctuation char is a word of its own
  WordPiece   greedy longest match left to right, continuations prefixed '##'; a word longer
              than 100 chars, or with any piece not in the vocabulary, is [UNK]

The trainer is WordPiece as Hugging Face's WordPieceTrainer does it: BPE merges over words (first
char as is, the rest as '##c'), most frequent pair first, until the vocabulary is full.

No third-party packages (the `tokenizers` Python package is not available here).
"""
import heapq
import json
import unicodedata
from collections import Counter

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]  # ids 0..4
MAX_CHARS_PER_WORD = 100


def _is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def _is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def normalize(text):
    out = []
    for c in text:
        cp = ord(c)
        if cp == 0 or cp == 0xFFFD or _is_control(c):
            continue
        if _is_whitespace(c):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {c} ")
        else:
            out.append(c)
    text = "".join(out).lower()
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def pre_tokenize(text):
    """Normalized text -> words (whitespace split, punctuation chars on their own)."""
    words = []
    for chunk in text.split():
        cur = []
        for c in chunk:
            if _is_punctuation(c):
                if cur:
                    words.append("".join(cur))
                    cur = []
                words.append(c)
            else:
                cur.append(c)
        if cur:
            words.append("".join(cur))
    return words


def words_of(text):
    return pre_tokenize(normalize(text))


class WordPiece:
    def __init__(self, vocab):
        self.vocab = vocab  # token -> id
        self.unk = vocab["[UNK]"]

    def word_ids(self, word):
        if len(word) > MAX_CHARS_PER_WORD:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text, max_length=None):
        """[CLS] pieces [SEP] ids, truncated to max_length (specials included)."""
        ids = []
        limit = None if max_length is None else max_length - 2
        for w in words_of(text):
            ids.extend(self.word_ids(w))
            if limit is not None and len(ids) >= limit:
                ids = ids[:limit]
                break
        return [self.vocab["[CLS]"]] + ids + [self.vocab["[SEP]"]]


def train(texts, vocab_size, min_word_freq=2, alphabet_size=1000, log=print):
    """texts -> vocab {token: id}: SPECIAL, the alphabet, then BPE merges in order."""
    counts = Counter()
    for t in texts:
        counts.update(w for w in words_of(t) if len(w) <= MAX_CHARS_PER_WORD)
    words = [w for w, n in counts.items() if n >= min_word_freq]
    freq = [counts[w] for w in words]
    # alphabet: the most frequent chars (weighted by word frequency); rarer ones become [UNK]
    chars = Counter()
    for w, n in zip(words, freq):
        for c in w:
            chars[c] += n
    alphabet = sorted(c for c, _ in sorted(chars.items(), key=lambda kv: (-kv[1], kv[0]))[:alphabet_size])
    allowed = set(alphabet)
    keep = [i for i, w in enumerate(words) if all(c in allowed for c in w)]
    words = [words[i] for i in keep]
    freq = [freq[i] for i in keep]
    vocab = list(SPECIAL)
    seen = set(vocab)
    for c in alphabet:
        for tok in (c, "##" + c):
            if tok not in seen:
                vocab.append(tok)
                seen.add(tok)
    symbols = [[w[0]] + ["##" + c for c in w[1:]] for w in words]

    pair_count = Counter()
    where = {}
    for i, s in enumerate(symbols):
        for a, b in zip(s, s[1:]):
            pair_count[(a, b)] += freq[i]
            where.setdefault((a, b), set()).add(i)
    heap = [(-n, p) for p, n in pair_count.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        n, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -n or -n < 2:
            continue
        a, b = pair
        merged = a + b[2:]
        changed = {}
        for i in list(where.get(pair, ())):
            s = symbols[i]
            for x, y in zip(s, s[1:]):
                pair_count[(x, y)] -= freq[i]
                changed[(x, y)] = True
                where[(x, y)].discard(i)
            out, k = [], 0
            while k < len(s):
                if k + 1 < len(s) and s[k] == a and s[k + 1] == b:
                    out.append(merged)
                    k += 2
                else:
                    out.append(s[k])
                    k += 1
            symbols[i] = out
            for x, y in zip(out, out[1:]):
                pair_count[(x, y)] += freq[i]
                changed[(x, y)] = True
                where.setdefault((x, y), set()).add(i)
        for p in changed:
            if pair_count[p] > 0:
                heapq.heappush(heap, (-pair_count[p], p))
            else:
                pair_count.pop(p, None)
        if merged not in seen:
            vocab.append(merged)
            seen.add(merged)
    log(f"wordpiece: {len(counts)} distinct words, {len(words)} used, {len(alphabet)} chars, vocab {len(vocab)}")
    return {tok: i for i, tok in enumerate(vocab)}


def tokenizer_json(vocab):
    """The tokenizer.json Hugging Face's BertWordPieceTokenizer writes."""
    def special(tok):
        return {"id": vocab[tok], "content": tok, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}

    cls, sep = {"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(t) for t in SPECIAL],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep],
            "pair": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep,
                     {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": MAX_CHARS_PER_WORD, "vocab": vocab},
    }


def tokenizer_config(model_max_length):
    return {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": True,
        "tokenize_chinese_chars": True,
        "strip_accents": None,
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": True,
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]",
    }


def save(folder, vocab, model_max_length):
    with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab), f, ensure_ascii=False, separators=(",", ":"))
    with open(f"{folder}/tokenizer_config.json", "w", encoding="utf-8") as f:
        json.dump(tokenizer_config(model_max_length), f, indent=2)
        f.write("\n")
