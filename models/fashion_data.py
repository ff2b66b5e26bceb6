"""Shared helpers for the Fashion-MNIST example models (fashion-mlp, fashion-cnn).

Holds the idx reader, the preprocessing constants, the training/evaluation
loops, the ONNX export and the Hugging-Face-style config writers, so that the
per-model train.py scripts only define their network and hyper-parameters.
"""

import gzip
import json
import os
import time

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"

# Preprocessing: pixel / 255, then (x - MEAN) / STD, one channel.
MEAN = 0.2860
STD = 0.3530
RESCALE = 1.0 / 255.0

LABELS = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

INPUT_NAME = "pixel_values"
OUTPUT_NAME = "logits"
OPSET = 13


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def read_idx(path):
    """Read a gzip'd idx file (idx1 labels / idx3 images) into a uint8 array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size {arr.size} does not match dims {dims}")
    return arr.reshape(dims)


def load_split(split, data_dir=DATA_DIR):
    """Return (images uint8 [N,28,28], labels uint8 [N]) for split 'train' or 't10k'."""
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    assert images.shape[0] == labels.shape[0]
    return images, labels


def preprocess(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28], rescaled and normalized."""
    x = images_u8.astype(np.float32) * np.float32(RESCALE)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return x.reshape(-1, 1, 28, 28)


def load_tensors():
    """Preprocessed torch tensors: (x_train, y_train, x_test, y_test)."""
    import torch
    tr_x, tr_y = load_split("train")
    te_x, te_y = load_split("t10k")
    return (torch.from_numpy(preprocess(tr_x)), torch.from_numpy(tr_y.astype(np.int64)),
            torch.from_numpy(preprocess(te_x)), torch.from_numpy(te_y.astype(np.int64)))


# --------------------------------------------------------------------------
# Training / evaluation
# --------------------------------------------------------------------------

def evaluate(model, x, y, batch_size=1000):
    """Top-1 accuracy of model on (x, y), in eval mode."""
    import torch
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch_size):
            pred = model(x[i:i + batch_size]).argmax(dim=1)
            correct += int((pred == y[i:i + batch_size]).sum())
    return correct / x.shape[0]


def train(model, data, epochs, lr, batch_size=128, augment=None, lr_decay=None):
    """Adam + cross-entropy, optionally with cosine lr decay to 0 over all steps.

    `augment` is an optional function applied to each training batch.
    Returns the final test accuracy. Seeding is the caller's job.
    """
    import torch
    import torch.nn.functional as F
    x_tr, y_tr, x_te, y_te = data
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (x_tr.shape[0] + batch_size - 1) // batch_size
    sched = None
    if lr_decay == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(x_tr.shape[0])
        total = 0.0
        for i in range(0, x_tr.shape[0], batch_size):
            idx = perm[i:i + batch_size]
            xb, yb = x_tr[idx], y_tr[idx]
            if augment is not None:
                xb = augment(xb)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            total += float(loss) * xb.shape[0]
        acc = evaluate(model, x_te, y_te)
        print(f"epoch {epoch + 1}/{epochs}: train loss {total / x_tr.shape[0]:.4f}  "
              f"test acc {acc * 100:.2f}%  ({time.time() - t0:.1f}s)", flush=True)
    return acc


# --------------------------------------------------------------------------
# ONNX export
# --------------------------------------------------------------------------

def export_onnx(model, path):
    """Export model (eval mode) to ONNX: opset 13, input pixel_values (N,1,28,28)
    with dynamic batch, output logits, constant folding on. Returns the checked
    onnx.ModelProto."""
    import onnx
    import torch
    model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(
        model, dummy, path,
        opset_version=OPSET,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        do_constant_folding=True,
        training=torch.onnx.TrainingMode.EVAL,
    )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def embedding_output_name(model_proto, width=128):
    """Name of the post-ReLU hidden value feeding the final (logits) layer.

    Finds the node producing the graph output, takes its data input, checks that
    this value comes from a Relu and has shape [batch, width]."""
    import onnx
    g = model_proto.graph
    producers = {o: n for n in g.node for o in n.output}
    head = producers[g.output[0].name]
    # Gemm(A, B, C) or MatMul(A, B) [+ Add]: walk through a trailing Add.
    if head.op_type == "Add":
        head = next(producers[i] for i in head.input if i in producers
                    and producers[i].op_type in ("MatMul", "Gemm"))
    if head.op_type not in ("Gemm", "MatMul"):
        raise RuntimeError(f"unexpected final op {head.op_type}")
    name = head.input[0]
    relu = producers.get(name)
    if relu is None or relu.op_type != "Relu":
        raise RuntimeError(f"input of final layer {name!r} is not a Relu output")
    inferred = onnx.shape_inference.infer_shapes(model_proto)
    for vi in inferred.graph.value_info:
        if vi.name == name:
            dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
            if dims[-1] != width:
                raise RuntimeError(f"{name!r} has shape {dims}, expected width {width}")
            break
    return name


def op_types(model_proto):
    return [n.op_type for n in model_proto.graph.node]


# --------------------------------------------------------------------------
# Config files
# --------------------------------------------------------------------------

def write_configs(model_dir, model_type, architecture, embedding_output, test_accuracy):
    """Write Hugging-Face-style config.json and preprocessor_config.json."""
    config = {
        "model_type": model_type,
        "architectures": [architecture],
        "id2label": {str(i): lab for i, lab in enumerate(LABELS)},
        "label2id": {lab: i for i, lab in enumerate(LABELS)},
        "num_labels": len(LABELS),
        "embedding_output": embedding_output,
        "test_accuracy_pytorch": round(float(test_accuracy), 4),
    }
    preproc = {
        "image_processor_type": "ViTImageProcessor",
        "do_resize": True,
        "size": {"height": 28, "width": 28},
        "resample": 2,
        "do_center_crop": False,
        "do_rescale": True,
        "rescale_factor": RESCALE,
        "do_normalize": True,
        "image_mean": [MEAN],
        "image_std": [STD],
        "do_convert_grayscale": True,
        "num_channels": 1,
    }
    for fname, obj in (("config.json", config), ("preprocessor_config.json", preproc)):
        with open(os.path.join(model_dir, fname), "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")


def finish(model, model_dir, model_type, architecture, test_accuracy, train_seconds):
    """Export model_dir/onnx/model.onnx, find the embedding value, write configs,
    print a summary."""
    path = os.path.join(model_dir, "onnx", "model.onnx")
    proto = export_onnx(model, path)
    emb = embedding_output_name(proto)
    write_configs(model_dir, model_type, architecture, emb, test_accuracy)
    print(f"training time: {train_seconds:.1f}s")
    print(f"test accuracy (pytorch): {test_accuracy * 100:.2f}%")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    print(f"ONNX ops: {op_types(proto)}")
    print(f"embedding_output: {emb}")
    return proto
