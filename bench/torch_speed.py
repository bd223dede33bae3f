"""PyTorch side of the training and inference benchmarks (same protocol as bench/training.ts, bench/inference.ts).

A long-running worker, so the benchmark can interleave Whittle and PyTorch runs in one session:
reads one JSON command per line on stdin, answers one JSON line on stdout.
  {"cmd": "hello"}                                    -> {"torch": version, "threads": n}
  {"cmd": "train", "model": NAME, "batches": B}       -> {"seconds": s}  (B batches of 64 after one warm-up batch)
  {"cmd": "infer", "model": NAME, "runs": R}          -> {"ms": [..]}    (predict N digits in one batch, R runs after one warm-up)
  {"cmd": "matmul", "m": M, "k": K, "n": N, "runs": R} -> {"ms": [..]}    (one float32 [M,K]·[K,N] product, R runs after one warm-up)
Run with /usr/bin/python3 and OMP_WAIT_POLICY=PASSIVE (see shared/PLATFORM.md).
Models mirror packages/core/src/models/architectures.ts; the data are random digits of MNIST's shape
(timing does not depend on the pixel values), Adam 1e-3, cross-entropy.
"""
import json
import sys
import time

import torch
from torch import nn

torch.manual_seed(0)


def lenet_300_100():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


def lenet_5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def mobilenet_mini():
    layers = [nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    channels = 16
    for filters, stride in [(32, 2), (64, 1), (128, 2), (128, 1)]:
        layers += [
            nn.Conv2d(channels, channels, 3, stride=stride, padding=1, groups=channels, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, filters, 1, bias=False), nn.BatchNorm2d(filters), nn.ReLU(),
        ]
        channels = filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10)]
    return nn.Sequential(*layers)


MODELS = {"lenet-300-100": lenet_300_100, "lenet-5": lenet_5, "mobilenet-mini": mobilenet_mini}


def digits(n):
    return torch.rand(n, 1, 28, 28), torch.randint(0, 10, (n,))


def train(name, batches):
    model = MODELS[name]()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x, y = digits(64 * (batches + 1))
    model.train()

    def step(b):
        xb, yb = x[b * 64:(b + 1) * 64], y[b * 64:(b + 1) * 64]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    step(batches)  # warm-up, untimed
    t0 = time.perf_counter()
    for b in range(batches):
        step(b)
    return {"seconds": time.perf_counter() - t0}


def infer(name, runs, n=2004):
    model = MODELS[name]().eval()
    x, _ = digits(n)
    ms = []
    with torch.no_grad():
        for i in range(runs + 1):
            t0 = time.perf_counter()
            model(x).softmax(1).numpy()
            if i:  # the first run is a warm-up
                ms.append((time.perf_counter() - t0) * 1000)
    return {"ms": ms}


def matmul(m, k, n, runs):
    a, b = torch.rand(m, k), torch.rand(k, n)
    ms = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        (a @ b).numpy()
        if i:
            ms.append((time.perf_counter() - t0) * 1000)
    return {"ms": ms}


for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["cmd"] == "hello":
        out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    elif cmd["cmd"] == "train":
        out = train(cmd["model"], cmd["batches"])
    elif cmd["cmd"] == "infer":
        out = infer(cmd["model"], cmd["runs"])
    elif cmd["cmd"] == "matmul":
        out = matmul(cmd["m"], cmd["k"], cmd["n"], cmd["runs"])
    else:
        out = {"error": f"unknown command {cmd['cmd']}"}
    print(json.dumps(out), flush=True)
