"""Exports the transformer benchmark / parity models into bench/models/ (not committed: ~100 MB,
regenerated; seeded, so always the same bytes' worth of weights).

  bench/models/bert-tiny/   BertForSequenceClassification, hidden 128, 2 layers, 2 heads,
                            intermediate 512, vocab 30522, 2 labels; output "logits";
                            opset 17 (LayerNorm as LayerNormalization)
  bench/models/minilm-l6/   the all-MiniLM-L6-v2 architecture: BertModel without pooler, hidden 384,
                            6 layers, 12 heads, intermediate 1536, vocab 30522, 512 positions;
                            output "last_hidden_state"; opset 14 (LayerNorm decomposed into
                            ReduceMean/Sub/Pow/Sqrt/Div, as Hugging Face / Optimum exports are)

Each is a Transformers.js-style folder: onnx/model.onnx, config.json, and the spam model's
WordPiece tokenizer (models/spam-bert; its ids are all < 30522) so `load` + classify / embed
work on them too. Inputs input_ids, attention_mask, token_type_ids (int64) with dynamic batch and
sequence axes — the exporter settings of models/spam-bert/train.py. Weights are Hugging Face's
init (normal, std 0.02) with LayerNorm scale and bias randomised too, so they are exercised, and
the classifier's weights at std 1 so bert-tiny's logits are of order 1, not 0.01.

    /usr/bin/python3 bench/make_text_models.py [bert-tiny] [minilm-l6]
Needs Debian python3-torch and python3-onnx.
"""
import json
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "models"))
import text_bert as tb  # noqa: E402

OUT = os.path.join(HERE, "models")
SPAM = os.path.join(ROOT, "models", "spam-bert")

MODELS = {
    "bert-tiny": dict(config=tb.BertConfig(hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
                                           intermediate_size=512, num_labels=2),
                      head="logits", opset=17),
    "minilm-l6": dict(config=tb.BertConfig(hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                                           intermediate_size=1536),
                      head="last_hidden_state", opset=14),
}


def make(name):
    spec = MODELS[name]
    c = spec["config"]
    torch.manual_seed(0)
    model = tb.BertForSequenceClassification(c) if spec["head"] == "logits" else tb.LastHiddenState(c)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        if spec["head"] == "logits":  # logits of order 1, so an absolute tolerance means something
            model.classifier.weight.normal_(0.0, 1.0)
    folder = os.path.join(OUT, name)
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    path = os.path.join(folder, "onnx", "model.onnx")
    tb.export_onnx(model, path, spec["head"], opset=spec["opset"], vocab_size=c.vocab_size)
    extra = {"id2label": {"0": "LABEL_0", "1": "LABEL_1"}, "label2id": {"LABEL_0": 0, "LABEL_1": 1}} \
        if spec["head"] == "logits" else {"architectures": ["BertModel"]}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(c.to_hf(**extra), f, indent=2)
    shutil.copy(os.path.join(SPAM, "tokenizer.json"), folder)
    with open(os.path.join(SPAM, "tokenizer_config.json")) as f:
        tc = json.load(f)
    tc["model_max_length"] = c.max_position_embeddings
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(tc, f, indent=2)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, opset {spec['opset']})")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name in sys.argv[1:] or MODELS:
        make(name)
