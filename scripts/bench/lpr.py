"""Benchmark of the plate reader on real photos: exact-match accuracy, plate-found rate, time per photo, and
frames per second per core on a 1080p H.264 stream.

Reads the development set (each NAME.txt: `file x y width height PLATE`) and runs the engine single-threaded
(onnxruntime intra_op_num_threads=1, so times are one core's) and, in the same process, a reference: the plain
pipeline ARCHITECTURE.md measured (platedet's own crop, rapidocr's recogniser, its text as read). Prints both
and their ratios, for the photos as they are and for the photos brought to 1920x1080 (scaled to cover the
frame, the 16:9 window kept around the plate). Times are per photo, image decoding excluded; `cpu` is the
process CPU time, which other work on a shared machine disturbs less than the wall clock.

The stream test encodes a 1080p25 H.264 clip in memory with PyAV (the photos at 1080p, each held for a few
frames and panning), then decodes it on one thread and runs on every frame what the LPR worker runs on an
analysed frame: people and vehicles, then the plates (engine.detect_objects + engine.read_plates). It prints
the frames per second one core sustains (frames / CPU seconds, decoding included) and, for the reference,
the same with the plain models (float YOLOv8n for the objects, the reference plate reader).

    .venv/bin/python scripts/bench/lpr.py [--regions BR] [--sizes photo,1080p] [--stream-frames N] [--misses]

Run it once with the formats of the set's region (--regions BR) and once without (generic reading).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from lpr.config import LprConfig  # noqa: E402
from lpr.models import resolve  # noqa: E402
from lpr.pipeline import LprEngine  # noqa: E402
from lpr.tracker import iou  # noqa: E402
from lpr.vehicle_detector import ObjectDetector  # noqa: E402

Box = tuple[int, int, int, int]
FULL_HD = (1920, 1080)
STREAM_FPS = 25
HOLD = 5  # stream frames per photo
PAN = 6  # pixels the view moves per frame while a photo is held


@dataclass
class Sample:
    path: Path
    box: Box
    plate: str


@dataclass
class Result:
    name: str
    exact: int = 0
    found: int = 0
    total: int = 0
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "name": self.name, "photos": self.total,
            "exact": round(100 * self.exact / max(1, self.total), 1),
            "found": round(100 * self.found / max(1, self.total), 1),
            "median_ms": round(statistics.median(self.wall_ms), 1) if self.wall_ms else None,
            "p95_ms": round(percentile(self.wall_ms, 95), 1) if self.wall_ms else None,
            "median_cpu_ms": round(statistics.median(self.cpu_ms), 1) if self.cpu_ms else None,
            "p95_cpu_ms": round(percentile(self.cpu_ms, 95), 1) if self.cpu_ms else None,
        }


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def load_dataset(folder: Path) -> list[Sample]:
    samples = []
    for txt in sorted(folder.glob("*.txt")):
        parts = txt.read_text(encoding="utf-8").split()
        if len(parts) != 6:
            continue
        name, x, y, w, h, plate = parts
        samples.append(Sample(folder / name, (int(x), int(y), int(w), int(h)), plate.upper()))
    return samples


def full_hd(image: np.ndarray, box: Box, shift: int = 0) -> tuple[np.ndarray, Box]:
    """The photo scaled to cover 1920x1080, cut to that size around its plate (moved `shift` pixels right),
    and the plate's box in the result."""
    h, w = image.shape[:2]
    scale = max(FULL_HD[0] / w, FULL_HD[1] / h)
    big = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_LINEAR)
    cx, cy = (box[0] + box[2] / 2) * scale, (box[1] + box[3] / 2) * scale
    x0 = int(np.clip(cx - FULL_HD[0] / 2 + shift, 0, big.shape[1] - FULL_HD[0]))
    y0 = int(np.clip(cy - FULL_HD[1] / 2, 0, big.shape[0] - FULL_HD[1]))
    frame = np.ascontiguousarray(big[y0:y0 + FULL_HD[1], x0:x0 + FULL_HD[0]])
    moved = (round(box[0] * scale) - x0, round(box[1] * scale) - y0, round(box[2] * scale), round(box[3] * scale))
    return frame, moved


Reader = Callable[[np.ndarray], list[tuple[str, Box]]]  # picture -> [(text, box)]


def run(name: str, read: Reader, pictures: list[tuple[Sample, np.ndarray, Box]]) -> Result:
    result = Result(name)
    for sample, image, truth in pictures:
        wall, cpu = time.perf_counter(), time.process_time()
        plates = read(image)
        result.wall_ms.append(1000 * (time.perf_counter() - wall))
        result.cpu_ms.append(1000 * (time.process_time() - cpu))
        result.total += 1
        # the read at the labelled plate: the one overlapping it most
        at = max(plates, key=lambda p: iou(p[1], truth), default=None)
        if at is None or iou(at[1], truth) < 0.3:
            result.misses.append(f"{sample.path.name}: {sample.plate} not found")
            continue
        result.found += 1
        if at[0] == sample.plate:
            result.exact += 1
        else:
            result.misses.append(f"{sample.path.name}: {sample.plate} read as {at[0]}")
    return result


def make_engine(regions: list[str], overrides: dict[str, str]) -> LprEngine:
    engine = LprEngine(LprConfig.from_settings(None, **{**overrides, "threads": 1, "regions": regions}))
    engine.load(objects=True)
    return engine


def engine_reader(engine: LprEngine) -> Reader:
    return lambda image: [(p.text, p.box) for p in engine.read_plates(image)]


def reference_reader() -> Reader:
    """platedet's own crop of each plate, read by rapidocr's recogniser as it comes (ARCHITECTURE.md)."""
    import onnxruntime as ort
    from platedet import Platedet
    from rapidocr import RapidOCR

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
    detector = Platedet(sess_options=options)
    ocr = RapidOCR(params={"EngineConfig.onnxruntime.intra_op_num_threads": 1,
                           "EngineConfig.onnxruntime.inter_op_num_threads": 1, "Global.log_level": "error"})

    def read(image: np.ndarray) -> list[tuple[str, Box]]:
        found = detector.inference(image[:, :, ::-1], conf_threshold=0.25, iou_threshold=0.5,
                                   return_types=["np_array", "boxes"])
        if "boxes" not in found:
            return []
        out = []
        for crop, box in zip(found["np_array"]["crops"], found["boxes"]["boxes"], strict=True):
            if crop.size == 0:
                continue
            res = ocr(np.ascontiguousarray(crop[:, :, ::-1]), use_det=False, use_cls=False, use_rec=True)
            text = "".join(res.txts or ()).replace(" ", "").replace("-", "").replace("·", "").upper()
            x0, y0, x1, y1 = (int(v) for v in box)
            out.append((text, (x0, y0, x1 - x0, y1 - y0)))
        return out

    return read


# the stream

def make_clip(path: Path, pictures: list[tuple[Sample, np.ndarray]], frames: int) -> None:
    """A 1080p25 H.264 clip: each photo for HOLD frames, the view panning PAN pixels a frame."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=STREAM_FPS)
        stream.width, stream.height, stream.pix_fmt = *FULL_HD, "yuv420p"
        stream.gop_size = STREAM_FPS
        stream.options = {"preset": "veryfast", "crf": "23", "bf": "0"}
        for index in range(frames):
            sample, image = pictures[(index // HOLD) % len(pictures)]
            frame, _ = full_hd(image, sample.box, shift=PAN * (index % HOLD - HOLD // 2))
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")))
        out.mux(stream.encode(None))


def stream_rate(path: Path, work: Callable[[np.ndarray], object]) -> dict:
    """Decode the clip on one thread and run `work` on every frame: frames per CPU second and per second."""
    count = 0
    wall, cpu = time.perf_counter(), time.process_time()
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        video.thread_type, video.codec_context.thread_count = "SLICE", 1
        for frame in container.decode(video):
            work(frame.to_ndarray(format="bgr24"))
            count += 1
    cpu_s, wall_s = time.process_time() - cpu, time.perf_counter() - wall
    return {"frames": count, "fps_per_core": round(count / cpu_s, 2), "fps_wall": round(count / wall_s, 2)}


def engine_frame(engine: LprEngine) -> Callable[[np.ndarray], object]:
    def work(image: np.ndarray) -> object:
        objects = engine.detect_objects(image)
        return engine.read_plates(image, objects)
    return work


def reference_frame() -> Callable[[np.ndarray], object]:
    """The plain models: float YOLOv8n for people and vehicles, then the reference plate reader."""
    objects = ObjectDetector(resolve("lpr_object_model", ""), threads=1)
    plates = reference_reader()
    return lambda image: (objects(image), plates(image))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=REPO.parent / "shared" / "datasets" / "openalpr-br")
    parser.add_argument("--regions", default="", help="plate regions for the engine, e.g. BR (default: generic)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an engine setting for this run, e.g. --set ocr_stretch=1.0,1.6 (see lpr/config.py)")
    parser.add_argument("--sizes", default="photo,1080p",
                        help="photo (as they are) and/or 1080p (scaled to cover 1920x1080); default both")
    parser.add_argument("--stream-frames", type=int, default=100, help="frames of the 1080p stream test (0: skip)")
    parser.add_argument("--latency-passes", type=int, default=3,
                        help="passes of the demo car through the LPR worker for the frame-to-event latency (0: skip)")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference pipeline")
    parser.add_argument("--limit", type=int, default=0, help="only the first N photos")
    parser.add_argument("--misses", action="store_true", help="list every photo not read exactly")
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON lines")
    args = parser.parse_args(argv)

    samples = load_dataset(args.dataset)
    if args.limit:
        samples = samples[:args.limit]
    if not samples:
        print(f"no labelled photos in {args.dataset}", file=sys.stderr)
        return 2
    images = {s.path: cv2.imread(str(s.path)) for s in samples}
    unreadable = [p.name for p, im in images.items() if im is None]
    if unreadable:
        print(f"cannot read {', '.join(unreadable)}", file=sys.stderr)
        return 2
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if not set(sizes) <= {"photo", "1080p"}:
        parser.error("--sizes takes photo and/or 1080p")
    regions = [r for r in args.regions.split(",") if r.strip()]
    overrides = dict(item.split("=", 1) for item in args.set)
    label = f"engine ({','.join(regions) or 'generic'})" + "".join(f" {item}" for item in args.set)
    engine = make_engine(regions, overrides)
    reference = None if args.no_reference else reference_reader()

    pairs: list[tuple[dict, dict | None]] = []  # (engine, reference) summaries
    misses: list[tuple[str, list[str]]] = []
    for size in sizes:
        if size == "photo":
            pictures = [(s, images[s.path], s.box) for s in samples]
        else:
            pictures = [(s, *full_hd(images[s.path], s.box)) for s in samples]
        ours = run(f"{label} {size}", engine_reader(engine), pictures)
        misses.append((ours.name, ours.misses))
        theirs = None
        if reference is not None:
            ref = run(f"reference {size}", reference, pictures)
            misses.append((ref.name, ref.misses))
            theirs = ref.summary()
        pairs.append((ours.summary(), theirs))

    stream: list[dict] = []
    if args.stream_frames > 0:
        with tempfile.TemporaryDirectory(prefix="tsnvr-lpr-bench-") as tmp:
            clip = Path(tmp) / "stream.mp4"
            make_clip(clip, [(s, images[s.path]) for s in samples], args.stream_frames)
            stream.append({"name": f"{label} stream", **stream_rate(clip, engine_frame(engine))})
            if not args.no_reference:
                stream.append({"name": "reference stream", **stream_rate(clip, reference_frame())})

    if args.json:
        for ours, theirs in pairs:
            for s in (ours, theirs):
                if s is not None:
                    print(json.dumps(s))
        for s in stream:
            print(json.dumps(s))
    else:
        shapes = sorted({f"{im.shape[1]}x{im.shape[0]}" for im in images.values()})
        print(f"{len(samples)} photos from {args.dataset} ({', '.join(shapes[:4])}{'...' if len(shapes) > 4 else ''}),"
              " onnxruntime on 1 thread")
        for ours, theirs in pairs:
            for s in (ours, theirs):
                if s is not None:
                    print(f"{s['name']:40s} exact {s['exact']:5.1f} %  found {s['found']:5.1f} %  "
                          f"median {s['median_ms']:6.1f} ms (cpu {s['median_cpu_ms']:6.1f})  "
                          f"p95 {s['p95_ms']:6.1f} ms (cpu {s['p95_cpu_ms']:6.1f})")
            if theirs is not None:
                print(f"  ratio engine/reference: exact {ours['exact'] / max(theirs['exact'], 1e-9):.2f}x, "
                      f"median time {ours['median_ms'] / theirs['median_ms']:.2f}x "
                      f"(cpu {ours['median_cpu_ms'] / theirs['median_cpu_ms']:.2f}x)")
        if stream:
            print(f"1080p25 H.264 stream, {stream[0]['frames']} frames, decoding and objects + plates on every frame, "
                  "1 thread:")
            for s in stream:
                print(f"{s['name']:40s} {s['fps_per_core']:6.2f} fps per core (wall {s['fps_wall']:6.2f} fps)")
            if len(stream) == 2:
                print(f"  ratio engine/reference: {stream[0]['fps_per_core'] / stream[1]['fps_per_core']:.2f}x fps")
    if args.latency_passes > 0:
        report_latency(args.latency_passes, args.json)
    if args.misses:
        for name, items in misses:
            for miss in items:
                print(f"  {name}: {miss}")
    return 0


def report_latency(passes: int, as_json: bool) -> None:
    """The LPR worker's latency on the demo car at 1080p (scripts/bench/lpr_latency.py)."""
    from lpr_latency import measure, summary, summary_lines

    results = measure(passes, fps=5.0, threads=0)
    print(json.dumps({"name": "latency", **summary(results)}) if as_json else
          "\n".join(summary_lines(results, 5.0)))


if __name__ == "__main__":
    sys.exit(main())
