#!/usr/bin/python3
"""Reference for the PyTorch parity test (tests/cpp/test_parity.cpp).

Builds the project's `classic` preset as the PyTorch LeNet it was specified as (sigmoid, AvgPool2d, Linear(84, 10)) or its modern
variant (ReLU, MaxPool2d, Dropout before the output, here with p = 0), loads the weights and inputs the C++
test wrote, and writes the logits, the cross-entropy loss and every parameter gradient, computed in float64.

File format (both ways): uint32 count, then per tensor: uint32 length, float32 values (little-endian).
Input tensors: C1.w C1.b C3.w C3.b C5.w C5.b F6.w F6.b OUT.w OUT.b images[N,1,32,32] labels[N].
Output tensors: logits[N,10] loss[1] then the gradients in the order of the parameters.

`torch_lenet.py input-gradient PRESET IN OUT` (PRESET: modern, classic or lecun1998) is the reference for
the input gradient, d log p(target) / d image, with p the probability the engine's predict() gives:
softmax of the logits, or for lecun1998's RBF output softmax of minus the distances. The image is the
engine's: 28x28 values in [0, 1], centred in the 32x32 field with a border of 0 (blank), then mapped to the
preset's input levels; the gradient is with respect to the [0, 1] values of that whole 32x32 field.
Input tensors: the engine's parameters in its order (classic, modern: as above; lecun1998: see
LeCun1998.SHAPES), then for lecun1998 the RBF codes[10,84], then images[N,28,28] and
queries[Q,2] (image index, target class).
Output tensors: outputs[N,10] (logits, or RBF distances), log_p[Q], gradients[Q,32,32].
"""
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


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


def c3_table():
    """LeCun et al. 1998, section II-B and Table I, as the text describes it: C3 maps 0-5 take three
    neighbouring S2 maps, 6-11 four neighbouring ones, 12-14 four in two separated pairs, 15 all six
    (neighbours counted round the six maps). [16 C3 maps, 6 S2 maps], 1 where connected."""
    t = torch.zeros(16, 6, dtype=torch.float64)
    for j in range(6):
        for k in range(3):
            t[j, (j + k) % 6] = 1
        for k in range(4):
            t[6 + j, (j + k) % 6] = 1
    for j in range(3):
        for k in (0, 1, 3, 4):
            t[12 + j, (j + k) % 6] = 1
    t[15, :] = 1
    return t


class LeCun1998(nn.Module):
    """The paper's LeNet-5 (the engine's lecun1998 preset): f(a) = 1.7159 tanh(2a/3) after C1, S2, C3, S4, C5
    and F6 (appendix A; section II-B says the subsampling units pass their sum through it too); S2 and S4
    are trainable subsampling, per map a = coefficient * (sum of the 2x2 block) + bias; C3 is connected
    by Table I; the output is the Euclidean RBF y_i = sum_j (x_j - w_ij)^2 with fixed codes w."""

    # The engine's parameter spans (Network::parameters()), in its order, with their shapes.
    SHAPES = [
        ("C1.w", (6, 1, 5, 5)), ("C1.b", (6,)),
        ("S2.coefficient", (6,)), ("S2.bias", (6,)),
        ("C3.w", (16, 6, 5, 5)), ("C3.b", (16,)),
        ("S4.coefficient", (16,)), ("S4.bias", (16,)),
        ("C5.w", (120, 400)), ("C5.b", (120,)),
        ("F6.w", (84, 120)), ("F6.b", (84,)),
    ]

    def __init__(self, values, codes):
        super().__init__()
        self.p = {}
        for (name, shape), v in zip(self.SHAPES, values):
            if v.size != int(np.prod(shape)):
                raise ValueError(f"{name} of shape {shape} got {v.size} values")
            self.p[name] = torch.from_numpy(v).view(shape)
        self.codes = torch.from_numpy(codes).view(10, 84)
        self.table = c3_table()
        # The weights must be the table's: zero where it leaves a connection out, a real kernel where not.
        # (Masking alone would hide an engine whose table left out a connection the paper has.)
        w = self.p["C3.w"]
        kernel_zero = (w == 0).all(dim=3).all(dim=2)
        if ((self.table == 0) & ~kernel_zero).any() or ((self.table == 1) & kernel_zero).any():
            raise ValueError("C3's weights do not follow the paper's Table I")

    @staticmethod
    def squash(a):
        return 1.7159 * torch.tanh(a * (2.0 / 3.0))

    @staticmethod
    def subsample(x, coefficient, bias):
        n, c, h, w = x.shape
        block_sums = x.reshape(n, c, h // 2, 2, w // 2, 2).sum(dim=(3, 5))
        return coefficient.view(1, c, 1, 1) * block_sums + bias.view(1, c, 1, 1)

    def forward(self, x):
        p, f = self.p, self.squash
        x = f(F.conv2d(x, p["C1.w"], p["C1.b"]))                                      # C1 6@28x28
        x = f(self.subsample(x, p["S2.coefficient"], p["S2.bias"]))                 # S2 6@14x14
        x = f(F.conv2d(x, p["C3.w"] * self.table[:, :, None, None], p["C3.b"]))     # C3 16@10x10
        x = f(self.subsample(x, p["S4.coefficient"], p["S4.bias"]))                 # S4 16@5x5
        # C5 is a convolution whose 5x5 kernels cover S4 whole: one value per map (the engine's dense layer).
        x = f(F.conv2d(x, p["C5.w"].view(120, 16, 5, 5), p["C5.b"])).flatten(1)    # C5 120
        x = f(F.linear(x, p["F6.w"], p["F6.b"]))                                    # F6 84
        return ((x[:, None, :] - self.codes[None, :, :]) ** 2).sum(dim=2)            # OUTPUT: 10 distances


def load_lenet(variant, tensors):
    """The classic or modern LeNet in float64 with the engine's parameters (the first 10 tensors)."""
    model = LeNet(modern=(variant == "modern")).double()
    params = list(model.parameters())
    if len(tensors) < len(params):
        raise ValueError(f"expected {len(params)} parameter tensors, got {len(tensors)}")
    with torch.no_grad():
        for p, values in zip(params, tensors):
            if values.size != p.numel():
                raise ValueError(f"parameter of shape {tuple(p.shape)} got {values.size} values")
            p.copy_(torch.from_numpy(values).view_as(p))
    return model, params


def main():
    if sys.argv[1] == "input-gradient":
        input_gradient_main(*sys.argv[2:])
        return
    variant, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    torch.manual_seed(0)
    tensors = read_tensors(src)
    model, params = load_lenet(variant, tensors)
    if len(tensors) != len(params) + 2:
        raise ValueError(f"expected {len(params) + 2} tensors, got {len(tensors)}")
    images = torch.from_numpy(tensors[-2]).view(-1, 1, 32, 32)
    labels = torch.from_numpy(tensors[-1]).long()
    model.eval()  # dropout off; nothing else differs
    logits = model(images)
    loss = nn.CrossEntropyLoss()(logits, labels)
    loss.backward()
    write_tensors(dst, [logits.detach().numpy(), [loss.item()]] + [p.grad.numpy() for p in params])


def log_probability(scores, target):
    """log softmax(scores)[target], written so that its gradient stays accurate when p(target) is near 1.

    log p_t = -log(1 + sum_{i != t} exp(s_i - s_t)) = -softplus(logsumexp_{i != t}(s_i - s_t)). Autograd of
    torch.log_softmax takes the target's term as 1 - p_t, which is 0 in float64 once p_t is within 1e-16 of 1
    (the shipped models are that sure of many digits); here it is sigmoid(z), exact for any z.
    """
    others = torch.cat([scores[:target], scores[target + 1:]]) - scores[target]
    return -F.softplus(torch.logsumexp(others, dim=0))


def input_gradient_main(preset, src, dst):
    tensors = read_tensors(src)
    if preset == "lecun1998":
        count = len(LeCun1998.SHAPES)
        model = LeCun1998(tensors[:count], tensors[count])
        rest = tensors[count + 1:]
        # Section II-B: background (white) -0.1, foreground (black) 1.175. p: softmax of minus the distances.
        background, ink, sign = -0.1, 1.175, -1.0
    elif preset in ("classic", "modern"):
        model, params = load_lenet(preset, tensors)
        rest = tensors[len(params):]
        background, ink, sign = 0.0, 1.0, 1.0
    else:
        raise ValueError(f"unknown preset {preset}")
    if len(rest) != 2:
        raise ValueError(f"expected images and queries after the parameters, got {len(rest)} more tensors")
    images = torch.from_numpy(rest[0]).view(-1, 28, 28)
    queries = torch.from_numpy(rest[1]).view(-1, 2).long()
    model.eval()  # modern's dropout is the identity, as in the engine's input gradient

    def field(image28):
        # Centred in 32x32 with a 2 px blank border, still in [0, 1]: the gradient is taken here.
        return F.pad(image28, (2, 2, 2, 2))

    def levels(values01):
        # [0, 1] to the levels the network sees (the engine does this inside, see its load_input).
        return background + (ink - background) * values01

    with torch.no_grad():
        outputs = model(levels(field(images).unsqueeze(1)))
    log_ps, grads = [], []
    for i, target in queries.tolist():
        image = field(images[i]).view(1, 1, 32, 32).clone().requires_grad_(True)
        log_p = log_probability(sign * model(levels(image))[0], target)
        log_p.backward()
        log_ps.append(log_p.item())
        grads.append(image.grad.view(32, 32).numpy())
    write_tensors(dst, [outputs.numpy(), log_ps, np.stack(grads)])


if __name__ == "__main__":
    main()
