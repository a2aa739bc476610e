"""Benchmark of the multi-frame vote: how many more plates a track reads right than its single frames do.

Each labelled photo of a development set (NAME.txt: `file x y width height PLATE`) becomes a short clip, as a
camera would see the car approach: the plate starts smaller (START_SCALE of its size) and off its place, and
grows and moves into the photo as it is over the clip; each frame gets its own bit of blur, sensor noise and
JPEG compression. The engine reads the frames (onnxruntime on one thread), the LPR worker's plate tracker
follows the plates, and the track at the labelled plate is voted with the engine's formats (lpr/plate_vote.py).

Per set it prints the single-frame exact % (the read at the labelled plate, mean over all frames), the voted
exact % (per clip), the gain, and for comparison the exact % of each track's best-scoring read.

    .venv/bin/python scripts/bench/lpr_video.py [--dataset DIR ...] [--frames 10 --analyse 5] [--limit N]
                                                [--regions BR] [--misses]

The engine reads 5 of the 10 frames of each clip by default (the LPR worker, too, analyses only some of a
camera's frames), which keeps a run over both sets to about 5 minutes of one core; `--analyse 10` reads
them all.

`--reads FILE` keeps every frame's reads in FILE (JSON) and reuses them when it exists, so the vote can be
measured again without reading the frames again.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from lpr.config import LprConfig  # noqa: E402
from lpr.pipeline import LprEngine, PlateRead  # noqa: E402
from lpr.plate_formats import PlateFormat, Prior  # noqa: E402
from lpr.tracker import PlateTracker, iou  # noqa: E402

Box = tuple[int, int, int, int]
# beside the repository (a worktree's may sit one folder deeper)
SHARED = next((p / "shared" / "datasets" for p in REPO.parents if (p / "shared" / "datasets").is_dir()),
              REPO.parent / "shared" / "datasets")
DATASETS = [SHARED / name for name in ("openalpr-br", "openalpr-eu")]
START_SCALE = 0.6  # the plate's size in the first frame, as a share of its size in the photo
START_SHIFT = 0.15  # how far off its place it starts: this share of the photo's width (and half of its height)
FRAME_MS = 200.0  # between analysed frames
FOUND_IOU = 0.3


@dataclass
class Sample:
    path: Path
    box: Box
    plate: str


def load_dataset(folder: Path) -> list[Sample]:
    samples = []
    for txt in sorted(folder.glob("*.txt")):
        parts = txt.read_text(encoding="utf-8").split()
        if len(parts) == 6:
            name, x, y, w, h, plate = parts
            samples.append(Sample(folder / name, (int(x), int(y), int(w), int(h)), plate.upper()))
    return samples


def clip(image: np.ndarray, box: Box, times: list[float], rng: np.random.Generator) -> list[tuple[np.ndarray, Box]]:
    """The photo as frames of a car approaching, at `times` from 0 (the first frame) to 1 (the photo as it
    is), each with the plate's box in it."""
    h, w = image.shape[:2]
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    side = rng.choice([-1.0, 1.0])
    shift_x, shift_y = side * START_SHIFT * w * rng.uniform(0.5, 1.0), -START_SHIFT / 2 * h * rng.uniform(0.5, 1.0)
    # the whole plate in view in the first frame (and so in all: its edges move in straight lines)
    half_w, half_h = START_SCALE * box[2] / 2, START_SCALE * box[3] / 2
    shift_x = float(np.clip(cx + shift_x, half_w, w - half_w) - cx)
    shift_y = float(np.clip(cy + shift_y, half_h, h - half_h) - cy)
    out = []
    for t in times:
        scale = START_SCALE + (1 - START_SCALE) * t
        small = image if scale == 1 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        # the plate's centre goes from (cx + shift) to (cx, cy): translate the scaled photo to put it there
        tx, ty = cx + (1 - t) * shift_x - scale * cx, cy + (1 - t) * shift_y - scale * cy
        frame = cv2.warpAffine(small, np.array([[1, 0, tx], [0, 1, ty]], np.float32), (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        out.append((camera(frame, rng), (round(scale * box[0] + tx), round(scale * box[1] + ty),
                                         round(scale * box[2]), round(scale * box[3]))))
    return out


def camera(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A frame as a camera delivers it: a little defocus or motion blur, sensor noise, JPEG."""
    if rng.random() < 0.5:
        sigma = rng.uniform(0.3, 1.2)
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    else:
        length = int(rng.integers(1, 5))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        frame = cv2.filter2D(frame, -1, kernel)
    noisy = frame.astype(np.float32) + rng.uniform(1.0, 5.0) * rng.standard_normal(frame.shape, np.float32)
    frame = np.clip(noisy, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(45, 90))])
    return cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else frame


@dataclass
class Frame:
    truth: Box
    reads: list[PlateRead]


def analysed(frames: int, count: int) -> list[float]:
    """The times (0 to 1) of `count` frames spread evenly over a clip of `frames`, the last one included."""
    steps = np.unique(np.round(np.linspace(0, frames - 1, min(count, frames))).astype(int))
    return [float(k) / max(1, frames - 1) for k in steps]


def read_clip(engine: LprEngine, sample: Sample, times: list[float]) -> tuple[list[Frame], float]:
    """The clip's frames with the engine's reads, and the CPU seconds the engine took."""
    image = cv2.imread(str(sample.path))
    if image is None:
        raise SystemExit(f"cannot read {sample.path}")
    rng = np.random.default_rng(zlib.crc32(sample.path.name.encode()))
    out, cpu = [], 0.0
    for frame, truth in clip(image, sample.box, times, rng):
        started = time.process_time()
        reads = engine.read_plates(frame)
        cpu += time.process_time() - started
        out.append(Frame(truth, reads))
    return out, cpu


def at_plate(frame: Frame) -> PlateRead | None:
    """The read at the labelled plate: the one overlapping it most."""
    best = max(frame.reads, key=lambda r: iou(r.box, frame.truth), default=None)
    return best if best is not None and iou(best.box, frame.truth) >= FOUND_IOU else None


@dataclass
class Outcome:
    """One clip: the single-frame reads at the plate, and the voted track's text."""
    plate: str
    singles: list[str | None]
    voted: str | None
    best: str | None  # the track's best-scoring read
    score: float = 0.0  # the vote's
    reads: list[str] = field(default_factory=list)  # the track's reads, in order


Settle = Callable[[Sequence[PlateRead]], tuple[list[PlateFormat], Prior | None]]  # reads -> formats and prior


def vote_clip(plate: str, frames: list[Frame], settle: Settle) -> Outcome:
    """The frames through the worker's plate tracker; the track holding most reads at the plate is voted."""
    tracker = PlateTracker[str](gap_ms=3 * FRAME_MS)
    at = [at_plate(f) for f in frames]
    canvas = np.zeros((1, 1, 3), np.uint8)  # the tracker keeps crops of its frames: not needed here
    for k, frame in enumerate(frames):
        tracker.update(k * FRAME_MS, [(r, "clip") for r in frame.reads], canvas)
    tracks = tracker.close(len(frames) * FRAME_MS, everything=True)
    singles = [r.text if r is not None else None for r in at]
    held = [(sum(1 for r in t.reads if any(r is a for a in at)), t) for t in tracks]
    count, track = max(held, key=lambda h: h[0], default=(0, None))
    if track is None or count == 0:
        return Outcome(plate, singles, None, None)
    best = max(track.reads, key=lambda r: r.score)
    result = track.vote(*settle(track.reads))
    return Outcome(plate, singles, result.text, best.text, result.score, [r.text for r in track.reads])


def summary(name: str, outcomes: list[Outcome]) -> dict[str, object]:
    singles = [s for o in outcomes for s in o.singles]
    single = 100 * sum(1 for o in outcomes for s in o.singles if s == o.plate) / max(1, len(singles))
    voted = 100 * sum(1 for o in outcomes if o.voted == o.plate) / max(1, len(outcomes))
    best = 100 * sum(1 for o in outcomes if o.best == o.plate) / max(1, len(outcomes))
    return {"name": name, "clips": len(outcomes), "frames": len(singles),
            "single_exact": round(single, 1), "voted_exact": round(voted, 1), "gain": round(voted - single, 1),
            "best_read_exact": round(best, 1),
            "single_found": round(100 * sum(1 for s in singles if s is not None) / max(1, len(singles)), 1),
            "track_found": round(100 * sum(1 for o in outcomes if o.voted is not None) / max(1, len(outcomes)), 1)}


def read_to_json(read: PlateRead) -> dict[str, object]:
    return {k: v for k, v in asdict(read).items() if k != "vehicle"}


def read_from_json(data: dict) -> PlateRead:
    data = {**data, "box": tuple(data["box"]), "quad": [tuple(p) for p in data["quad"]]}
    return PlateRead(**data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, action="append", help="a development set (default: BR and EU)")
    parser.add_argument("--frames", type=int, default=10, help="frames per clip (default 10)")
    parser.add_argument("--analyse", type=int, default=5,
                        help="of those, frames the engine reads, spread evenly, the last included (default 5)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N photos of each set")
    parser.add_argument("--regions", default="", help="plate regions for the engine, e.g. BR (default: the "
                                                      "settings' default, auto)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an engine setting for this run, e.g. --set ocr_stretch=1.0 (see lpr/config.py)")
    parser.add_argument("--reads", type=Path, help="keep the frames' reads in this JSON file, and reuse them")
    parser.add_argument("--misses", action="store_true", help="list every clip the vote does not read exactly")
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON lines")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)  # one core: OpenCV's own pool would spread resizes and warps over the others

    regions = [r for r in args.regions.split(",") if r.strip()]
    overrides = dict(item.split("=", 1) for item in args.set)
    chosen: dict[str, object] = {"regions": regions} if regions else {}
    engine = LprEngine(LprConfig.from_settings(None, **{**overrides, **chosen, "threads": 1}))
    times = analysed(args.frames, args.analyse)
    config = f"{args.frames}/{len(times)}/{','.join(regions)}/{' '.join(args.set)}"
    cache: dict[str, list[dict]] = json.loads(args.reads.read_text()) if args.reads and args.reads.exists() else {}
    summaries, misses = [], []
    for folder in args.dataset or DATASETS:
        outcomes, cpu, read_frames = [], 0.0, 0
        for sample in load_dataset(folder)[:args.limit or None]:
            key = f"{folder.name}/{sample.path.name}/{config}"
            if key in cache:
                frames = [Frame((*f["truth"],), [read_from_json(r) for r in f["reads"]]) for f in cache[key]]
            else:
                frames, seconds = read_clip(engine, sample, times)
                cpu, read_frames = cpu + seconds, read_frames + len(frames)
                cache[key] = [{"truth": f.truth, "reads": [read_to_json(r) for r in f.reads]} for f in frames]
            outcome = vote_clip(sample.plate, frames, lambda reads: (engine.formats_for_reads(reads),
                                                                     engine.prior_for_reads(reads)))
            outcomes.append(outcome)
            if outcome.voted != outcome.plate:
                misses.append(f"{folder.name}/{sample.path.name}: {sample.plate} voted {outcome.voted} "
                              f"(score {outcome.score}) "
                              f"from {' '.join(outcome.reads) or 'no reads'}")
        name = f"{folder.name} ({','.join(regions) or 'defaults'})"
        summaries.append({**summary(name, outcomes),
                          "cpu_ms_per_frame": round(1000 * cpu / read_frames, 1) if read_frames else None})
    if args.reads:
        args.reads.write_text(json.dumps(cache))

    for s in summaries:
        if args.json:
            print(json.dumps(s))
            continue
        timing = f", engine {s['cpu_ms_per_frame']} ms CPU a frame on 1 thread" if s["cpu_ms_per_frame"] else ""
        print(f"{s['name']}: {s['clips']} clips, {len(times)} of {args.frames} frames read{timing}\n"
              f"  single frame exact {s['single_exact']:5.1f} %  (found {s['single_found']:5.1f} %)\n"
              f"  voted track  exact {s['voted_exact']:5.1f} %  (found {s['track_found']:5.1f} %)  "
              f"gain {s['gain']:+.1f} points\n"
              f"  best-scoring read of the track exact {s['best_read_exact']:5.1f} %")
    if args.misses:
        for miss in misses:
            print(f"  {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
