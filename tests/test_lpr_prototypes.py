"""The plate detector's mask prototypes made only around the plates (lpr.prototypes), with the real models: the
branch cut out of the export makes, in any region, the prototypes the whole export makes there, and the plate
outlines are the same as with the whole export."""

from __future__ import annotations

import numpy as np
import pytest

from lpr import prototypes
from lpr.config import LprConfig
from lpr.models import resolve
from lpr.onnx_session import open_session
from lpr.plate_detector import PlateDetector
from lpr.prototypes import RegionPrototypes, split
from lpr.quantize import cached_copy
from lpr.yolo import Sessions, YoloModel
from tests.needs import MODEL_CACHE
from tests.test_lpr_engine import demo_frame
from tsnvr import demo

onnx = pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def detector() -> PlateDetector:
    return PlateDetector(resolve("lpr_plate_model", ""), threads=1)


@pytest.fixture(scope="module")
def engines_detector() -> PlateDetector:
    """The copy the engine runs at its defaults: int8, at its input size."""
    copy = cached_copy(resolve("lpr_plate_model", ""), MODEL_CACHE, int8=True, input_size=LprConfig().plate_input_size)
    assert copy is not None
    return PlateDetector(copy, threads=1)


def whole_export(detector: PlateDetector) -> Sessions:
    return Sessions(open_session(detector.model.path, "lpr_plate_model", 1))


def test_the_plate_detector_runs_without_its_prototype_branch_which_is_a_session_of_its_own(detector: PlateDetector):
    sessions = detector.model.sessions
    assert sessions.prototypes is not None
    assert [o.name for o in sessions.network.get_outputs()][0] == "output0"
    assert len(sessions.network.get_outputs()) == 2  # the boxes, and the feature map the branch reads
    assert (sessions.prototypes.masks, sessions.prototypes.upscale) == (32, 2)
    assert {n.op_type for n in split(onnx.load(str(detector.model.path)))[1].graph.node} >= {"Conv", "ConvTranspose"}


@pytest.mark.parametrize("rows, columns", [((70, 90), (100, 140)), ((0, 12), (0, 30)), ((150, 160), (120, 160)),
                                           ((40, 41), (5, 6))])
def test_the_prototypes_of_a_region_are_the_ones_the_whole_export_makes_there(
        detector: PlateDetector, rows: tuple[int, int], columns: tuple[int, int]):
    model = detector.model
    tensor, _ = model.letterbox(demo_frame(60))
    whole = whole_export(detector).network.run(None, {model.input_name: tensor})[1][0].astype(np.float32)
    boxes, features = model.sessions.network.run(None, {model.input_name: tensor})
    assert model.sessions.prototypes is not None
    prototypes = model.sessions.prototypes.over(features)
    assert isinstance(prototypes, RegionPrototypes) and prototypes.shape == whole.shape == (32, 160, 160)
    got = prototypes.region(rows[0], rows[1], columns[0], columns[1])
    want = whole[:, rows[0]:rows[1], columns[0]:columns[1]]
    assert got.shape == want.shape
    # the same arithmetic as the whole export's up to float16 rounding; a region cut without the branch's reach
    # differs by whole units along its edges
    np.testing.assert_allclose(got, want, atol=0.02)


@pytest.mark.parametrize("which", ["detector", "engines_detector"])
def test_the_plate_outlines_are_those_of_the_whole_export(which: str, request: pytest.FixtureRequest):
    detector: PlateDetector = request.getfixturevalue(which)
    # the export as shipped (float16, 640) and the engine's copy, on every 24th frame with the plate
    frames = [i for i in range(demo.FRAMES) if demo.plate_box(i) is not None][::24]
    outlined = 0
    for index in frames:
        frame = demo_frame(index)
        cut = detector.detect(frame)
        own, detector.model.sessions = detector.model.sessions, whole_export(detector)
        try:
            whole = detector.detect(frame)
        finally:
            detector.model.sessions = own
        assert [d.from_mask for d in cut] == [d.from_mask for d in whole]
        for a, b in zip(cut, whole, strict=True):
            assert np.abs(a.quad - b.quad).max() < 0.5
        outlined += sum(d.from_mask for d in cut)
    assert outlined >= len(frames) // 2  # (a plate entering or leaving the frame may have no outline)


def test_a_branch_that_reaches_further_than_the_cells_read_around_a_region_is_not_cut_out(
        monkeypatch: pytest.MonkeyPatch):
    # YOLOv8's branch reaches 2 feature cells; another export's may reach further. The check made when the model
    # loads sees the difference (here: a margin too small for YOLOv8's) and runs the export whole
    monkeypatch.setattr(prototypes, "MARGIN", 1)
    model = YoloModel(resolve("lpr_plate_model", ""), "lpr_plate_model", threads=1)
    assert model.segment and model.sessions.prototypes is None
    assert len(model.sessions.network.get_outputs()) == 2


def test_a_detection_only_export_is_run_whole():
    model = YoloModel(resolve("lpr_object_model", ""), "lpr_object_model", threads=1)
    assert not model.segment and model.sessions.prototypes is None
    assert split(onnx.load(str(model.path))) is None
