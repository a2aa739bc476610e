"""Accuracy of the Korean plate recogniser on synthetic plates it never saw, per photo condition.

For each condition of lpr.korean_synth.CONDITIONS (clean, blurred, tilted, low-res) it draws photos of Korean
plates on cars (test_photos, a seed training never uses) and prints:
- pipeline: the whole engine (plate detector, then the reader) with lpr_regions KR: exact-match %, plates
  found %, median ms per photo (one thread);
- crops: the Korean reader alone on the plate's true outline (what the reader does when the detector is right);
- generic: the engine without the Korean recogniser (the PP-OCR read, its syllable `?`), exact when `?` is
  counted as the right syllable: what tsnvr read before.

    PYTHONPATH=. .venv/bin/python scripts/train/korean_eval.py [--count 40] [--seed 2026] [--model M.onnx]

Needs Debian's fonts-nanum (the plates are drawn with it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from lpr.charset import is_hangul  # noqa: E402
from lpr.config import LprConfig  # noqa: E402
from lpr.geometry import box_quad  # noqa: E402
from lpr.korean_regions import settle_region  # noqa: E402
from lpr.korean_synth import CONDITIONS, test_photos  # noqa: E402
from lpr.pipeline import LprEngine  # noqa: E402
from lpr.plate_detector import PlateDetection  # noqa: E402
from lpr.plate_formats import UNKNOWN  # noqa: E402

Box = tuple[int, int, int, int]


def overlaps(a: Box, b: Box) -> bool:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter) > 0.3


def blind(text: str) -> str:
    return "".join(UNKNOWN if is_hangul(c) else c for c in text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40, help="photos per condition")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--model", default="", help="the Korean recogniser (default: the shipped one)")
    parser.add_argument("--misses", action="store_true", help="list the wrong reads")
    parser.add_argument("--no-generic", action="store_true", help="skip the generic reader's run")
    args = parser.parse_args()
    engine = LprEngine(LprConfig(threads=1, regions=["KR"], ocr_kr_model=args.model))
    generic = LprEngine(LprConfig(threads=1, regions=["KR"]))
    generic.korean_mode = None
    engine.load(objects=False)
    print(f"{'condition':10} {'pipeline exact':>14} {'found':>7} {'median ms':>9} {'crops exact':>11} "
          f"{'generic exact (? for the syllable)':>36}")
    totals = {"pipeline": 0, "crops": 0, "found": 0, "generic": 0, "n": 0}
    for k, condition in enumerate(CONDITIONS):
        photos = test_photos(args.count, args.seed + k, condition)
        exact = found = crops = before = 0
        times = []
        for picture, text, box in photos:
            start = time.perf_counter()
            reads = engine.read_plates(picture)
            times.append(1000 * (time.perf_counter() - start))
            hit = [r for r in reads if overlaps(r.box, box)]
            found += bool(hit) or any(overlaps(tuple(int(v) for v in (d.box[0], d.box[1], d.box[2] - d.box[0],
                                                                        d.box[3] - d.box[1])), box)
                                      for d in engine.find_plates(picture))
            exact += bool(hit) and hit[0].text == text
            x, y, w, h = box
            truth = PlateDetection(np.array([x, y, x + w, y + h], np.float32), 1.0,
                                   box_quad((x, y, x + w, y + h)), False)
            line, _ = engine.korean.read_line(picture, truth)
            read = settle_region(engine.korean._match(line), line).text
            crops += read == text
            if args.misses and (read != text or not hit or hit[0].text != text):
                print(f"  {condition}: {text} pipeline {[r.text for r in hit]} crop {read}")
            if not args.no_generic:
                hit = [r for r in generic.read_plates(picture) if overlaps(r.box, box)]
                before += bool(hit) and hit[0].text == blind(text)
        n = len(photos)
        for key, value in (("pipeline", exact), ("crops", crops), ("found", found), ("generic", before), ("n", n)):
            totals[key] += value
        was = "-" if args.no_generic else f"{100 * before / n:.1f}%"
        print(f"{condition:10} {100 * exact / n:13.1f}% {100 * found / n:6.1f}% {statistics.median(times):9.0f} "
              f"{100 * crops / n:10.1f}% {was:>36}", flush=True)
    n = totals["n"]
    was = "-" if args.no_generic else f"{100 * totals['generic'] / n:.1f}%"
    print(f"{'all':10} {100 * totals['pipeline'] / n:13.1f}% {100 * totals['found'] / n:6.1f}% {'':9} "
          f"{100 * totals['crops'] / n:10.1f}% {was:>36}  ({n} photos)")


if __name__ == "__main__":
    main()
