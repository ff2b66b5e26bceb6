"""Trains and exports models/breast-cancer-mlp: a small PyTorch MLP on the breast cancer data
(python3-sklearn's bundled copy), exported with torch.onnx, with the standardization in the
graph as an ONNX-ML Scaler node in front.

    /usr/bin/python3 models/breast-cancer-mlp/train.py

Training rows and held-out rows are the committed split (../breast_cancer_split.json); the
standardization statistics come from the training rows only, and training stops at the best
loss on a validation fifth of the training rows. The graph:

    features (N, 30) -> Scaler (ai.onnx.ml: (x - mean) * 1/std) -> Gemm(30, 32) -> Relu
      -> Gemm(32, 16) -> Relu = "embedding" (N, 16) -> Gemm(16, 2) -> logits (N, 2)

config.json names "embedding" as embedding_output, which wisp's load() returns for embed().
Held-out accuracy measured by running wisp: node models/evaluate_tabular.js."""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import tabular_export as tx  # noqa: E402


class MLP(torch.nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.fc1 = torch.nn.Linear(n_in, 32)
        self.fc2 = torch.nn.Linear(32, 16)
        self.head = torch.nn.Linear(16, 2)

    def forward(self, x):  # x: standardized features (N, 30)
        h = torch.relu(self.fc2(torch.relu(self.fc1(x))))
        return self.head(h)


def main():
    torch.manual_seed(0)
    X, y, names, targets, train, test = tx.breast_cancer_split()
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    scale = 1.0 / std
    Xs = ((X - mean) * scale).astype(np.float32)
    # early stopping on a validation part of the training rows (the held-out rows stay unseen)
    fit, val = tx.split(y[train], test_size=0.2, seed=0)
    fit, val = [train[i] for i in fit], [train[i] for i in val]
    xt, yt = torch.from_numpy(Xs[fit]), torch.from_numpy(y[fit]).long()
    xv, yv = torch.from_numpy(Xs[val]), torch.from_numpy(y[val]).long()

    net = MLP(X.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
    best, best_state, best_epoch = float("inf"), None, 0
    for epoch in range(1000):  # full batch: 364 rows
        net.train()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
        with torch.no_grad():
            v = float(torch.nn.functional.cross_entropy(net(xv), yv))
        if v < best:
            best, best_epoch = v, epoch
            best_state = {k: t.clone() for k, t in net.state_dict().items()}
    net.load_state_dict(best_state)
    print(f"best validation loss {best:.4f} at epoch {best_epoch}")
    net.eval()
    with torch.no_grad():
        acc = float((net(torch.from_numpy(Xs[test])).argmax(1).numpy() == y[test]).mean())

    # torch.onnx: standardized features -> logits; then the Scaler goes in front
    path = os.path.join(HERE, "onnx", "model.onnx")
    torch.onnx.export(net, torch.zeros(1, X.shape[1]), path, input_names=["scaled"],
                      output_names=["logits"], dynamic_axes={"scaled": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=17, do_constant_folding=True)
    model = onnx.load(path)
    g = model.graph
    # name the hidden layer: the Relu that feeds the head
    head = g.node[-1]
    assert head.op_type == "Gemm", head.op_type
    hidden = head.input[0]
    for n in g.node:
        n.input[:] = ["embedding" if i == hidden else i for i in n.input]
        n.output[:] = ["embedding" if o == hidden else o for o in n.output]
    scaler = helper.make_node("Scaler", ["features"], ["scaled"], name="standardize", domain="ai.onnx.ml",
                              offset=[float(v) for v in mean], scale=[float(v) for v in scale])
    g.node.insert(0, scaler)
    g.input[0].name = "features"
    model.opset_import.append(helper.make_opsetid("ai.onnx.ml", tx.ML_OPSET))
    model.producer_name = "wisp-tabular-export (torch.onnx + Scaler)"
    model.doc_string = "MLP 30-32-16-2 on sklearn breast cancer; label 0 = malignant, 1 = benign"
    onnx.checker.check_model(model)
    onnx.save(model, path)

    tx.write_json(os.path.join(HERE, "config.json"), {
        "model_type": "wisp-tabular",
        "architectures": ["MLP"],
        "id2label": {str(i): t for i, t in enumerate(targets)},
        "label2id": {t: i for i, t in enumerate(targets)},
        "num_labels": len(targets),
        "feature_names": names,
        "logits_output": "logits",
        "scores_are": "logits",
        "embedding_output": "embedding",
        "handles_missing": False,
        "held_out_accuracy_pytorch": round(acc, 4),
        "split": "../breast_cancer_split.json",
    })
    print(f"breast-cancer-mlp: held-out accuracy (pytorch) {acc:.4f} on {len(test)} rows")


if __name__ == "__main__":
    main()
