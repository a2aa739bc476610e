"""Benchmark of the plate reader on real photos: exact-match accuracy, plate-found rate, time per photo and
where it goes, and frames per second per core on a 1080p H.264 stream.

Reads each development set (each NAME.txt: `file x y width height PLATE`; by default openalpr-br and
openalpr-eu from the shared datasets, both in one run); when the module lpr.korean_synth exists, its
synthetic Korean plates (photos it never trained on); and synthetic North American plates (us_plates.py:
state name, slogan and stickers) pasted over the openalpr-br photos' plates, as no such photos are here.
One engine serves every set: the engine's defaults (lpr_regions as the settings default it, `auto`, unless
--regions), on one thread (onnxruntime intra_op_num_threads=1 and OpenCV's pool of one, so times are one
core's). It names the processor first: the int8 detectors' time depends on it (on x86 without VNNI they are
twice as slow).
For each set it prints:

- exact %: the read at the labelled plate equals the label;
- exact ignoring O/0: the same with O and 0 taken as one character. Some EU labels are themselves
  inconsistent about O and 0 (Slovak plates RKO99AN vs RK019AF), so this second figure shows how much of
  the gap is the labels' and not the reader's;
- found %: a read overlaps the labelled plate (IoU >= 0.3);
- the misses by kind: no plate found, the wrong number of characters, the right number with wrong ones;
- median and p95 time per photo (image decoding excluded), as wall clock and as process CPU time, which
  other work on a shared machine disturbs less;
- where the time goes, as per-photo medians of the thread's CPU time: the plate detector (preprocess,
  ONNX run, the mask prototypes around the plates, postprocess including the mask outline), cutting the
  crops (straightening, side bands, character band and line), each recogniser pass (its ONNX run, and the rest:
  resizing the line and decoding), and the formats.

It can also compare with a reference: the plain pipeline ARCHITECTURE.md measured (platedet's own crop,
rapidocr's recogniser, its text as read), for the photos as they are and brought to 1920x1080 (scaled to
cover the frame, the 16:9 window kept around the plate); `--sizes tilted` reads them turned 20 degrees
about the plate too, `--sizes half` at half their size (distant cars), `--sizes dark` underexposed (dusk, a
shadowed car park: DARK). The stream test encodes a 1080p25 H.264 clip in
memory with PyAV (the first set's photos at 1080p, each held for a few frames and panning), then decodes it
on one thread and runs on every frame what the LPR worker runs on an analysed frame: people and vehicles,
then the plates (engine.detect_objects + engine.read_plates), and prints the frames per second one core
sustains (frames / CPU seconds, decoding included), and the same for the reference.

    .venv/bin/python scripts/bench/lpr.py --sizes photo --stream-frames 0 --no-reference --latency-passes 0
    .venv/bin/python scripts/bench/lpr.py --dataset ../shared/datasets/openalpr-eu --misses
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from lpr import pipeline  # noqa: E402
from lpr.config import LprConfig  # noqa: E402
from lpr.models import resolve  # noqa: E402
from lpr.pipeline import LprEngine  # noqa: E402
from lpr.tracker import iou  # noqa: E402
from lpr.vehicle_detector import ObjectDetector  # noqa: E402

Box = tuple[int, int, int, int]
Picture = np.ndarray
FULL_HD = (1920, 1080)
STREAM_FPS = 25
HOLD = 5  # stream frames per photo
PAN = 6  # pixels the view moves per frame while a photo is held
# ../shared/datasets beside the repository (a git worktree may sit a level deeper)
DATASETS = next((p / "shared" / "datasets" for p in REPO.parents if (p / "shared" / "datasets").is_dir()),
                REPO.parent / "shared" / "datasets")
DEFAULT_SETS = ("openalpr-br", "openalpr-eu")
KOREAN_MODULE = "lpr.korean_synth"
TILT = 20.0  # degrees, --sizes tilted
DARK = (2.2, 0.6)  # --sizes dark: each level (0-1) raised to this power, then times this (white becomes 153)
MISS_KINDS = ("none found", "wrong length", "wrong characters")
SHOWN_PASSES = 4  # recogniser passes timed one by one: a plate's 2 crops x 2 stretch factors


@dataclass
class Sample:
    name: str
    box: Box
    plate: str
    path: Path | None = None  # None: made in memory (the synthetic Korean set)
    condition: str = ""  # the synthetic Korean set's: clean, blurred, tilted, low-res


@dataclass
class Result:
    name: str
    exact: int = 0
    exact_o0: int = 0
    found: int = 0
    total: int = 0
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MISS_KINDS, 0))
    stages: dict[str, float] = field(default_factory=dict)
    conditions: dict[str, list[int]] = field(default_factory=dict)  # condition -> [exact, photos]

    def summary(self) -> dict[str, Any]:
        share = lambda n: round(100 * n / max(1, self.total), 1)  # noqa: E731
        return {
            "name": self.name, "photos": self.total,
            "exact": share(self.exact), "exact_ignoring_o0": share(self.exact_o0), "found": share(self.found),
            "median_ms": round(statistics.median(self.wall_ms), 1) if self.wall_ms else None,
            "p95_ms": round(percentile(self.wall_ms, 95), 1) if self.wall_ms else None,
            "median_cpu_ms": round(statistics.median(self.cpu_ms), 1) if self.cpu_ms else None,
            "p95_cpu_ms": round(percentile(self.cpu_ms, 95), 1) if self.cpu_ms else None,
            "misses": dict(self.kinds), "stages_cpu_ms": self.stages,
            "exact_by_condition": {c: round(100 * n / max(1, t), 1) for c, (n, t) in self.conditions.items()},
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
        samples.append(Sample(name, (int(x), int(y), int(w), int(h)), plate.upper(), folder / name))
    return samples


def korean_set(count: int, seed: int) -> list[tuple[Sample, Picture]] | None:
    """The synthetic Korean plates of lpr.korean_synth (None when that module is absent)."""
    try:
        module = importlib.import_module(KOREAN_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != KOREAN_MODULE:
            raise
        return None
    out = []
    for index, (image, text, box) in enumerate(module.test_photos(count, seed)):
        out.append((Sample(f"kr{index:04d}", tuple(int(v) for v in box), text,  # type: ignore[arg-type]
                           condition=module.test_condition(index)), image))
    return out


def us_set(count: int, seed: int, backgrounds: Path) -> list[tuple[Sample, Picture]] | None:
    """Synthetic North American plates (us_plates.py) pasted over the plates of `backgrounds`' photos (None
    without those photos)."""
    if not load_dataset(backgrounds):
        return None
    from us_plates import test_photos

    return [(Sample(f"us{index:04d}", box, text), image)
            for index, (image, text, box) in enumerate(test_photos(count, seed, backgrounds))]


def full_hd(image: Picture, box: Box, shift: int = 0) -> tuple[Picture, Box]:
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


def half(image: Picture, box: Box) -> tuple[Picture, Box]:
    """The photo at half its size (a distant car), and its plate's box in it."""
    small = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA)
    return small, (box[0] // 2, box[1] // 2, box[2] // 2, box[3] // 2)


def dark(image: Picture, box: Box) -> tuple[Picture, Box]:
    """The photo underexposed (DARK), and its plate's box."""
    power, gain = DARK
    levels = np.round(255 * gain * (np.arange(256) / 255) ** power).astype(np.uint8)
    return cv2.LUT(image, levels), box


def tilted(image: Picture, box: Box, degrees: float) -> tuple[Picture, Box]:
    """The photo turned `degrees` (counter-clockwise) about its plate's centre, and the box around the turned
    plate."""
    x, y, w, h = box
    turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), degrees, 1.0)
    out = cv2.warpAffine(image, turn, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    corners = np.array([[x, y, 1], [x + w, y, 1], [x + w, y + h, 1], [x, y + h, 1]], np.float64) @ turn.T
    (x0, y0), (x1, y1) = corners.min(0), corners.max(0)
    return out, (round(x0), round(y0), round(x1 - x0), round(y1 - y0))


Reader = Callable[[Picture], list[tuple[str, Box]]]  # picture -> [(text, box)]


def same_ignoring_o0(read: str, label: str) -> bool:
    return read.replace("O", "0") == label.replace("O", "0")


def miss_kind(read: str | None, label: str) -> str:
    if read is None:
        return "none found"
    return "wrong length" if len(read) != len(label) else "wrong characters"


# where the time goes

class _Timed:
    """A stand-in for one part of the engine that adds the thread CPU time of its calls to a stage."""

    def __init__(self, target: Any, clock: Stages, stage: str | Callable[[], str], method: str = "__call__") -> None:
        self._target, self._clock, self._stage, self._method = target, clock, stage, method

    def _timed(self, *args: Any, **kwargs: Any) -> Any:
        stage = self._stage() if callable(self._stage) else self._stage
        with self._clock.timing(stage):
            return getattr(self._target, self._method)(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._timed(*args, **kwargs)

    def run(self, *args: Any, **kwargs: Any) -> Any:  # an onnxruntime session's run
        return self._timed(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


class Stages:
    """Per-photo thread CPU time of the engine's stages, measured by standing in for its parts (the bench's
    own instrumentation: the engine carries none). onnxruntime runs a single-threaded session on the calling
    thread, so a stage's thread time is its whole cost."""

    def __init__(self, engine: LprEngine) -> None:
        self.photo: dict[str, float] = defaultdict(float)
        self.photos: list[dict[str, float]] = []
        self.passes = 0
        self._open: list[str] = []
        detector = engine.plate_detector
        model = detector.model
        model.letterbox = _Timed(model.letterbox, self, "detector: preprocess")  # type: ignore[method-assign]
        shaped = getattr(model, "session_for", None)  # the sessions for an input shape (the free-size copy: made once)
        if shaped is None:  # an engine from before rect inputs (to compare with): one session
            model.session = _Timed(model.session, self, "detector: ONNX run", "run")
        else:
            model.session_for = lambda h, w: self._timed_sessions(  # type: ignore[method-assign]
                _Timed(shaped, self, "detector: the free-size model copy (made once)")(h, w))
        engine._plates = _Timed(detector, self, "detector")  # type: ignore[assignment]
        reader = engine.reader
        reader.session = _Timed(reader.session, self, self._next_pass, "run")
        readers = [engine]
        if getattr(engine, "korean_mode", None) is not None:  # (the Korean recogniser's engine, loaded now)
            readers.append(engine.korean)
            engine.korean.reader.session = _Timed(engine.korean.reader.session, self, "Korean recogniser: ONNX runs",
                                                  "run")
        for target in readers:
            for method, stage in (("plate_crops", "crops"), ("read_line", "reading"), ("read_one_line", "reading"),
                                  ("read_two_lines", "reading"), ("first_look", "reading"), ("_match", "formats")):
                if hasattr(target, method):  # (an engine that reads otherwise: its time stays in "other")
                    setattr(target, method, _Timed(getattr(target, method), self, stage))
        self._patches = [mock.patch.object(pipeline, name, _Timed(getattr(pipeline, name), self, "crops"))
                         for name in ("rectify", "trim_side_bands") if hasattr(pipeline, name)]

    def _timed_sessions(self, sessions: Any) -> Any:
        network = _Timed(getattr(sessions, "network", sessions), self, "detector: ONNX run", "run")
        branch = getattr(sessions, "prototypes", None)
        if branch is None:  # (an engine from before the prototype branch was cut out: one session)
            return network if not hasattr(sessions, "network") else replace(sessions, network=network)
        timed = copy.copy(branch)
        timed.session = _Timed(branch.session, self, "detector: mask prototypes around the plates", "run")
        return replace(sessions, network=network, prototypes=timed)

    def _next_pass(self) -> str:
        self.passes += 1
        if self.passes > SHOWN_PASSES:
            return f"recogniser passes {SHOWN_PASSES + 1}+: ONNX runs"
        return f"recogniser pass {self.passes}: ONNX run"

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        """Time a stage; a stage inside another is taken out of the outer one's time."""
        self._open.append(stage)
        start = time.thread_time()
        try:
            yield
        finally:
            spent = 1000 * (time.thread_time() - start)
            self._open.pop()
            self.photo[stage] += spent
            if self._open:
                self.photo[self._open[-1]] -= spent

    @contextmanager
    def photo_timing(self) -> Iterator[None]:
        self.photo, self.passes = defaultdict(float), 0
        with self.timing("other"), _patched(self._patches):
            yield
        self.photo["recogniser passes"] = self.passes
        self.photos.append(dict(self.photo))

    def medians(self) -> dict[str, float]:
        """The median of every stage over the photos (a pass: over the photos that had it)."""
        order = ["detector: preprocess", "detector: the free-size model copy (made once)", "detector: ONNX run",
                 "detector: mask prototypes around the plates", "detector", "crops",
                 *[f"recogniser pass {n}: ONNX run" for n in range(1, SHOWN_PASSES + 1)],
                 f"recogniser passes {SHOWN_PASSES + 1}+: ONNX runs", "Korean recogniser: ONNX runs", "reading",
                 "formats", "other"]
        out = {}
        for name in order:
            values = [p[name] for p in self.photos if name in p]
            if values:
                out[STAGE_LABELS.get(name, name)] = round(statistics.median(values), 1)
        passes = [p["recogniser passes"] for p in self.photos]
        if passes:
            out["recogniser passes per photo (mean)"] = round(statistics.mean(passes), 2)
        return out


STAGE_LABELS = {"detector": "detector: postprocess (boxes, NMS, mask outline)",
                f"recogniser passes {SHOWN_PASSES + 1}+: ONNX runs":
                    f"recogniser passes {SHOWN_PASSES + 1}+ (two-line tries, more plates): ONNX runs",
                "crops": "crops: straightening, side bands, character band and line",
                "reading": "reading: line resize, decoding, combining, two-line split",
                "other": "other (engine bookkeeping)"}


@contextmanager
def _patched(patches: list[Any]) -> Iterator[None]:
    for p in patches:
        p.start()
    try:
        yield
    finally:
        for p in reversed(patches):
            p.stop()


def run(name: str, read: Reader, pictures: list[tuple[Sample, Picture, Box]], stages: Stages | None = None) -> Result:
    result = Result(name)
    for sample, image, truth in pictures:
        wall, cpu = time.perf_counter(), time.process_time()
        if stages is not None:
            with stages.photo_timing():
                plates = read(image)
        else:
            plates = read(image)
        result.wall_ms.append(1000 * (time.perf_counter() - wall))
        result.cpu_ms.append(1000 * (time.process_time() - cpu))
        result.total += 1
        # the read at the labelled plate: the one overlapping it most
        at = max(plates, key=lambda p: iou(p[1], truth), default=None)
        text = at[0] if at is not None and iou(at[1], truth) >= 0.3 else None
        if text is not None:
            result.found += 1
            result.exact_o0 += same_ignoring_o0(text, sample.plate)
        if sample.condition:
            counts = result.conditions.setdefault(sample.condition, [0, 0])
            counts[0] += text == sample.plate
            counts[1] += 1
        if text == sample.plate:
            result.exact += 1
            continue
        kind = miss_kind(text, sample.plate)
        result.kinds[kind] += 1
        result.misses.append(f"{sample.name}: {sample.plate} " + ("not found" if text is None else f"read as {text}")
                             + f" ({kind})")
    if stages is not None:
        result.stages = stages.medians()
        stages.photos.clear()
    return result


def make_engine(regions: list[str] | None, overrides: dict[str, str]) -> LprEngine:
    """The engine as a new installation has it (regions: the settings' default unless given; [] for none)."""
    chosen: dict[str, object] = {"regions": regions} if regions is not None else {}
    engine = LprEngine(LprConfig.from_settings(None, **{**overrides, **chosen, "threads": 1}))
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

    def read(image: Picture) -> list[tuple[str, Box]]:
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

def make_clip(path: Path, pictures: list[tuple[Sample, Picture]], frames: int) -> None:
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


def stream_rate(path: Path, work: Callable[[Picture], object]) -> dict[str, Any]:
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


def engine_frame(engine: LprEngine) -> Callable[[Picture], object]:
    def work(image: Picture) -> object:
        objects = engine.detect_objects(image)
        return engine.read_plates(image, objects)
    return work


def reference_frame() -> Callable[[Picture], object]:
    """The plain models: float YOLOv8n for people and vehicles, then the reference plate reader."""
    objects = ObjectDetector(resolve("lpr_object_model", ""), threads=1)
    plates = reference_reader()
    return lambda image: (objects(image), plates(image))


def set_label(folder: Path) -> str:
    """openalpr-br -> BR."""
    return folder.name.rsplit("-", 1)[-1].upper()


def print_summary(s: dict[str, Any]) -> None:
    kinds = ", ".join(f"{k} {v}" for k, v in s["misses"].items())
    print(f"{s['name']:34s} exact {s['exact']:5.1f} % (ignoring O/0 {s['exact_ignoring_o0']:5.1f} %)  "
          f"found {s['found']:5.1f} %  median {s['median_ms']:6.1f} ms (cpu {s['median_cpu_ms']:6.1f})  "
          f"p95 {s['p95_ms']:6.1f} ms (cpu {s['p95_cpu_ms']:6.1f})  [{s['photos']} photos; misses: {kinds}]")
    if s["exact_by_condition"]:
        print("  exact by condition: " + ", ".join(f"{c} {v:.1f} %" for c, v in s["exact_by_condition"].items()))
    if s["stages_cpu_ms"]:
        print("  where the time goes (median per photo, thread CPU ms):")
        for name, value in s["stages_cpu_ms"].items():
            unit = "" if name.startswith("recogniser passes per") else " ms"
            print(f"    {name:58s} {value:7.1f}{unit}")


def machine() -> str:
    """The processor, as far as the times depend on it: without VNNI (x86) the int8 detectors gain little."""
    import onnxruntime

    name, flags = platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                name = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    except OSError:
        pass
    if flags:
        vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
        vnni = "with VNNI" if flags & {"avx512_vnni", "avx_vnni", "amx_int8"} else "no VNNI"
        name = f"{name} ({vector}, {vnni})"
    return f"{name}, {os.cpu_count()} cores; onnxruntime {onnxruntime.__version__}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dataset", type=Path, action="append", default=[],
                        help="a labelled photo folder (repeat for several; default: "
                             f"{' and '.join(DEFAULT_SETS)} in {DATASETS})")
    parser.add_argument("--korean", type=int, default=100, metavar="N",
                        help=f"synthetic Korean plates from {KOREAN_MODULE}, if it exists (0: skip)")
    parser.add_argument("--korean-seed", type=int, default=20261206, help="their seed (photos the model never saw)")
    parser.add_argument("--us", type=int, default=100, metavar="N",
                        help="synthetic North American plates (us_plates.py) over the openalpr-br photos (0: skip)")
    parser.add_argument("--us-seed", type=int, default=7, help="their seed")
    parser.add_argument("--regions", default="", help="plate regions for the engine, e.g. BR, or none for no "
                                                      "formats (default: the settings' default, auto)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an engine setting for this run, e.g. --set ocr_stretch=1.0,1.6 (see lpr/config.py)")
    parser.add_argument("--sizes", default="photo,1080p",
                        help="photo (as they are), 1080p (scaled to cover 1920x1080), half (at half their size: "
                             f"distant cars), tilted (turned {TILT:g} degrees about the plate, every other one "
                             "the other way) and/or dark (underexposed); default photo,1080p")
    parser.add_argument("--stream-frames", type=int, default=100, help="frames of the 1080p stream test (0: skip)")
    parser.add_argument("--latency-passes", type=int, default=3,
                        help="passes of the demo car through the LPR worker for the frame-to-event latency (0: skip)")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference pipeline")
    parser.add_argument("--limit", type=int, default=0, help="only the first N photos of each set")
    parser.add_argument("--misses", action="store_true", help="list every photo not read exactly")
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON lines")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)  # one core: OpenCV's own pool would spread resizes and warps over the others

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if not set(sizes) <= {"photo", "1080p", "half", "tilted", "dark"}:
        parser.error("--sizes takes photo, 1080p, half, tilted and/or dark")
    sets: list[tuple[str, list[tuple[Sample, Picture]]]] = []
    for folder in args.dataset or [DATASETS / name for name in DEFAULT_SETS]:
        samples = load_dataset(folder)[:args.limit or None]
        if not samples:
            print(f"no labelled photos in {folder}", file=sys.stderr)
            return 2
        images = [(s, cv2.imread(str(s.path))) for s in samples]
        unreadable = [s.name for s, im in images if im is None]
        if unreadable:
            print(f"cannot read {', '.join(unreadable)}", file=sys.stderr)
            return 2
        sets.append((set_label(folder), images))
    notes = []
    if args.korean > 0:
        korean = korean_set(args.korean, args.korean_seed)
        if korean is None:
            notes.append(f"KR: skipped ({KOREAN_MODULE} is not there)")
        else:
            sets.append(("KR synthetic", korean))
    if args.us > 0:
        us = us_set(args.us, args.us_seed, DATASETS / "openalpr-br")
        if us is None:
            notes.append(f"US: skipped (no photos in {DATASETS / 'openalpr-br'} to paste the plates over)")
        else:
            sets.append(("US synthetic", us))
    regions = None if not args.regions.strip() else [r for r in args.regions.split(",") if r.strip().lower() != "none"]
    overrides = dict(item.split("=", 1) for item in args.set)
    shown = "defaults" if regions is None else ",".join(regions) or "no formats"
    label = f"({shown}{''.join(f' {item}' for item in args.set)})"
    engine = make_engine(regions, overrides)
    stages = Stages(engine)
    reference = None if args.no_reference else reference_reader()

    summaries: list[dict[str, Any]] = []
    misses: list[tuple[str, list[str]]] = []
    for set_name, images in sets:
        for size in sizes:
            if size == "photo":
                pictures = [(s, im, s.box) for s, im in images]
            elif size == "half":
                pictures = [(s, *half(im, s.box)) for s, im in images]
            elif size == "tilted":
                pictures = [(s, *tilted(im, s.box, TILT if i % 2 else -TILT)) for i, (s, im) in enumerate(images)]
            elif size == "dark":
                pictures = [(s, *dark(im, s.box)) for s, im in images]
            else:
                pictures = [(s, *full_hd(im, s.box)) for s, im in images]
            ours = run(f"{set_name} {size} engine", engine_reader(engine), pictures, stages)
            misses.append((ours.name, ours.misses))
            summaries.append(ours.summary())
            if reference is not None:
                ref = run(f"{set_name} {size} reference", reference, pictures)
                misses.append((ref.name, ref.misses))
                summaries.append(ref.summary())

    stream: list[dict[str, Any]] = []
    if args.stream_frames > 0:
        with tempfile.TemporaryDirectory(prefix="tsnvr-lpr-bench-") as tmp:
            clip = Path(tmp) / "stream.mp4"
            make_clip(clip, sets[0][1], args.stream_frames)
            stream.append({"name": "engine stream", **stream_rate(clip, engine_frame(engine))})
            if not args.no_reference:
                stream.append({"name": "reference stream", **stream_rate(clip, reference_frame())})

    if args.json:
        for s in [*summaries, *stream]:
            print(json.dumps(s))
    else:
        print(f"engine {label}, onnxruntime on 1 thread; " + ", ".join(f"{n}: {len(im)} photos" for n, im in sets))
        print(f"machine: {machine()}")
        for note in notes:
            print(note)
        for s in summaries:
            print_summary(s)
            ours = next((o for o in summaries if o["name"] == s["name"].replace(" reference", " engine")), None)
            if s["name"].endswith(" reference") and ours is not None:
                print(f"  ratio engine/reference: exact {ours['exact'] / max(s['exact'], 1e-9):.2f}x, "
                      f"median time {ours['median_ms'] / s['median_ms']:.2f}x "
                      f"(cpu {ours['median_cpu_ms'] / s['median_cpu_ms']:.2f}x)")
        if stream:
            print(f"1080p25 H.264 stream ({sets[0][0]} photos), {stream[0]['frames']} frames, decoding and "
                  "objects + plates on every frame, 1 thread:")
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
