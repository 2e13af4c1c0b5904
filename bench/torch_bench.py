#!/usr/bin/python3
"""PyTorch CPU, one thread: training samples/s of the seed's LeNet-5 (classic) and the modern variant,
batch 128, Adam, on MNIST-shaped inputs. Prints one JSON object. Used by bench/run.mjs."""
import json
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/tests/parity")
from torch_lenet import LeNet  # noqa: E402

torch.set_num_threads(1)
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
for name, modern in (("classic", False), ("modern", True)):
    torch.manual_seed(0)
    model = LeNet(modern=modern)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(128, 1, 32, 32)
    y = torch.randint(0, 10, (128,))
    loss_fn = nn.CrossEntropyLoss()
    rates = []
    for _ in range(3):
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
            steps += 1
        rates.append(steps * 128 / (time.perf_counter() - start))
    out[name] = sorted(rates)[1]
print(json.dumps(out))
