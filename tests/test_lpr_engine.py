"""The LPR engine with its real models (no network): the demo clip's plate, `tsnvr lpr read` on real photos,
errors that name the setting to fix, region formats settling look-alike characters, two-line plates and
European side bands, and people and vehicles in a street photo with their colours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from lpr.config import LprConfig
from lpr.geometry import box_quad
from lpr.models import ModelError
from lpr.pipeline import LprEngine, detection_quads, read_score
from lpr.plate_crop import trim_side_bands
from lpr.plate_detector import PlateDetection
from lpr.plate_formats import UNKNOWN
from lpr.two_line import split_lines
from storage.objects import COLORS
from tests.conftest import REPO
from tests.needs import BUS_PHOTO, MODEL_CACHE, needs_bus_photo
from tests.plate_reads import chars, settle
from tsnvr import demo

DATASET = REPO.parent / "shared" / "datasets" / "openalpr-br"
PHOTOS = ("AYO9034", "AZJ6991", "GWT2180")  # photos of the development set read in the CLI test
needs_dataset = pytest.mark.skipif(not DATASET.is_dir(), reason=f"development photos not found in {DATASET}")


@pytest.fixture(scope="module")
def engine() -> LprEngine:
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))
    engine.load(objects=True)
    return engine


def iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - ix * iy
    return ix * iy / union if union else 0.0


def demo_frame(index: int) -> np.ndarray:
    return demo.render_frame(index).to_ndarray(format="bgr24")


def xywh(box: demo.Box) -> tuple[int, int, int, int]:
    return box.left, box.top, box.right - box.left, box.bottom - box.top


# --- the demo clip ----------------------------------------------------------------------------------------

def test_the_demo_plate_reads_as_demo123_where_the_clip_draws_it(engine: LprEngine):
    visible = [i for i in range(demo.FRAMES) if demo.plate_box(i) is not None]
    for index in (visible[len(visible) // 3], visible[2 * len(visible) // 3]):
        truth = xywh(demo.plate_box(index))
        reads = engine.read_plates(demo_frame(index))
        assert [r.text for r in reads] == ["DEMO123"], f"frame {index}"
        assert iou(reads[0].box, truth) > 0.5, f"frame {index}: {reads[0].box} against {truth}"
        assert reads[0].score > 80 and len(reads[0].char_scores) == 7


def test_by_default_a_wide_frame_is_padded_only_to_a_multiple_of_32(engine: LprEngine):
    frame = demo_frame(demo.FRAMES // 2)
    assert frame.shape[:2] == (720, 1280)
    plates, objects = engine.plate_detector.model, engine.object_detector.model
    assert plates.input_shape(frame) == (256, 448) and objects.input_shape(frame) == (384, 640)
    engine.read_plates(frame)
    engine.detect_objects(frame)
    for model in (plates, objects):
        assert model._free is not None and model._free.anchors is not None, model.path


def test_the_int8_copies_go_to_the_cache_folder_given(engine: LprEngine):
    made = sorted(p.name.split("-")[0] for p in MODEL_CACHE.glob("*.int8.onnx"))
    assert "platedet" in made and "yolov8n" in made


# --- tsnvr lpr read -------------------------------------------------------------------------------------

def lpr_read(*args: str, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TSNVR_LPR_CACHE_DIR": str(MODEL_CACHE), "TSNVR_LPR_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "tsnvr", "lpr", "read", *args, "--data", str(data)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


@needs_dataset
def test_lpr_read_json_prints_one_line_per_photo_in_the_documented_shape(tmp_path: Path):
    photos, truths = [], {}
    for name in PHOTOS:
        file, x, y, w, h, plate = (DATASET / f"{name}.txt").read_text(encoding="utf-8").split()
        photos.append(str(DATASET / file))
        truths[str(DATASET / file)] = (plate, (int(x), int(y), int(w), int(h)))
    done = lpr_read("--json", *photos, data=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(photos)
    for line, photo in zip(lines, photos, strict=True):
        out = json.loads(line)
        assert list(out) == ["file", "plates", "ms"] and out["file"] == photo
        assert isinstance(out["ms"], (int, float)) and out["ms"] > 0
        for plate in out["plates"]:
            assert list(plate) == ["text", "score", "box"]
            assert isinstance(plate["text"], str) and 0 <= plate["score"] <= 100
            assert len(plate["box"]) == 4 and all(isinstance(v, int) for v in plate["box"])
        text, box = truths[photo]
        at = max(out["plates"], key=lambda p: iou(tuple(p["box"]), box))
        assert at["text"] == text and iou(tuple(at["box"]), box) > 0.5


def test_a_missing_model_names_its_setting_and_exits_2(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    missing = tmp_path / "nowhere" / "plates.onnx"
    (data / "settings.toml").write_text(f'lpr_plate_model = "{missing}"\n', encoding="utf-8")
    cv2.imwrite(str(tmp_path / "street.png"), demo_frame(150))
    done = lpr_read(str(tmp_path / "street.png"), data=data)
    assert done.returncode == 2
    assert "lpr_plate_model" in done.stderr and str(missing) in done.stderr and "no such file" in done.stderr
    assert done.stdout == ""


def test_an_unreadable_image_exits_2_with_a_message_and_the_others_are_still_read(tmp_path: Path):
    good = tmp_path / "street.png"
    cv2.imwrite(str(good), demo_frame(150))
    animated = tmp_path / "street.gif"  # (OpenCV reads no GIF; Pillow does)
    Image.fromarray(demo_frame(150)[:, :, ::-1]).save(animated)
    garbage = tmp_path / "notes.jpg"
    garbage.write_text("not a picture", encoding="utf-8")
    absent = tmp_path / "absent.jpg"
    done = lpr_read("--json", str(garbage), str(good), str(absent), str(animated), data=tmp_path / "data")
    assert done.returncode == 2
    assert f"cannot read image {garbage}" in done.stderr and f"cannot read image {absent}" in done.stderr
    assert str(animated) not in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(out["file"], [p["text"] for p in out["plates"]]) for out in lines] == [
        (str(good), ["DEMO123"]), (str(animated), ["DEMO123"])]


def test_the_engine_names_the_setting_of_a_model_it_cannot_use(tmp_path: Path):
    with pytest.raises(ModelError, match="lpr_ocr_model") as caught:
        _ = LprEngine(LprConfig(ocr_model=str(tmp_path / "missing.onnx"), threads=1)).reader
    assert caught.value.setting == "lpr_ocr_model"
    wrong_dict = tmp_path / "dict.txt"
    wrong_dict.write_text("0\n1\n2\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"lpr_ocr_dict .*3 characters"):
        _ = LprEngine(LprConfig(ocr_dict=str(wrong_dict), threads=1)).reader
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx model")
    with pytest.raises(ModelError, match=r"lpr_object_model .*not a usable ONNX model"):
        _ = LprEngine(LprConfig(object_model=str(broken), quantize=False, threads=1)).object_detector


# --- plate formats ----------------------------------------------------------------------------------------

def test_korean_formats_settle_digits_around_the_syllable():
    assert settle(chars("12가3456"), ["KR"]) == ("12가3456", "KR")
    # I read for 1 and S for 5 (their look-alikes second best): the format wants digits there
    assert settle(chars("I2가34S6", {0: ("1", 0.3), 5: ("5", 0.2)}), ["KR"]) == ("12가3456", "KR")
    assert settle(chars("123가4567"), ["KR"]) == ("123가4567", "KR-3")


def test_a_hangul_blind_recogniser_leaves_the_syllable_unknown():
    # PP-OCRv6 has no Hangul: it reads 가 as a look-alike (7); the format marks the syllable's place
    assert settle(chars("1273456"), ["KR"], hangul=False) == (f"12{UNKNOWN}3456", "KR")
    assert settle(chars("12374567"), ["KR"], hangul=False) == (f"123{UNKNOWN}4567", "KR-3")


def test_european_formats_turn_look_alikes_into_the_class_each_place_wants():
    assert settle(chars("A8I23CD", {1: ("B", 0.2), 2: ("1", 0.4)}), ["FR"]) == ("AB123CD", "FR")
    assert settle(chars("BMW1234"), ["DE"]) == ("BMW1234", "DE")


def test_us_plates_keep_their_characters_as_read():
    # any letter or digit anywhere: nothing to settle, an O stays an O and a 0 a 0
    assert settle(chars("7ABC0O1"), ["US"]) == ("7ABC0O1", "US")


def test_brazilian_formats_settle_o_and_0_but_never_change_a_letter_into_another():
    assert settle(chars("0UH919I", {0: ("O", 0.3), 6: ("1", 0.3)}), ["BR"]) == ("OUH9191", "BR")
    # an I where the old format wants a digit and the Mercosul one a letter: the likelier reading wins
    assert settle(chars("OUH9I91", {4: ("1", 0.3)}), ["BR"]) == ("OUH9I91", "BR-Mercosul")
    assert settle(chars("8RA2E19", {0: ("B", 0.3)}), ["BR"]) == ("BRA2E19", "BR-Mercosul")
    assert settle(chars("DUH9191"), ["BR"]) == ("DUH9191", "BR")  # D and O are both letters


def test_a_read_no_format_explains_is_kept_as_read():
    assert settle(chars("AB12"), ["BR"]) == ("AB12", None)
    assert settle(chars("N2J6581"), []) == ("N2J6581", None)


# --- crops: two lines, side bands --------------------------------------------------------------------------

def plate_picture(lines: list[tuple[str, float]], size: tuple[int, int] = (300, 150)) -> np.ndarray:
    """A white plate with dark lines of text: (text, height as a share of the plate's) from top to bottom."""
    w, h = size
    image = np.full((h, w, 3), 245, np.uint8)
    cv2.rectangle(image, (1, 1), (w - 2, h - 2), (20, 20, 20), 2)
    slots = np.linspace(0, h, len(lines) + 1)
    for (text, share), top, bottom in zip(lines, slots[:-1], slots[1:], strict=True):
        scale = share * h / 22  # Hershey simplex capitals are about 22 units high at scale 1
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, max(1, round(scale * 2)))
        org = (int((w - tw) / 2), int((top + bottom + th) / 2))
        cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), max(1, round(scale * 2)),
                    cv2.LINE_AA)
    return image


def test_two_lines_of_like_height_are_split_and_small_print_is_not_a_second_line():
    assert split_lines(plate_picture([("ABC", 0.32), ("1234", 0.32)])) is not None
    # a US plate's state name over its number is not a two-line plate
    assert split_lines(plate_picture([("OREGON", 0.1), ("7ABC123", 0.4)], (300, 150))) is None


def test_two_lines_split_when_the_upper_line_is_mostly_strokes_of_a_region_name():
    # an old Korean plate, 충북88 over 가6465: the region's two syllables fall apart into strokes, more of them than
    # the upper line has digits, on a blurred or turned plate (the strokes here: ten short bars before the 88)
    plate = plate_picture([("     88", 0.3), ("6465", 0.45)], (300, 180))
    for i in range(10):
        x = 40 + 9 * i
        cv2.rectangle(plate, (x, 25 + 12 * (i % 2)), (x + 5, 34 + 12 * (i % 2)), (20, 20, 20), -1)
    split = split_lines(plate)
    assert split is not None
    top, bottom = split
    assert 70 <= top.shape[0] <= 95 and bottom.shape[0] >= 90  # cut between the 88 and the 6465


def test_two_lines_split_when_the_bottom_characters_touch_the_dark_car_beyond_a_loose_crop():
    plate = plate_picture([("ABC", 0.3), ("1234", 0.3)], (300, 150))
    plate[133:, :] = 20  # the bumper under the plate: the digits' feet (down to row 137) stand in it
    plate[:, 290:] = 20
    assert split_lines(plate) is not None



def test_two_lines_split_when_the_bottom_characters_touch_a_slanted_frame():
    # a turned plate straightened from an outline a little off: its frame runs 10 pixels off level across the
    # crop (2 degrees), too slanted for a straight run, through the digits' feet
    plate = plate_picture([("ABC", 0.3), ("1234", 0.3)], (300, 150))
    cv2.line(plate, (2, 128), (297, 138), (20, 20, 20), 2)
    assert split_lines(plate) is not None


def test_a_blue_band_at_either_end_of_a_plate_is_cut_off():
    plate = plate_picture([("AB-123-CD", 0.45)], (520, 110))
    plate[3:-3, 3:40] = (160, 50, 0)  # BGR: the EU band with its country code
    plate[3:-3, -40:-3] = (160, 50, 0)  # a French department band
    trimmed = trim_side_bands(plate)
    assert 520 - 2 * 45 <= trimmed.shape[1] <= 520 - 2 * 38
    all_blue = np.full((110, 520, 3), (160, 50, 0), np.uint8)
    assert trim_side_bands(all_blue).shape == all_blue.shape


def test_a_french_plate_reads_without_its_department_number(engine: LprEngine):
    plate = plate_picture([("AB-123-CD", 0.5)], (520, 110))
    plate[3:-3, -48:-3] = (160, 50, 0)
    cv2.putText(plate, "75", (480, 90), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    frame = np.full((300, 700, 3), 90, np.uint8)
    frame[100:210, 90:610] = plate
    box = np.array([90, 100, 610, 210], np.float32)
    line, lines = engine.read_line(frame, PlateDetection(box, 0.9, np.array(
        [[90, 100], [610, 100], [610, 210], [90, 210]], np.float32), False))
    assert (line.text, lines) == ("AB123CD", 1)


# --- people and vehicles ----------------------------------------------------------------------------------

BUS = BUS_PHOTO


@needs_bus_photo
def test_a_street_photo_gives_people_and_a_bus_with_their_colours(engine: LprEngine):
    assert BUS is not None, "ultralytics/assets/bus.jpg is not installed"
    objects = engine.detect_objects(cv2.imread(str(BUS)))
    people = [o for o in objects if o.kind == "human"]
    vehicles = [o for o in objects if o.kind == "vehicle"]
    assert len(people) >= 3 and all(o.label == "person" for o in people)
    assert [(o.label, o.vehicle_type) for o in vehicles] == [("bus", "bus")]
    for person in people:
        shown = person.as_dict()
        assert shown["upperColors"] and set(shown["upperColors"]) <= set(COLORS)
        assert shown["lowerColors"] and set(shown["lowerColors"]) <= set(COLORS)
    bus = vehicles[0].as_dict()
    assert bus["vehicleType"] == "bus" and bus["colors"] and set(bus["colors"]) <= set(COLORS)
    assert bus["box"][2] > 500  # the bus fills most of the photo's width


@needs_dataset
def test_a_plate_whose_format_settles_its_unsure_glyphs_scores_as_sure_as_the_glyphs(engine: LprEngine):
    # NZJ6581: the Z read at about 0.5 beside 2 and the 6 beside G, the product of the characters' own scores
    # under 25 (the default lpr_min_score dropped it); a letter's place and a digit's make them sure
    auto = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE), regions=["auto"]))
    reads = auto.read_plates(cv2.imread(str(DATASET / "NZJ6581.jpg")))
    assert [r.text for r in reads] == ["NZJ6581"] and reads[0].score >= 25
    # its characters' scores stay the recogniser's own
    assert reads[0].char_scores[1] < 70 and read_score([s / 100 for s in reads[0].char_scores]) < 25


def test_a_tilted_plate_is_read_along_its_outline_first_and_a_level_one_along_its_box():
    box = np.array([0, 0, 200, 100], np.float32)

    def found(degrees: float, mask: bool = True) -> PlateDetection:
        turn = np.radians(degrees)
        corners = np.array([[0, 0], [180, 0], [180, 40], [0, 40]], np.float32)
        rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]], np.float32)
        return PlateDetection(box, 0.9, corners @ rotation.T + [10, 30], mask)

    for degrees in (15.0, -15.0):
        first, second = detection_quads(found(degrees))
        assert np.array_equal(first, found(degrees).quad) and np.array_equal(second, box_quad(box))
    level = detection_quads(found(3.0))
    assert np.array_equal(level[0], box_quad(box)) and np.array_equal(level[1], found(3.0).quad)
    assert len(detection_quads(found(15.0, mask=False))) == 1


@needs_dataset
def test_a_plate_turned_20_degrees_reads_whole(engine: LprEngine):
    # PJU2853 turned 20 degrees clockwise: the box around it held the slanted line and read 2853 sure of each
    # character, which was taken as it was
    image = cv2.imread(str(DATASET / "PJU2853.jpg"))
    x, y, w, h = (int(v) for v in (DATASET / "PJU2853.txt").read_text().split()[1:5])
    turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), -20.0, 1.0)
    image = cv2.warpAffine(image, turn, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    assert [r.text for r in engine.read_plates(image)] == ["PJU2853"]
