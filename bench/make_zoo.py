"""Exports the model zoo for tests/js/zoo.test.js into bench/models/zoo/ (not committed).

Common architectures as a user exports them with torch 1.13's exporter (random, seeded weights;
BatchNorm statistics randomised so folding is exercised), opsets 13-17, and a manifest.json that
tells the test each model's inputs and the shapes to run it at (batch 1 and 2, and two image
sizes / sequence lengths where the export keeps them dynamic).

        /usr/bin/python3 bench/make_zoo.py [--small | --full] [name ...]

--small (default): the CI-sized members (small inputs, and small configurations of ConvNeXt,
DenseNet, ViT and Swin; RoBERTa-style, Hugging Face BERT and CLIP-style text encoders; a GRU and
an LSTM). --full: also the big ones at 224 (convnext_tiny, densenet121, vit_b_16,
swin_t). Needs Debian python3-torch, python3-torchvision, python3-onnx.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torchvision
from torchvision.models import convnext as cnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "models", "zoo")
sys.path.insert(0, os.path.join(ROOT, "models"))
import text_bert as tb  # noqa: E402


def randomise(model):
    with torch.no_grad():
        for m in model.modules():
            # ViT's head starts at zero: its output would be constant and compare equal trivially
            if isinstance(m, nn.Linear) and not m.weight.any():
                nn.init.normal_(m.weight, 0.0, m.in_features ** -0.5)
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
            affine = isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm))
            if affine and m.weight is not None:
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    return model


# ---- text models written out in torch ----

class Layer(nn.Module):
    """A post-norm (BERT/RoBERTa) or pre-norm (CLIP) transformer layer with an additive mask."""

    def __init__(self, d, heads, ff, pre_norm, act):
        super().__init__()
        self.h, self.pre = heads, pre_norm
        self.qkv, self.out = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff1, self.ff2, self.act = nn.Linear(d, ff), nn.Linear(ff, d), act

    def attn(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        s = q @ k.transpose(-1, -2) / math.sqrt(d // self.h) + mask
        return self.out((s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))

    def forward(self, x, mask):
        if self.pre:
            x = x + self.attn(self.ln1(x), mask)
            return x + self.ff2(self.act(self.ff1(self.ln2(x))))
        x = self.ln1(x + self.attn(x, mask))
        return self.ln2(x + self.ff2(self.act(self.ff1(x))))


class Roberta(nn.Module):
    """RoBERTa's embeddings: position ids = cumsum(mask) * mask + padding_idx."""
    PAD = 1

    def __init__(self, vocab=1000, d=64, heads=4, layers=2, positions=130):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=self.PAD)
        self.pos = nn.Embedding(positions, d, padding_idx=self.PAD)
        self.ln = nn.LayerNorm(d)
        self.layers = nn.ModuleList(Layer(d, heads, 4 * d, False, nn.GELU()) for _ in range(layers))

    def forward(self, input_ids, attention_mask):
        m = input_ids.ne(self.PAD).int()
        pos = (torch.cumsum(m, dim=1).type_as(m) * m).long() + self.PAD
        x = self.ln(self.tok(input_ids) + self.pos(pos))
        add = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, add)
        return x


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ClipText(nn.Module):
    """CLIP's text tower: causal mask from torch.triu, pooled at each row's argmax token (EOT)."""

    def __init__(self, vocab=1000, d=64, heads=4, layers=2, positions=77):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(positions, d) * 0.1)
        self.layers = nn.ModuleList(Layer(d, heads, 4 * d, True, QuickGELU())
                                    for _ in range(layers))
        self.ln, self.proj = nn.LayerNorm(d), nn.Linear(d, 32, bias=False)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos[:t]
        mask = torch.full((t, t), float("-inf")).triu(1)
        for layer in self.layers:
            x = layer(x, mask)
        x = self.ln(x)
        pooled = x[torch.arange(x.shape[0]), input_ids.argmax(dim=-1)]
        return self.proj(pooled)


class Recurrent(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(16, 32, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(64, 8)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


# ---- the zoo ----

def img(size, sizes, dyn=True):
    axes = {0: "batch", 2: "h", 3: "w"} if dyn else {0: "batch"}
    return dict(example=(1, 3, size, size), inputs=[dict(name="pixel_values", kind="image")],
                shapes=[[[b, 3, s, s]] for s in sizes for b in (1, 2)],
                dynamic={"pixel_values": axes})


def seq(inputs, lens):
    return dict(example=None, inputs=inputs,
                shapes=[[[b, t]] * len(inputs) for t in lens for b in (1, 2)],
                dynamic={i["name"]: {0: "batch", 1: "seq"} for i in inputs})


def ids(lo=3, vocab=1000, pad=1):
    return dict(name="input_ids", kind="tokens", lo=lo, vocab=vocab, pad=pad)


MASK = dict(name="attention_mask", kind="mask")


def small_convnext():
    s = [cnx.CNBlockConfig(16, 32, 2), cnx.CNBlockConfig(32, 64, 2), cnx.CNBlockConfig(64, None, 2)]
    return cnx.ConvNeXt(s, stochastic_depth_prob=0.0, num_classes=10)


def small_densenet():
    return torchvision.models.DenseNet(growth_rate=8, block_config=(2, 2, 2, 2),
                                       num_init_features=16, num_classes=10)


def small_vit():
    return torchvision.models.VisionTransformer(image_size=64, patch_size=16, num_layers=2,
                                                num_heads=2, hidden_dim=64, mlp_dim=128,
                                                num_classes=10)


def small_swin():
    return torchvision.models.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2],
                                              num_heads=[1, 2], window_size=[4, 4], num_classes=10)


def deeplab():
    return torchvision.models.segmentation.deeplabv3_mobilenet_v3_large(
        weights=None, weights_backbone=None, num_classes=4, aux_loss=False)


def bert_hf():
    return tb.LastHiddenState(tb.BertConfig(vocab_size=1000, hidden_size=64, num_hidden_layers=2,
                                            num_attention_heads=4, intermediate_size=256))


tv = torchvision.models
IMG, IMG_FIXED = img(64, (64, 96)), img(64, (64,), False)
ZOO = {
    # name: (constructor, opset, io, small?)
    "efficientnet_b0": (lambda: tv.efficientnet_b0(weights=None), 13, IMG, True),
    "mobilenet_v3_small": (lambda: tv.mobilenet_v3_small(weights=None), 13, IMG, True),
    "mobilenet_v3_large": (lambda: tv.mobilenet_v3_large(weights=None), 13, IMG, True),
    "convnext_small_cfg": (small_convnext, 17, IMG, True),
    "densenet_small_cfg": (small_densenet, 13, IMG, True),
    "vit_small_cfg": (small_vit, 17, IMG_FIXED, True),
    "swin_small_cfg": (small_swin, 17, IMG_FIXED, True),
    "deeplabv3_mobilenet_v3_large": (deeplab, 16, img(64, (64, 80)), True),
    "roberta_cumsum": (Roberta, 14, seq([ids(pad=Roberta.PAD), MASK], (8, 13)), True),
    # Hugging Face's BERT layout: what onnxruntime's Attention / EmbedLayerNorm fusions look for
    "bert_hf": (bert_hf, 14,
                seq([ids(pad=0), MASK, dict(ids(0, 2, 0), name="token_type_ids")], (8, 13)), True),
    "clip_text": (ClipText, 17, seq([ids()], (7, 16)), True),
    "gru": (lambda: Recurrent(nn.GRU), 14, None, True),
    "lstm": (lambda: Recurrent(nn.LSTM), 14, None, True),
    "convnext_tiny": (lambda: tv.convnext_tiny(weights=None), 17, img(224, (224,)), False),
    "densenet121": (lambda: tv.densenet121(weights=None), 13, img(224, (224,)), False),
    "vit_b_16": (lambda: tv.vit_b_16(weights=None), 17, img(224, (224,), False), False),
    "swin_t": (lambda: tv.swin_t(weights=None), 17, img(224, (224,), False), False),
}
RNN_IO = dict(example=(1, 5, 16), inputs=[dict(name="x", kind="float")],
              shapes=[[[b, t, 16]] for t in (5, 11) for b in (1, 2)],
              dynamic={"x": {0: "batch", 1: "seq"}})


def example_tokens(io):
    b, t = 2, 9
    ids = torch.randint(3, io["inputs"][0]["vocab"], (b, t))
    feeds = [ids]
    if len(io["inputs"]) > 1:
        mask = torch.ones(b, t, dtype=torch.long)
        mask[1, 6:] = 0
        ids[1, 6:] = io["inputs"][0]["pad"]
        feeds.append(mask)
    if len(io["inputs"]) > 2:
        feeds.append(torch.zeros(b, t, dtype=torch.long))
    return tuple(feeds)


def export(name):
    make, opset, io, _ = ZOO[name]
    io = io or RNN_IO
    torch.manual_seed(0)
    model = randomise(make()).eval()
    example = tuple([torch.randn(*io["example"])]) if io["example"] else example_tokens(io)
    path = os.path.join(OUT, f"{name}.onnx")
    # the test re-saves onnxruntime's fused form of this model when it is absent
    fused = os.path.join(OUT, f"{name}.ort_fused.onnx")
    if os.path.exists(fused):
        os.remove(fused)
    dyn = dict(io["dynamic"], output={0: "batch"})
    torch.onnx.export(model, example, path, opset_version=opset,
                      input_names=[i["name"] for i in io["inputs"]], output_names=["output"],
                      dynamic_axes=dyn, do_constant_folding=True)
    params = sum(p.numel() for p in model.parameters())
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {params / 1e6:.2f} M params)")
    return dict(file=f"{name}.onnx", opset=opset, params=params, inputs=io["inputs"],
                shapes=io["shapes"])


if __name__ == "__main__":
    args = sys.argv[1:]
    full = "--full" in args
    names = [a for a in args if not a.startswith("--")]
    names = names or [n for n, z in ZOO.items() if full or z[3]]
    os.makedirs(OUT, exist_ok=True)
    mpath = os.path.join(OUT, "manifest.json")
    manifest = json.load(open(mpath)) if os.path.exists(mpath) else {}
    for name in names:
        manifest[name] = dict(export(name), full=not ZOO[name][3])
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=1)
