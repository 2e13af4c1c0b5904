#!/usr/bin/python3
"""PyTorch CPU on one thread, for bench/run.mjs: the specified LeNet-5 (classic) and the modern variant
(Dropout 0.5 before the output, like the engine's preset), batch 128, Adam, on the same MNIST images.

Stays alive so rounds can alternate with the native tool: prints one JSON line on start, then answers each
command line on stdin with one JSON line.
  python3 bench/torch_bench.py MNIST_DIR
  train PRESET SECONDS   -> {"trainSamplesPerSecond": ...}
  predict PRESET         -> {"predictMicroseconds": ..., "batchPredictPerSecond": ...}
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "parity"))
from torch_lenet import LeNet  # noqa: E402

BATCH = 128
POOL = 4096  # images cycled through, as in bench/run.mjs


def read_mnist(directory, count):
    with open(os.path.join(directory, "train-images-idx3-ubyte"), "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, count=count * 784, offset=16)
    with open(os.path.join(directory, "train-labels-idx1-ubyte"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, count=count, offset=8)
    images = np.zeros((count, 1, 32, 32), dtype=np.float32)
    images[:, 0, 2:30, 2:30] = raw.reshape(count, 28, 28) / 255.0  # 28x28 padded by 2, as the engine does
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


class Side:
    def __init__(self, preset, images, labels):
        torch.manual_seed(0)
        self.model = LeNet(modern=(preset == "modern"))
        for m in self.model.modules():
            if isinstance(m, nn.Dropout):
                m.p = 0.5 if preset == "modern" else 0.0
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3 if preset == "modern" else 1e-2)
        self.loss_fn = nn.CrossEntropyLoss()
        self.images, self.labels = images, labels
        self.batch = 0
        self.step()  # warm

    def step(self):
        b = self.batch % (POOL // BATCH)
        self.batch += 1
        x, y = self.images[b * BATCH:(b + 1) * BATCH], self.labels[b * BATCH:(b + 1) * BATCH]
        self.model.train()
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def train(self, seconds):
        steps, start = 0, time.perf_counter()
        while steps == 0 or time.perf_counter() - start < seconds:
            self.step()
            steps += 1
        return {"trainSamplesPerSecond": steps * BATCH / (time.perf_counter() - start)}

    def predict(self):
        self.model.eval()
        with torch.no_grad():
            one = self.images[:1]
            times = []
            for _ in range(300):
                t = time.perf_counter()
                torch.softmax(self.model(one), 1)
                times.append(time.perf_counter() - t)
            thousand = self.images[:1000]
            torch.softmax(self.model(thousand), 1)
            n, start = 0, time.perf_counter()
            while n == 0 or time.perf_counter() - start < 1.0:
                torch.softmax(self.model(thousand), 1)
                n += 1000
            rate = n / (time.perf_counter() - start)
        return {"predictMicroseconds": float(np.median(times[50:])) * 1e6, "batchPredictPerSecond": rate}


def main():
    torch.set_num_threads(1)
    images, labels = read_mnist(sys.argv[1], POOL)
    sides = {p: Side(p, images, labels) for p in ("classic", "modern")}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "train":
            out = sides[words[1]].train(float(words[2]))
        elif words[0] == "predict":
            out = sides[words[1]].predict()
        else:
            out = {"error": f"unknown command {words[0]!r}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
