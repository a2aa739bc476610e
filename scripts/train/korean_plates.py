"""Train the Korean plate recogniser (models/kr_plate_rec.onnx) on synthetic plates, or fine-tune it on your own.

A small CRNN (CNN, one BiLSTM, CTC) reading one text line 48 pixels high, like the PP-OCR recognisers: input
(1, 3, 48, W) BGR normalised to [-1, 1], output (1, W/4, classes) probabilities with the CTC blank first, the
dictionary (lpr.korean_synth.DICTIONARY: digits, A-Z, plate and region syllables) in the ONNX metadata under
"character" as PaddleOCR's exports carry it, so lpr.plate_reader.PlateReader loads it as it loads those.

Lines come from lpr.korean_synth.training_line (rendered with Debian's fonts-nanum; two-line plates split by
lpr.two_line as at run time). Training is not part of tsnvr's dependencies; it needs its own environment:

    python3 -m venv /tmp/train-venv
    /tmp/train-venv/bin/pip install torch numpy pillow opencv-python-headless onnx   # CPU torch is enough
    apt-get install fonts-nanum

    # from scratch; the shipped model is 800 steps of a 56-minute schedule (stopped at 27 minutes on a busy
    # shared core), then 2,169 steps of: --init models/kr_plate_rec.pt --seed 2 --lr 1.2e-3 --minutes 38,
    # then 9,813 steps of: --init models/kr_plate_rec.pt --seed 3 --lr 8e-4 --minutes 75 --threads 1
    PYTHONPATH=. /tmp/train-venv/bin/python scripts/train/korean_plates.py --minutes 35 --out models/kr_plate_rec
    # fine-tune the shipped model on your own crops: a folder of plate crops and labels.txt ("file text" lines,
    # e.g. "cam1_0001.jpg 12가3456"; a two-line plate as one crop labelled "서울12가3456")
    PYTHONPATH=. /tmp/train-venv/bin/python scripts/train/korean_plates.py --finetune my_crops --minutes 10 \\
        --init models/kr_plate_rec.pt --out my_kr_rec

Writes OUT.onnx (set lpr_ocr_kr_model to it) and OUT.pt (the weights, half precision, to fine-tune from).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from lpr.korean_synth import DICTIONARY, split_text, training_line
from lpr.two_line import split_lines

HEIGHT = 48
STRIDE = 4  # input columns per output step
MAX_WIDTH = 320


class Recogniser(nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()

        def block(cin: int, cout: int, pool: tuple[int, int] | None, stride: int = 1) -> list[nn.Module]:
            layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
                                       nn.ReLU(inplace=True)]
            return layers + ([nn.MaxPool2d(pool)] if pool else [])

        self.cnn = nn.Sequential(
            *block(3, 16, None, 2),        # 24 x W/2
            *block(16, 32, (2, 2)),        # 12 x W/4
            *block(32, 48, (2, 1)),        # 6
            *block(48, 80, (2, 1)),        # 3
            nn.Conv2d(80, 128, (3, 1), bias=False), nn.BatchNorm2d(128), nn.ReLU(inplace=True),  # 1
        )
        self.rnn = nn.LSTM(128, 80, bidirectional=True, batch_first=True)
        self.head = nn.Linear(160, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 48, W) -> (N, W/4, classes) logits."""
        features = self.cnn(x).squeeze(2).permute(0, 2, 1)
        features, _ = self.rnn(features)
        return self.head(features)


class Probabilities(nn.Module):
    def __init__(self, model: Recogniser) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=2)


def to_tensor(line: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """A BGR line -> (3, 48, W) in [-1, 1] as PlateReader.prepare makes it (widened at random in training, as
    lpr_ocr_stretch widens it at run time)."""
    h, w = line.shape[:2]
    stretch = rng.uniform(0.8, 1.7) if rng is not None else 1.0
    width = int(min(MAX_WIDTH, max(HEIGHT, math.ceil(HEIGHT * w / max(h, 1) * stretch / 8) * 8)))
    resized = cv2.resize(line, (width, HEIGHT), interpolation=cv2.INTER_AREA if h > HEIGHT else cv2.INTER_CUBIC)
    return resized.astype(np.float32).transpose(2, 0, 1) * (2 / 255) - 1


def batch(lines: list[tuple[np.ndarray, str]], index: dict[str, int],
          rng: np.random.Generator | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return stack([(to_tensor(line, rng), text) for line, text in lines], index)


def stack(tensors_texts: list[tuple[np.ndarray, str]],
          index: dict[str, int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    tensors = [t for t, _ in tensors_texts]
    lines = tensors_texts
    width = max(t.shape[2] for t in tensors)
    # padding continues each line's right edge (the plate's background) so it reads as blank
    padded = np.stack([np.pad(t, ((0, 0), (0, 0), (0, width - t.shape[2])), mode="edge") for t in tensors])
    targets = torch.tensor([index[c] for _, text in lines for c in text], dtype=torch.long)
    lengths = torch.tensor([len(text) for _, text in lines], dtype=torch.long)
    return torch.from_numpy(padded), targets, lengths


def decode(logits: torch.Tensor) -> list[str]:
    out = []
    for row in logits.argmax(2).tolist():
        chars, last = [], 0
        for k in row:
            if k != last and k != 0:
                chars.append(DICTIONARY[k - 1])
            last = k
        out.append("".join(chars))
    return out


def own_lines(folder: Path) -> list[tuple[np.ndarray, str]]:
    """A user's crops (labels.txt: "file text" per line) as text lines; a two-line regional plate is split."""
    out = []
    for row in (folder / "labels.txt").read_text(encoding="utf-8").splitlines():
        if not row.strip():
            continue
        name, text = row.split(maxsplit=1)
        text = "".join(text.split())
        image = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"{folder / name}: not a picture")
        unknown = set(text) - set(DICTIONARY)
        if unknown:
            raise SystemExit(f"{name}: {''.join(sorted(unknown))} not in the dictionary")
        h, w = image.shape[:2]
        split = split_lines(image) if not text[0].isdigit() and w < 2.3 * h else None
        if split is not None:
            top, bottom = split_text(text)
            out += [(split[0], top), (split[1], bottom)]
        else:
            out.append((image, text))
    return out


def batches(lines: Iterator[tuple[np.ndarray, str]], size: int, index: dict[str, int],
            rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Batches of lines of similar widths (less padding to compute)."""
    while True:
        pool = [(to_tensor(line, rng), text) for line, text in (next(lines) for _ in range(4 * size))]
        pool.sort(key=lambda pair: pair[0].shape[2])
        parts = [pool[k * size:(k + 1) * size] for k in range(4)]
        for k in rng.permutation(4):
            yield stack(parts[k], index)


REPLAY = 6000  # lines kept for reuse: drawing a plate costs about as much CPU as learning from it twice


def stream(seed: int, own: list[tuple[np.ndarray, str]]) -> Iterator[tuple[np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    recent: list[tuple[np.ndarray, str]] = []
    while True:
        if own and rng.random() < 0.5:  # half the user's lines, half synthetic ones (so nothing is forgotten)
            yield own[int(rng.integers(len(own)))]
        elif len(recent) >= 500 and rng.random() < 0.67:  # (each line is widened afresh when reused)
            yield recent[int(rng.integers(len(recent)))]
        else:
            for pair in training_line(rng):
                if len(recent) < REPLAY:
                    recent.append(pair)
                else:
                    recent[int(rng.integers(REPLAY))] = pair
                yield pair


def export(model: Recogniser, out: Path) -> None:
    import onnx

    model.eval()
    path = out.with_suffix(".onnx")
    torch.onnx.export(Probabilities(model), (torch.zeros(1, 3, HEIGHT, 160),), str(path), dynamo=False,
                      input_names=["x"], output_names=["softmax"], opset_version=17,
                      dynamic_axes={"x": {0: "batch", 3: "width"}, "softmax": {0: "batch", 1: "steps"}})
    proto = onnx.load(str(path))
    entry = proto.metadata_props.add()
    entry.key, entry.value = "character", "\n".join(DICTIONARY)
    onnx.save(proto, str(path))
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()},
               out.with_suffix(".pt"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=35.0, help="training time")
    parser.add_argument("--out", type=Path, default=Path("models/kr_plate_rec"), help="OUT.onnx and OUT.pt")
    parser.add_argument("--init", type=Path, help="start from these weights (.pt written by this script)")
    parser.add_argument("--finetune", type=Path, help="folder of your own crops with labels.txt")
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate (2e-3; 3e-4 to fine-tune)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    index = {c: i + 1 for i, c in enumerate(DICTIONARY)}
    model = Recogniser(len(DICTIONARY) + 1)
    if args.init:
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in torch.load(args.init).items()})
    own = own_lines(args.finetune) if args.finetune else []
    peak = args.lr or (3e-4 if args.init else 2e-3)
    optimiser = torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    batched = batches(stream(args.seed, own), args.batch, index, np.random.default_rng(args.seed))
    # a fixed check set from another seed (the user's own lines when fine-tuning)
    check_rng = np.random.default_rng(10_000 + args.seed)
    check = own[:200] if own else [pair for _ in range(120) for pair in training_line(check_rng)]
    budget = args.minutes * 60
    start = time.monotonic()
    step, loss_sum = 0, 0.0
    while (elapsed := time.monotonic() - start) < budget:
        progress = elapsed / budget
        lr = peak * min(1.0, progress / 0.03) * (0.5 * (1 + math.cos(math.pi * progress)) * 0.97 + 0.03)
        for group in optimiser.param_groups:
            group["lr"] = lr
        model.train()
        x, targets, lengths = next(batched)
        log_probs = model(x).log_softmax(2).permute(1, 0, 2)
        steps = torch.full((x.shape[0],), log_probs.shape[0], dtype=torch.long)
        loss = ctc(log_probs, targets, steps, lengths)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimiser.step()
        step += 1
        loss_sum += float(loss.detach())
        if step % 100 == 0:
            model.eval()
            with torch.no_grad():
                right = 0
                for i in range(0, len(check), 32):
                    part = check[i:i + 32]
                    right += sum(read == text for read, (_, text) in
                                 zip(decode(model(batch(part, index, None)[0])), part, strict=True))
            print(f"{elapsed / 60:5.1f} min step {step} lr {lr:.2e} loss {loss_sum / 100:.3f} "
                  f"check {100 * right / len(check):.1f} % exact ({len(check)} lines)", flush=True)
            loss_sum = 0.0
            if step % 200 == 0:
                export(model, args.out)
    export(model, args.out)
    print(f"wrote {args.out.with_suffix('.onnx')} after {step} steps", flush=True)


if __name__ == "__main__":
    main()
