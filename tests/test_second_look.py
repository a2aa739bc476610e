"""The second look for missed plates (lpr.second_look): tiles that cover the picture and overlap, detections
brought back to image pixels, and, with the real models, a development photo's plate made small in a large
picture (which the first pass misses) found and read, while a picture whose plate the first pass reads costs
one detector run."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from lpr import second_look
from lpr.arrays import Picture
from lpr.config import LprConfig
from lpr.pipeline import DetectedObject, LprEngine
from lpr.plate_detector import PlateDetection
from lpr.second_look import MAX_VIEWS, MIN_OVERLAP, ZOOM, Detect, View, look, look_wider, merge, views
from lpr.yolo import PAD_VALUE
from tests.conftest import REPO
from tests.needs import MODEL_CACHE

DATASET = REPO.parent / "shared" / "datasets" / "openalpr-br"
needs_dataset = pytest.mark.skipif(not DATASET.is_dir(), reason=f"development photos not found in {DATASET}")
# a white-on-black plate the detector misses at the first pass's size and in the magnified tiles
WHITE_ON_BLACK = REPO.parent / "shared" / "datasets" / "openalpr-eu" / "eu8.jpg"
INPUT = (640, 640)


def detection(x0: float, y0: float, x1: float, y1: float, score: float = 0.9) -> PlateDetection:
    box = np.array([x0, y0, x1, y1], np.float32)
    quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    return PlateDetection(box, score, quad, False)


# --- the views, without a model ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1536, 2048), (1080, 1920), (410, 573), (224, 653), (2000, 500), (640, 640)])
def test_the_tiles_cover_the_picture_overlap_and_are_magnified_twice_the_first_pass(shape: tuple[int, int]):
    h, w = shape
    tiles = views(shape, INPUT)
    assert 2 <= len(tiles) <= MAX_VIEWS
    first = min(INPUT[0] / h, INPUT[1] / w)
    covered = np.zeros(shape, bool)
    for view in tiles:
        x0, y0, x1, y1 = view.region
        assert view.scale == pytest.approx(min(ZOOM * first, 4.0))
        assert (x1 - x0) * view.scale <= INPUT[1] + 1 and (y1 - y0) * view.scale <= INPUT[0] + 1
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    # neighbours along each axis share at least MIN_OVERLAP of a tile
    for axis in (0, 1):
        starts = sorted({v.region[axis] for v in tiles})
        ends = sorted({v.region[axis + 2] for v in tiles})
        for end, start in zip(ends, starts[1:], strict=False):
            assert end - start >= MIN_OVERLAP * (ends[0] - starts[0]) - 1


def test_a_small_vehicle_is_looked_at_whole_and_enlarged_a_large_one_in_tiles():
    small, large = (900, 500, 1100, 650), (0, 0, 1800, 1000)
    found = views((1080, 1920), INPUT, [small, large])
    assert found[0].region[0] == 0 and len(found) > 2  # largest first, in tiles
    whole = found[-1]
    assert whole.region == (890, 492, 1110, 658)  # 5 % margin on each side
    assert whole.scale == pytest.approx(min(640 / 220, 640 / 166, 4.0))
    assert views((1080, 1920), INPUT, []) == []


def fake_detector(boxes: list[tuple[float, float, float, float]]) -> tuple[list[Picture], Detect]:
    seen: list[Picture] = []

    def detect(picture: Picture) -> list[PlateDetection]:
        seen.append(picture)
        return [detection(*b) for b in boxes]
    return seen, detect


def test_a_detection_is_brought_back_to_image_pixels_and_one_cut_by_a_tile_side_is_dropped():
    image = np.zeros((1000, 2000, 3), np.uint8)
    view = View((500, 200, 820, 520), 2.0)  # 320 x 320 image pixels seen as 640 x 640
    seen, detect = fake_detector([(100, 200, 300, 260), (0, 300, 80, 340), (600, 10, 640, 40)])
    found = look(image, view, detect)
    assert seen[0].shape == (640, 640, 3)
    assert len(found) == 1  # the other two touch the tile's left and right sides, inside the picture
    assert found[0].box.tolist() == [550, 300, 650, 330]
    assert found[0].quad.tolist() == [[550, 300], [650, 300], [650, 330], [550, 330]]
    # at the picture's own side nothing is cut off
    corner = View((0, 0, 320, 320), 2.0)
    _, detect = fake_detector([(0, 300, 80, 340)])
    assert [d.box.tolist() for d in look(image, corner, detect)] == [[0, 150, 40, 170]]


def test_a_region_seen_from_further_away_is_centred_on_a_grey_canvas_and_brought_back():
    image = np.full((300, 400, 3), 7, np.uint8)
    # on the 800 x 600 canvas the picture spans x 200-600, y 150-450: one plate inside it, one on the grey
    seen, detect = fake_detector([(300, 350, 420, 380), (20, 20, 120, 50)])
    found = look_wider(image, (0, 0, 400, 300), detect)
    assert seen[0].shape == (600, 800, 3)
    assert (seen[0][150:450, 200:600] == 7).all() and (seen[0][:150] == PAD_VALUE).all()
    assert [d.box.tolist() for d in found] == [[100, 200, 220, 230]]
    assert found[0].quad.tolist() == [[100, 200], [220, 200], [220, 230], [100, 230]]
    # a vehicle's region: back in the picture's pixels
    seen, detect = fake_detector([(110, 60, 150, 75)])
    found = look_wider(image, (100, 50, 200, 150), detect)
    assert seen[0].shape == (200, 200, 3) and [d.box.tolist() for d in found] == [[160, 60, 200, 75]]


def test_stepping_back_goes_further_each_look_and_a_large_picture_is_shrunk_before_its_canvas():
    image = np.full((300, 400, 3), 7, np.uint8)
    seen: list[Picture] = []

    def far_only(picture: Picture) -> list[PlateDetection]:  # finds a plate only on the canvas 3 times as large
        seen.append(picture)
        return [detection(500, 420, 620, 450)] if picture.shape[:2] == (900, 1200) else []

    looks = second_look.step_back(image, far_only)
    assert next(looks) == [] and seen[-1].shape[:2] == (600, 800)
    found = next(looks)
    assert seen[-1].shape[:2] == (900, 1200)  # the picture at x 400-800, y 300-600
    assert [d.box.tolist() for d in found] == [[100, 120, 220, 150]]
    assert len(list(looks)) == len(second_look.WIDER) - 2
    # 4 times a 1600 x 1200 picture would be 6400 pixels wide: the picture is shrunk so the canvas is CANVAS_MAX
    large = np.full((1200, 1600, 3), 7, np.uint8)
    seen, detect = fake_detector([(2048 - 64, 1536 - 24, 2048 + 64, 1536 + 24)])  # the canvas's middle
    found = look_wider(large, (0, 0, 1600, 1200), detect, 4)
    assert max(seen[0].shape[:2]) == second_look.CANVAS_MAX
    scale = second_look.CANVAS_MAX / 6400
    assert found[0].box.tolist() == pytest.approx([800 - 64 / scale, 600 - 24 / scale, 800 + 64 / scale,
                                                   600 + 24 / scale], abs=1)


def test_the_same_plate_seen_in_two_tiles_is_kept_once_with_its_best_score():
    kept = merge([detection(100, 100, 200, 130, 0.4), detection(102, 101, 201, 131, 0.8),
                  detection(500, 100, 600, 130, 0.5)])
    assert [(d.box[0], d.score) for d in kept] == [(102, 0.8), (500, 0.5)]


# --- with the real models ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    engine.load(objects=False)
    return engine


@pytest.fixture
def calls(engine: LprEngine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Picture]]:
    """The pictures the plate detector runs on, in order."""
    seen: list[Picture] = []
    detect = engine.plate_detector.detect

    def counted(picture: Picture) -> list[PlateDetection]:
        seen.append(picture)
        return detect(picture)
    monkeypatch.setattr(engine.plate_detector, "detect", counted)
    yield seen


def photo(name: str) -> tuple[Picture, tuple[int, int, int, int], str]:
    file, x, y, w, h, plate = (DATASET / f"{name}.txt").read_text(encoding="utf-8").split()
    image = cv2.imread(str(DATASET / file))
    assert image is not None
    return image, (int(x), int(y), int(w), int(h)), plate


def small_in_large(name: str, plate_width: int, centre: tuple[int, int]) -> tuple[Picture, str]:
    """The photo's plate and as much again around it, shrunk to a plate `plate_width` pixels wide, in the
    middle of a grey 2560 x 1920 picture (the first pass sees it a quarter as wide)."""
    image, (x, y, w, h), plate = photo(name)
    crop = image[max(0, y - 2 * h):y + 3 * h, max(0, x - w):x + 2 * w]
    small = cv2.resize(crop, None, fx=plate_width / w, fy=plate_width / w, interpolation=cv2.INTER_AREA)
    canvas = np.full((1920, 2560, 3), 114, np.uint8)
    top, left = centre[1] - small.shape[0] // 2, centre[0] - small.shape[1] // 2
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = small
    return canvas, plate


@needs_dataset
def test_a_small_plate_the_first_pass_misses_is_found_in_the_tiles_and_read(
        engine: LprEngine, calls: list[Picture], monkeypatch: pytest.MonkeyPatch):
    # centred on x = 1280, where the first tile ends: only tiles that overlap hold it whole
    canvas, plate = small_in_large("AYO9034", 100, (1280, 960))
    monkeypatch.setattr(engine.config, "second_look", False)
    assert engine.read_plates(canvas) == []
    assert len(calls) == 1
    monkeypatch.setattr(engine.config, "second_look", True)
    calls.clear()
    reads = engine.read_plates(canvas)
    assert [r.text for r in reads] == [plate]
    x, y, w, h = reads[0].box
    assert abs(x + w / 2 - 1280) < 10 and abs(y + h / 2 - 960) < 20 and 85 <= w <= 115
    assert 2 <= len(calls) <= 1 + MAX_VIEWS
    model = engine.plate_detector.model
    assert all(c.shape[:2] == (model.height, model.width) for c in calls[1:])  # tiles of the input's size


@needs_dataset
def test_the_second_look_does_not_run_when_the_first_pass_reads_a_plate(engine: LprEngine, calls: list[Picture]):
    image, (x, y, w, h), _ = photo("AYO9034")
    reads = engine.read_plates(image)
    assert len(reads) == 1 and abs(reads[0].box[0] - x) < w / 4 and abs(reads[0].box[1] - y) < h / 2
    assert len(calls) == 1


@needs_dataset
def test_with_vehicles_known_the_second_look_stays_inside_them(engine: LprEngine, calls: list[Picture]):
    canvas, plate = small_in_large("AYO9034", 100, (1280, 960))
    car = DetectedObject("vehicle", "car", (1130, 820, 300, 250), 90.0, "car")
    reads = engine.read_plates(canvas, [car])
    assert [r.text for r in reads] == [plate] and reads[0].vehicle is car
    assert len(calls) == 2  # the first pass and the car's crop, enlarged whole
    calls.clear()
    person = DetectedObject("human", "person", (100, 100, 200, 500), 90.0)
    assert engine.read_plates(canvas, [person]) == []
    assert len(calls) == 1  # no vehicle in view: nothing more to look at


@needs_dataset
@pytest.mark.parametrize("angle", [-20, 20])
def test_a_tilted_plate_is_found_and_read(engine: LprEngine, angle: int):
    image, (x, y, w, h), plate = photo("AZJ6991")
    turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), angle, 1.0)
    tilted = cv2.warpAffine(image, turn, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    assert [r.text for r in engine.read_plates(tilted)] == [plate]


@pytest.mark.skipif(not WHITE_ON_BLACK.is_file(), reason=f"development photo not found: {WHITE_ON_BLACK}")
def test_a_plate_missed_up_close_and_magnified_is_found_from_further_away(
        engine: LprEngine, calls: list[Picture], monkeypatch: pytest.MonkeyPatch):
    image = cv2.imread(str(WHITE_ON_BLACK))
    monkeypatch.setattr(engine.config, "second_look", False)
    assert engine.read_plates(image) == []
    monkeypatch.setattr(engine.config, "second_look", True)
    calls.clear()
    reads = engine.read_plates(image)
    assert [r.text for r in reads] == ["WSQ3021"]
    x, y, w, h = reads[0].box  # the plate, 1023 x 764 photo: x 330-600, y 535-620
    assert 300 < x < 360 and 520 < y < 560 and 560 < x + w < 630 and 600 < y + h < 640
    h0, w0 = image.shape[:2]
    assert calls[-1].shape[:2] == (2 * h0, 2 * w0)  # the last look: the picture on a canvas twice its size
    # inside vehicles (the server's look at video) it does not step back
    calls.clear()
    car = DetectedObject("vehicle", "car", (0, 0, w0, h0), 90.0, "car")
    assert engine.read_plates(image, [car]) == []
    assert all(c.shape[0] < 2 * h0 for c in calls)


@pytest.mark.skipif(not WHITE_ON_BLACK.is_file(), reason=f"development photo not found: {WHITE_ON_BLACK}")
def test_the_step_back_follows_tiles_whose_finds_do_not_read_and_stops_at_the_first_distance_that_reads(
        engine: LprEngine, calls: list[Picture], monkeypatch: pytest.MonkeyPatch):
    image = cv2.imread(str(WHITE_ON_BLACK))
    h0, w0 = image.shape[:2]
    detect = engine.plate_detector.detect  # (the counting wrapper of `calls`)
    tile = (engine.plate_detector.model.height, engine.plate_detector.model.width)

    def lettering_in_tiles(picture: Picture) -> list[PlateDetection]:
        found = detect(picture)
        # a "plate" in the first tile over the black bodywork: found, but no characters to read
        return found + [detection(40, 40, 120, 70, 0.5)] if picture.shape[:2] == tile and len(calls) == 2 else found

    monkeypatch.setattr(engine.plate_detector, "detect", lettering_in_tiles)
    assert [r.text for r in engine.read_plates(image)] == ["WSQ3021"]
    assert calls[-1].shape[:2] == (2 * h0, 2 * w0)

    def misses_up_close(picture: Picture) -> list[PlateDetection]:  # a detector that finds it only from 3 times
        return detect(picture) if picture.shape[0] >= 3 * h0 else []

    calls.clear()
    monkeypatch.setattr(engine.plate_detector, "detect", misses_up_close)
    reads = engine.read_plates(image)
    assert [r.text for r in reads] == ["WSQ3021"]
    x, y, w, h = reads[0].box
    assert 300 < x < 360 and 520 < y < 560 and 560 < x + w < 630 and 600 < y + h < 640
    assert [c.shape[:2] for c in calls] == [(3 * h0, 3 * w0)]  # and no look from further away after it
