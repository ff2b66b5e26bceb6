"""Train a small CNN on Fashion-MNIST and export it to ONNX.

Run:  python3 models/fashion-cnn/train.py
Writes models/fashion-cnn/{onnx/model.onnx,config.json,preprocessor_config.json}.
Same preprocessing as fashion-mlp (see models/fashion_data.py).
"""

import os
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import fashion_data as fd  # noqa: E402

EPOCHS = 5
LR = 2e-3
BATCH = 128


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(0.3)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):  # x: (N, 1, 28, 28)
        x = torch.flatten(self.features(x), 1)
        x = self.relu(self.fc1(x))
        return self.fc2(self.dropout(x))  # logits


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    data = fd.load_tensors()
    model = FashionCNN()
    t0 = time.time()
    acc = fd.train(model, data, epochs=EPOCHS, lr=LR, batch_size=BATCH, lr_decay="cosine")
    fd.finish(model, HERE, "wisp-cnn", "FashionCNN", acc, time.time() - t0)


if __name__ == "__main__":
    main()
