#!/usr/bin/python3
"""Reference for the PyTorch parity test (tests/cpp/test_parity.cpp).

Builds the project's `classic` preset as the PyTorch LeNet it was specified as (sigmoid, AvgPool2d, Linear(84, 10)) or its modern
variant (ReLU, MaxPool2d, Dropout before the output, here with p = 0), loads the weights and inputs the C++
test wrote, and writes the logits, the cross-entropy loss and every parameter gradient, computed in float64.

File format (both ways): uint32 count, then per tensor: uint32 length, float32 values (little-endian).
Input tensors: C1.w C1.b C3.w C3.b C5.w C5.b F6.w F6.b OUT.w OUT.b images[N,1,32,32] labels[N].
Output tensors: logits[N,10] loss[1] then the gradients in the order of the parameters.
"""
import struct
import sys

import numpy as np
import torch
import torch.nn as nn


class LeNet(nn.Module):
    def __init__(self, modern, num_classes=10):
        super().__init__()
        act = nn.ReLU if modern else nn.Sigmoid
        pool = nn.MaxPool2d if modern else nn.AvgPool2d
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5), act(), pool(kernel_size=2, stride=2),   # C1, S2
            nn.Conv2d(6, 16, kernel_size=5), act(), pool(kernel_size=2, stride=2),  # C3, S4
        )
        tail = [nn.Dropout(0.0)] if modern else []
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), act(),  # C5
            nn.Linear(120, 84), act(),          # F6
            *tail,
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def read_tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (count,) = struct.unpack_from("<I", data, 0)
    offset, out = 4, []
    for _ in range(count):
        (n,) = struct.unpack_from("<I", data, offset)
        offset += 4
        out.append(np.frombuffer(data, dtype="<f4", count=n, offset=offset).astype(np.float64))
        offset += 4 * n
    if offset != len(data):
        raise ValueError(f"{path}: {len(data) - offset} trailing bytes")
    return out


def write_tensors(path, tensors):
    with open(path, "wb") as f:
        f.write(struct.pack("<I", len(tensors)))
        for t in tensors:
            flat = np.asarray(t, dtype="<f4").ravel()
            f.write(struct.pack("<I", flat.size))
            f.write(flat.tobytes())


def main():
    variant, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    torch.manual_seed(0)
    model = LeNet(modern=(variant == "modern")).double()
    tensors = read_tensors(src)
    params = list(model.parameters())
    if len(tensors) != len(params) + 2:
        raise ValueError(f"expected {len(params) + 2} tensors, got {len(tensors)}")
    with torch.no_grad():
        for p, values in zip(params, tensors):
            if values.size != p.numel():
                raise ValueError(f"parameter of shape {tuple(p.shape)} got {values.size} values")
            p.copy_(torch.from_numpy(values).view_as(p))
    images = torch.from_numpy(tensors[-2]).view(-1, 1, 32, 32)
    labels = torch.from_numpy(tensors[-1]).long()
    model.eval()  # dropout off; nothing else differs
    logits = model(images)
    loss = nn.CrossEntropyLoss()(logits, labels)
    loss.backward()
    write_tensors(dst, [logits.detach().numpy(), [loss.item()]] + [p.grad.numpy() for p in params])


if __name__ == "__main__":
    main()
