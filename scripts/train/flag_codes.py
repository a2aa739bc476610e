"""Train the EU flag band classifier (models/flag_code.onnx) on synthetic bands (lpr.band_synth).

A small CNN (three convolution blocks, one hidden layer) over the band in grey, 48 x 24 pixels (lpr.flag_code.
prepare), with a softmax over lpr.flag_code.CODES in the exported graph. Training is not part of tsnvr's
dependencies; it needs its own environment:

    python3 -m venv /tmp/train-venv
    /tmp/train-venv/bin/pip install torch numpy pillow opencv-python-headless onnx   # CPU torch is enough
    apt-get install fonts-dejavu-core

    # the shipped model: 20 minutes from scratch (two processes drawing bands on two cores), then
    #   --init OUT.pt --seed 2 --lr 1e-3 --minutes 25, then --init OUT.pt --seed 3 --lr 5e-4 --minutes 20
    # (lpr.band_synth gained its bolder strokes before the last run)
    PYTHONPATH=. /tmp/train-venv/bin/python scripts/train/flag_codes.py --minutes 20 --out models/flag_code

Writes OUT.onnx and OUT.pt (the weights, to go on from with --init), and prints its accuracy on synthetic bands
it never saw (another seed), overall and where it is sure (at several thresholds, lpr.flag_code.SURE among them).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from lpr.band_synth import band_sample
from lpr.flag_code import CODES, INPUT, SURE, prepare


class Bands(torch.utils.data.IterableDataset):  # type: ignore[type-arg]
    """Endless batches of synthetic bands, each worker from its own seed."""

    def __init__(self, seed: int, size: int) -> None:
        self.seed, self.size = seed, size

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, 0 if info is None else info.id])
        while True:
            yield batch(rng, self.size)


def batch(rng: np.random.Generator, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    xs, ys = [], []
    while len(xs) < size:
        label = int(rng.integers(0, len(CODES)))
        band = band_sample(CODES[label][0], rng)
        if band is None:
            continue
        xs.append(prepare(band)[0])
        ys.append(label)
    return torch.from_numpy(np.stack(xs)), torch.tensor(ys)


def model() -> nn.Module:
    def block(a: int, b: int) -> list[nn.Module]:
        return [nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2)]

    h, w = INPUT[0] // 8, INPUT[1] // 8
    return nn.Sequential(*block(1, 24), *block(24, 48), *block(48, 64), nn.Flatten(),
                         nn.Dropout(0.2), nn.Linear(64 * h * w, 128), nn.ReLU(), nn.Linear(128, len(CODES)))


def evaluate(net: nn.Module, seed: int, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The probability of the code the net names on each of `count` fresh bands, and whether it is right."""
    net.eval()
    x, y = batch(np.random.default_rng(seed), count)
    with torch.no_grad():
        best, label = torch.softmax(net(x), 1).max(1)
    return best, label == y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=12)
    parser.add_argument("--out", default="models/flag_code")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--workers", type=int, default=2, help="processes rendering bands")
    parser.add_argument("--init", help="weights to start from (a .pt this script wrote)")
    parser.add_argument("--lr", type=float, default=2e-3, help="the learning rate at the start (it falls to 5 %%)")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    net = model()
    if args.init:
        net.load_state_dict(torch.load(args.init))
    batches = iter(torch.utils.data.DataLoader(Bands(args.seed, args.batch), batch_size=None,
                                               num_workers=args.workers))
    optimiser = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    end = time.monotonic() + 60 * args.minutes
    step = 0
    while time.monotonic() < end:
        net.train()
        x, y = next(batches)
        left = max(0.0, (end - time.monotonic()) / (60 * args.minutes))
        for group in optimiser.param_groups:
            group["lr"] = args.lr * (0.05 + 0.95 * left)
        loss = loss_fn(net(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        step += 1
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.3f}", flush=True)
    best, right = evaluate(net, args.seed + 1000, 2000)
    print(f"{step} steps; unseen synthetic bands: {100 * float(right.float().mean()):.1f} % right")
    for sure_at in sorted({0.5, 0.6, 0.7, SURE, 0.9, 0.95}):
        sure = best >= sure_at
        where_sure = float(right[sure].float().mean()) if bool(sure.any()) else 0.0
        print(f"  sure at {sure_at}: of {100 * float(sure.float().mean()):.1f} % of them, "
              f"{100 * where_sure:.2f} % right")
    torch.save(net.state_dict(), f"{args.out}.pt")
    net.eval()
    exported = nn.Sequential(net, nn.Softmax(1))
    torch.onnx.export(exported, torch.zeros(1, 1, *INPUT), f"{args.out}.onnx", input_names=["band"],
                      output_names=["probs"], dynamic_axes={"band": {0: "n"}, "probs": {0: "n"}}, opset_version=17,
                      dynamo=False)


if __name__ == "__main__":
    main()
