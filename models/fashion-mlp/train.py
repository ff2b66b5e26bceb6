"""Train the "seed" MLP (784-128-10) on Fashion-MNIST and export it to ONNX.

Run:  python3 models/fashion-mlp/train.py
Writes models/fashion-mlp/{onnx/model.onnx,config.json,preprocessor_config.json}.
"""

import os
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import fashion_data as fd  # noqa: E402

EPOCHS = 15
LR = 1e-3
BATCH = 128


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):  # x: (N, 1, 28, 28)
        x = torch.flatten(x, 1)
        x = self.relu(self.fc1(x))
        return self.fc2(x)  # logits


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    data = fd.load_tensors()
    model = Net()
    t0 = time.time()
    acc = fd.train(model, data, epochs=EPOCHS, lr=LR, batch_size=BATCH, lr_decay="cosine")
    fd.finish(model, HERE, "wisp-mlp", "FashionMLP", acc, time.time() - t0)


if __name__ == "__main__":
    main()
