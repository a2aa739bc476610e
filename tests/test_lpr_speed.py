"""The plate reader's speed-ups with the real models: the plate detector made for a smaller input (its head's
anchor constants made again) finds the same plate in the same place, one free-size copy gives every shape the
outputs of a copy made for it, and the recogniser reads a plate once when its first read is sure and from every
crop and stretch when it is not."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from lpr.arrays import Picture
from lpr.config import LprConfig
from lpr.input_size import anchors, with_input_size
from lpr.models import resolve
from lpr.pipeline import LprEngine
from lpr.plate_detector import PlateDetector
from lpr.plate_reader import LineRead, PlateReader, sure_first
from lpr.quantize import cached_copy
from tests.test_lpr_engine import demo_frame, iou, plate_picture, xywh
from tsnvr import demo

onnx = pytest.importorskip("onnx")


def test_the_anchors_made_for_640_are_the_ones_platedet_was_exported_with():
    from onnx import numpy_helper

    model = onnx.load(str(resolve("lpr_plate_model", "")))
    points, strides = anchors(640, 640)
    constants = [numpy_helper.to_array(i).astype(np.float32) for i in model.graph.initializer]
    assert any(c.shape == (1, 2, 8400) and np.array_equal(c[0], points) for c in constants)
    assert any(c.shape == (1, 8400) and np.array_equal(c[0], strides) for c in constants)


def test_an_input_size_that_is_not_a_multiple_of_32_is_refused():
    model = onnx.load(str(resolve("lpr_plate_model", "")))
    with pytest.raises(ValueError, match="multiples of 32"):
        with_input_size(model, 400, 400)


@pytest.mark.parametrize("size", [384, 480])
def test_the_detector_made_for_a_smaller_input_finds_the_demo_plate_where_it_is(tmp_path: Path, size: int):
    copy = cached_copy(resolve("lpr_plate_model", ""), tmp_path, int8=False, input_size=size)
    assert copy is not None and copy.is_file()
    detector = PlateDetector(copy, threads=1)
    assert (detector.model.height, detector.model.width) == (size, size)
    visible = [i for i in range(demo.FRAMES) if demo.plate_box(i) is not None]
    index = visible[len(visible) // 2]
    found = detector(demo_frame(index))
    assert found, f"no plate at {size}"
    box = found[0].box
    got = (int(box[0]), int(box[1]), int(box[2] - box[0]), int(box[3] - box[1]))
    assert iou(got, xywh(demo.plate_box(index))) > 0.6
    # the copy is kept: asked again, the same file comes back without being made anew
    assert cached_copy(resolve("lpr_plate_model", ""), tmp_path, int8=False, input_size=size) == copy


class CountingSession:
    """The recogniser's session, counting its runs."""

    def __init__(self, session: Any) -> None:
        self.session, self.runs = session, 0

    def run(self, *args: Any, **kwargs: Any) -> Any:
        self.runs += 1
        return self.session.run(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


@pytest.fixture(scope="module")
def reader() -> PlateReader:
    return PlateReader(resolve("lpr_ocr_model", ""), threads=1)


def read_crops(reader: PlateReader, crops: list[Picture], stretches: list[float]) -> LineRead:
    """Each crop at each stretch, sure first (as the engine reads a plate)."""
    return sure_first([functools.partial(reader.read, c, s) for c in crops for s in stretches])


def test_a_sharp_plate_is_read_once(reader: PlateReader):
    crop = plate_picture([("ABC1234", 0.5)], (420, 110))
    counting = CountingSession(reader.session)
    reader.session = counting
    try:
        line = read_crops(reader, [crop, crop[4:-4, 6:-6]], [1.0, 1.6])
    finally:
        reader.session = counting.session
    assert (line.text, counting.runs) == ("ABC1234", 1)


def test_a_plate_read_unsure_is_read_from_every_crop_and_stretch(reader: PlateReader):
    crop = plate_picture([("ABC1234", 0.5)], (420, 110))
    crop[50:60, 40:380] = 245  # a stripe of paint across the characters' middles: the B could be an 8
    counting = CountingSession(reader.session)
    reader.session = counting
    try:
        first = reader.read(crop, 1.0)
        assert first.chars and min(c.score for c in first.chars) < 0.9, "the crop must be one read unsure"
        counting.runs = 0
        read_crops(reader, [crop, crop[1:-1, 2:-2]], [1.0, 1.6])
    finally:
        reader.session = counting.session
    assert counting.runs == 4


def test_with_rect_inputs_a_wide_frame_is_padded_only_to_a_multiple_of_32_and_its_plate_found(tmp_path: Path):
    copy = cached_copy(resolve("lpr_plate_model", ""), tmp_path, int8=False, input_size=448)
    assert copy is not None
    detector = PlateDetector(copy, threads=1)
    detector.model.rect = True
    visible = [i for i in range(demo.FRAMES) if demo.plate_box(i) is not None]
    index = visible[len(visible) // 2]
    frame = demo_frame(index)
    assert frame.shape[:2] == (720, 1280) and detector.model.input_shape(frame) == (256, 448)
    found = detector(frame)
    assert found, "no plate with the rect input"
    box = found[0].box
    got = (int(box[0]), int(box[1]), int(box[2] - box[0]), int(box[3] - box[1]))
    assert iou(got, xywh(demo.plate_box(index))) > 0.6
    free = detector.model._free
    assert free is not None and free.anchors is not None, "the wide frame did not run on the free-size copy"


def test_an_export_made_with_its_anchors_in_constant_nodes_is_made_for_other_inputs_as_well():
    # Ultralytics' export with simplify=False leaves the head's constants in Constant nodes, not initializers
    from onnx import helper
    from onnxruntime import InferenceSession

    from lpr.input_size import free_input_size

    source = str(resolve("lpr_plate_model", ""))
    count = anchors(640, 640)[0].shape[1]
    as_nodes = onnx.load(source)
    graph = as_nodes.graph
    head = [i for i in graph.initializer if tuple(i.dims) in ((1, 2, count), (1, count))]
    assert len(head) == 2
    for init in head:
        graph.initializer.remove(init)
        graph.node.insert(0, helper.make_node("Constant", [], [init.name], value=init))
    picture = np.random.default_rng(3).random((1, 3, 256, 448)).astype(np.float16)

    def run(model: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        session = InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return session.run(None, {**feeds, "images": picture})

    fixed = onnx.load(source)
    with_input_size(fixed, 256, 448)
    want = run(fixed, {})
    sized = onnx.load_from_string(as_nodes.SerializeToString())
    with_input_size(sized, 256, 448)
    got = run(sized, {})
    inputs = free_input_size(as_nodes)
    freed = run(as_nodes, inputs.feeds(256, 448))
    for w, g, f in zip(want, got, freed, strict=True):
        assert np.array_equal(w, g) and np.array_equal(w, f)


def test_an_export_whose_head_is_not_known_reads_a_wide_frame_at_the_square_input(tmp_path: Path, caplog):
    from onnx import numpy_helper

    model = onnx.load(str(resolve("lpr_plate_model", "")))
    points = anchors(640, 640)[0]
    for init in model.graph.initializer:  # anchors no YOLOv8 head has: lpr.input_size cannot find them
        value = numpy_helper.to_array(init)
        if value.shape == (1, 2, points.shape[1]):
            init.CopyFrom(numpy_helper.from_array((value + 0.25).astype(value.dtype), init.name))
    path = tmp_path / "odd.onnx"
    onnx.save(model, str(path))
    detector = PlateDetector(path, threads=1)
    detector.model.rect = True
    frame = demo_frame(demo.FRAMES // 2)
    assert detector.model.input_shape(frame) == (384, 640)
    detector(frame)  # no error: the square input after all
    assert not detector.model.rect and detector.model.input_shape(frame) == (640, 640)
    assert "the square input only" in caplog.text


@pytest.mark.parametrize("setting", ["lpr_plate_model", "lpr_object_model"])  # (yolov8n has two anchor constants)
def test_one_free_size_copy_gives_every_input_shape_the_outputs_of_a_copy_made_for_that_shape(setting: str):
    from onnxruntime import InferenceSession

    from lpr.input_size import free_input_size

    source = resolve(setting, "")
    free = onnx.load(str(source))
    inputs = free_input_size(free)
    session = InferenceSession(free.SerializeToString(), providers=["CPUExecutionProvider"])
    assert sorted(i.name for i in session.get_inputs()) == sorted(["images", inputs.points, inputs.strides])
    rng = np.random.default_rng(7)
    for height, width in ((256, 448), (640, 384), (96, 160)):
        fixed = onnx.load(str(source))
        with_input_size(fixed, height, width)
        own = InferenceSession(fixed.SerializeToString(), providers=["CPUExecutionProvider"])
        kind = own.get_inputs()[0].type  # platedet's input is float16
        picture = rng.random((1, 3, height, width)).astype(np.float16 if "float16" in kind else np.float32)
        want = own.run(None, {"images": picture})
        got = session.run(None, {**inputs.feeds(height, width), "images": picture})
        assert [g.shape for g in got] == [w.shape for w in want]
        assert want[0].shape[2] == anchors(height, width)[0].shape[1]
        for g, w in zip(got, want, strict=True):
            assert np.array_equal(g, w), (height, width)


def test_the_sessions_threads_do_not_spin_while_another_session_runs():
    # the reader's sessions run one after another: a pool left spinning would take the cores from the next
    from lpr.onnx_session import session_options

    for threads in (0, 1, 2):
        options = session_options(threads)
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert options.intra_op_num_threads == threads


def test_an_engines_threads_bound_opencvs_pool_too():
    LprEngine(LprConfig(threads=0))
    every_core = cv2.getNumThreads()
    assert every_core >= 1
    LprEngine(LprConfig(threads=1))
    assert cv2.getNumThreads() == 1  # resizes and warps on the one core lpr_threads = 1 gives the engine
    LprEngine(LprConfig(threads=2))
    assert cv2.getNumThreads() == 2
    LprEngine(LprConfig(threads=0))
    assert cv2.getNumThreads() == every_core  # 0: OpenCV's own default again
