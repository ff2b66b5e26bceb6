"""Train the spam classifier: a small BERT (models/text_bert.py, Hugging Face
BertForSequenceClassification layout) from scratch on the SpamAssassin corpus, with a WordPiece
vocabulary built from the training split; export it as a Transformers.js-style model folder.

Run (Debian python3-torch, python3-onnx, python3-sklearn; node with the repo's npm packages):

    /usr/bin/python3 models/spam-bert/train.py

Reads the corpus through models/spam-bert/mail.js (subject + body, headers stripped), drops
exact duplicate texts, and splits it: the held-out ids are fixed in heldout_ids.json (made on the
first run with a seeded stratified 20% draw, then reused). Writes, next to this file:
config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, and results.json (PyTorch's
held-out accuracy, and the bag-of-words logistic-regression baseline on the same split and text).
`node models/spam-bert/evaluate.js` measures the exported model with wisp.
"""
import json
import math
import os
import random
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import text_bert as tb  # noqa: E402
import wordpiece  # noqa: E402

MAX_LEN = int(os.environ.get("SPAM_MAX_LEN", 256))
VOCAB = int(os.environ.get("SPAM_VOCAB", 8000))
EPOCHS = int(os.environ.get("SPAM_EPOCHS", 4))
LR = float(os.environ.get("SPAM_LR", 5e-4))
BATCH = 32
SEED = 0


def config():
    return tb.BertConfig(vocab_size=VOCAB, hidden_size=128, num_hidden_layers=2, num_attention_heads=4,
                         intermediate_size=512, max_position_embeddings=MAX_LEN, num_labels=2)


def load_corpus():
    out = subprocess.run(["node", os.path.join(HERE, "mail.js")], check=True, capture_output=True, cwd=ROOT)
    rows = [json.loads(line) for line in out.stdout.decode("utf-8").split("\n") if line]
    seen, unique = set(), []
    for r in rows:  # the corpus repeats some mails: keep the first, so no text is on both sides
        if r["text"] not in seen:
            seen.add(r["text"])
            unique.append(r)
    return unique


def split(rows):
    path = os.path.join(HERE, "heldout_ids.json")
    if not os.path.exists(path):
        rng = random.Random(SEED)
        held = []
        for label in (0, 1):
            ids = sorted(r["id"] for r in rows if r["label"] == label)
            held += rng.sample(ids, round(0.2 * len(ids)))
        with open(path, "w") as f:
            json.dump(sorted(held), f, indent=0)
            f.write("\n")
    held = set(json.load(open(path)))
    return [r for r in rows if r["id"] not in held], [r for r in rows if r["id"] in held]


def baseline(train, test):
    """Bag of words (tf-idf over sklearn's default word tokens) + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    vec = TfidfVectorizer(sublinear_tf=True, min_df=2)
    x = vec.fit_transform([r["text"] for r in train])
    clf = LogisticRegression(C=10, max_iter=5000).fit(x, [r["label"] for r in train])
    pred = clf.predict(vec.transform([r["text"] for r in test]))
    y = [r["label"] for r in test]
    return {"accuracy": accuracy_score(y, pred), "f1": f1_score(y, pred)}


def batches(ids, labels, order):
    """(input_ids, attention_mask, token_type_ids, labels) batches padded to their longest row."""
    for k in range(0, len(order), BATCH):
        rows = [ids[i] for i in order[k:k + BATCH]]
        t = max(len(r) for r in rows)
        x = torch.zeros(len(rows), t, dtype=torch.int64)
        m = torch.zeros(len(rows), t, dtype=torch.int64)
        for j, r in enumerate(rows):
            x[j, :len(r)] = torch.tensor(r)
            m[j, :len(r)] = 1
        yield x, m, torch.zeros_like(x), torch.tensor([labels[i] for i in order[k:k + BATCH]])


def length_buckets(ids, rng):
    """Shuffled batches of similar length (less padding), in shuffled order."""
    order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), rng.random()))
    chunks = [order[k:k + BATCH] for k in range(0, len(order), BATCH)]
    rng.shuffle(chunks)
    return [i for c in chunks for i in c]


def evaluate(model, ids, labels):
    model.eval()
    pred = []
    with torch.no_grad():
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = {}
        for k, (x, m, t, _) in zip(range(0, len(order), BATCH), batches(ids, labels, order)):
            for i, p in zip(order[k:k + BATCH], model(x, m, t).argmax(-1).tolist()):
                out[i] = p
        pred = [out[i] for i in range(len(ids))]
    y = np.array(labels)
    p = np.array(pred)
    tp, fp, fn = int(((p == 1) & (y == 1)).sum()), int(((p == 1) & (y == 0)).sum()), int(((p == 0) & (y == 1)).sum())
    return {"accuracy": float((p == y).mean()), "f1": 2 * tp / max(1, 2 * tp + fp + fn)}


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    rows = load_corpus()
    train_rows, test_rows = split(rows)
    print(f"{len(rows)} unique mails: train {len(train_rows)} ({sum(r['label'] for r in train_rows)} spam), "
          f"held out {len(test_rows)} ({sum(r['label'] for r in test_rows)} spam)")

    base = baseline(train_rows, test_rows)
    print(f"baseline (tf-idf + logistic regression): accuracy {base['accuracy']:.4f} F1 {base['f1']:.4f}")

    vocab = wordpiece.train([r["text"] for r in train_rows], VOCAB)
    wordpiece.save(HERE, vocab, MAX_LEN)
    tok = wordpiece.WordPiece(vocab)
    enc = lambda rs: [tok.encode(r["text"], MAX_LEN) for r in rs]  # noqa: E731
    # 10% of the training split watches over training (never the held-out mails)
    fit_rows = list(train_rows)
    random.Random(SEED).shuffle(fit_rows)
    val_rows, fit_rows = fit_rows[:len(fit_rows) // 10], fit_rows[len(fit_rows) // 10:]
    train_ids, val_ids, test_ids = enc(fit_rows), enc(val_rows), enc(test_rows)
    train_y, val_y, test_y = [[r["label"] for r in rs] for rs in (fit_rows, val_rows, test_rows)]

    c = config()
    c.vocab_size = len(vocab)
    model = tb.BertForSequenceClassification(c)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(train_ids) / BATCH)
    warmup = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup))))
    t0 = time.time()
    for epoch in range(EPOCHS):
        model.train()
        total, n = 0.0, 0
        for x, m, t, y in batches(train_ids, train_y, length_buckets(train_ids, rng)):
            loss = F.cross_entropy(model(x, m, t), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total, n = total + loss.item() * len(y), n + len(y)
        val = evaluate(model, val_ids, val_y)
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {total / n:.4f}, validation accuracy {val['accuracy']:.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)
    res = evaluate(model, test_ids, test_y)
    print(f"held out (PyTorch): accuracy {res['accuracy']:.4f} F1 {res['f1']:.4f}")

    os.makedirs(os.path.join(HERE, "onnx"), exist_ok=True)
    tb.export_onnx(model, os.path.join(HERE, "onnx", "model.onnx"), "logits", opset=17, vocab_size=len(vocab))
    cfg = c.to_hf(id2label={"0": "ham", "1": "spam"}, label2id={"ham": 0, "spam": 1},
                  problem_type="single_label_classification")
    with open(os.path.join(HERE, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({"heldout": len(test_rows), "train": len(train_rows), "train_seconds": round(time.time() - t0),
                   "pytorch": res, "baseline_tfidf_logreg": base}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
