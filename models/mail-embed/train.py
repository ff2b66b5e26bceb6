"""Train mail-embed: a small text-embedding model for mailbox search, trained contrastively on
(subject, body) pairs of the SpamAssassin training mails, and export it as a Transformers.js-style
folder that wisp's load() reads (config.json, tokenizer.json, tokenizer_config.json,
onnx/model.onnx).

Run (Debian python3-torch, python3-onnx; node with the repo's npm packages):

    /usr/bin/python3 models/mail-embed/train.py

The model: WordPiece pieces (spam-bert's vocabulary, made from its training split) -> a learned
vector and a learned weight per piece -> the weighted sum over the text -> L2-normalised
(output `sentence_embedding`, 128 numbers). Subjects and bodies share it. Trained with a symmetric
in-batch InfoNCE loss (subject i must pick body i among the batch, and back). The epoch is chosen
on a validation tenth of the training mails; the held-out mails (spam-bert's heldout_ids.json)
are only measured, at the end: subject -> its own body among all held-out bodies, recall@1 and
@10, next to tf-idf on the same split (results.json). `node models/mail-embed/evaluate.js`
measures the exported model in wisp.
"""
import json
import math
import os
import random
import re
import subprocess
import sys
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import wordpiece  # noqa: E402

MAX_LEN = 512
DIM = int(os.environ.get("EMBED_DIM", 128))
EPOCHS = int(os.environ.get("EMBED_EPOCHS", 8))
LR = float(os.environ.get("EMBED_LR", 3e-3))
BATCH = 128
TEMP = 0.05
TOKEN_DROP = 0.1  # pieces dropped at random while training: the model must not lean on one word
SEED = 0


class MailEmbed(nn.Module):
    def __init__(self, vocab_size, dim, idf):
        super().__init__()
        self.vectors = nn.Embedding(vocab_size, dim)
        nn.init.normal_(self.vectors.weight, 0.0, 1.0 / math.sqrt(dim))
        # softplus(weights) starts as the piece's idf: tf-idf's weighting, then learned
        self.weights = nn.Embedding(vocab_size, 1)
        self.weights.weight.data.copy_(torch.log(torch.expm1(idf.clamp(min=1e-3))).unsqueeze(1))

    def forward(self, input_ids, attention_mask):
        w = F.softplus(self.weights(input_ids)) * attention_mask.unsqueeze(-1).to(torch.float32)
        pooled = (self.vectors(input_ids) * w).sum(dim=1)
        return pooled / pooled.norm(dim=-1, keepdim=True).clamp(min=1e-6)


def load_pairs():
    out = subprocess.run(["node", os.path.join(HERE, "pairs.js")], check=True, capture_output=True, cwd=ROOT)
    return [json.loads(line) for line in out.stdout.decode("utf-8").split("\n") if line]


def batch(seqs, drop=0.0, rng=None):
    if drop:
        seqs = [[s[0]] + [t for t in s[1:-1] if rng.random() >= drop] + [s[-1]] for s in seqs]
    t = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), t, dtype=torch.int64)
    mask = torch.zeros(len(seqs), t, dtype=torch.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


@torch.no_grad()
def embed_all(model, seqs):
    model.eval()
    out = []
    for i in range(0, len(seqs), 256):
        out.append(model(*batch(seqs[i:i + 256])))
    return torch.cat(out)


def recall(sim, ks=(1, 10)):
    """sim[i, j]: query i against document j; query i's answer is document i."""
    own = sim.diagonal().unsqueeze(1)
    rank = (sim > own).sum(dim=1)  # documents scoring strictly higher than the right one
    return {f"recall@{k}": float((rank < k).float().mean()) for k in ks}


WORD = re.compile(r"(?u)\b\w\w+\b")


def tfidf_recall(queries, docs):
    """tf-idf as scikit-learn's TfidfVectorizer(sublinear_tf=True) computes it (lower-cased words
    of 2+ characters, tf 1 + ln(count), smooth idf ln((1 + n) / (1 + df)) + 1, L2 rows), with
    the idf over the searched collection; cosine similarity."""
    bags = lambda texts: [Counter(WORD.findall(t.lower())) for t in texts]  # noqa: E731
    q_bags, d_bags = bags(queries), bags(docs)
    df = Counter(w for b in d_bags for w in b)
    index = {w: i for i, w in enumerate(df)}
    idf = {w: math.log((1 + len(docs)) / (1 + n)) + 1 for w, n in df.items()}

    def matrix(bs):
        m = torch.zeros(len(bs), len(index), dtype=torch.float64)
        for i, b in enumerate(bs):
            for w, c in b.items():
                if w in index:
                    m[i, index[w]] = (1 + math.log(c)) * idf[w]
        return m / m.norm(dim=1, keepdim=True).clamp(min=1e-12)

    return recall(matrix(q_bags) @ matrix(d_bags).T)


def main():
    random.seed(SEED)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    pairs = load_pairs()
    vocab = json.load(open(os.path.join(ROOT, "models/spam-bert/tokenizer.json")))["model"]["vocab"]
    tok = wordpiece.WordPiece(vocab)
    train = [p for p in pairs if not p["heldout"]]
    test = [p for p in pairs if p["heldout"]]
    rng.shuffle(train)
    n_val = len(train) // 10
    val, train = train[:n_val], train[n_val:]
    enc = lambda ps, key: [tok.encode(p[key], MAX_LEN) for p in ps]  # noqa: E731
    tr_s, tr_b = enc(train, "subject"), enc(train, "body")
    va_s, va_b = enc(val, "subject"), enc(val, "body")
    te_s, te_b = enc(test, "subject"), enc(test, "body")
    print(f"pairs: {len(train)} train, {len(val)} validation, {len(test)} held-out")

    # piece idf over the training texts (subjects and bodies)
    df = np.zeros(len(vocab))
    for s in tr_s + tr_b:
        df[list(set(s))] += 1
    n_docs = len(tr_s) + len(tr_b)
    idf = torch.tensor(np.log((1 + n_docs) / (1 + df)) + 1, dtype=torch.float32)

    model = MailEmbed(len(vocab), DIM, idf)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    best, best_state = -1.0, None
    order = list(range(len(train)))
    for epoch in range(EPOCHS):
        model.train()
        rng.shuffle(order)
        total = 0.0
        for i in range(0, len(order) - BATCH + 1, BATCH):
            idx = order[i:i + BATCH]
            q = model(*batch([tr_s[j] for j in idx], TOKEN_DROP, rng))
            d = model(*batch([tr_b[j] for j in idx], TOKEN_DROP, rng))
            logits = q @ d.T / TEMP
            target = torch.arange(len(idx))
            loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss)
        r = recall(embed_all(model, va_s) @ embed_all(model, va_b).T)
        print(f"epoch {epoch + 1}: loss {total / (len(order) // BATCH):.3f}, validation "
              f"recall@1 {r['recall@1']:.3f} @10 {r['recall@10']:.3f}", flush=True)
        if r["recall@10"] > best:
            best, best_state = r["recall@10"], {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()

    ours = recall(embed_all(model, te_s) @ embed_all(model, te_b).T)
    base = tfidf_recall([p["subject"] for p in test], [p["body"] for p in test])
    print(f"held-out ({len(test)} mails), subject -> own body: mail-embed recall@1 {ours['recall@1']:.3f} "
          f"@10 {ours['recall@10']:.3f}; tf-idf recall@1 {base['recall@1']:.3f} @10 {base['recall@10']:.3f}")

    wordpiece.save(HERE, vocab, MAX_LEN)
    config = {
        "model_type": "mail-embed",
        "architectures": ["WeightedBagOfPieces"],
        "vocab_size": len(vocab),
        "hidden_size": DIM,
        "max_position_embeddings": MAX_LEN,
        "pad_token_id": 0,
        "embedding_output": "sentence_embedding",
        "training": {"pairs": len(train), "validation_pairs": len(val), "epochs": EPOCHS,
                     "batch": BATCH, "temperature": TEMP, "token_drop": TOKEN_DROP, "lr": LR},
    }
    with open(os.path.join(HERE, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({"heldout_mails": len(test), "mail_embed_pytorch": ours, "tfidf": base,
                   "validation_recall@10": best}, f, indent=2)
        f.write("\n")
    os.makedirs(os.path.join(HERE, "onnx"), exist_ok=True)
    ids, mask = batch(te_s[:2])
    torch.onnx.export(model, (ids, mask), os.path.join(HERE, "onnx/model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"},
                                    "sentence_embedding": {0: "batch"}},
                      opset_version=17)


if __name__ == "__main__":
    main()
