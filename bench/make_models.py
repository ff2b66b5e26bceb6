"""Exports the large benchmark / parity models into bench/models/ (not committed: regenerated).

torchvision MobileNetV2 and ResNet-18 with seeded random weights (eval mode, BatchNorm folded by
the exporter), opset 13, input "pixel_values" (N, 3, 224, 224) with a symbolic batch, output
"logits". Needs Debian python3-torch, python3-torchvision, python3-onnx.

    /usr/bin/python3 bench/make_models.py [name ...]
"""
import os
import sys

import torch
import torchvision

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")

VISION = {
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None),
    "resnet18": lambda: torchvision.models.resnet18(weights=None),
}


def export_vision(name):
    torch.manual_seed(0)
    model = VISION[name]().eval()
    # Random init leaves BatchNorm at identity stats: give it real ones so folding is exercised.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    path = os.path.join(OUT, f"{name}.onnx")
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=13,
                      input_names=["pixel_values"], output_names=["logits"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
                      do_constant_folding=True)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name in sys.argv[1:] or VISION:
        export_vision(name)
