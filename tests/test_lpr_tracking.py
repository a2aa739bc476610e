"""Plate and object tracks across frames, the vote over a track's reads, and motion detection."""

from __future__ import annotations

import numpy as np

from lpr.motion import MotionDetector
from lpr.pipeline import DetectedObject, PlateRead
from lpr.tracker import ObjectTracker, PlateTracker, vote

FRAME = np.zeros((720, 1280, 3), np.uint8)


def read(text: str, x: int, scores: list[float] | None = None, y: int = 400) -> PlateRead:
    char_scores = scores or [90.0] * len(text)
    return PlateRead(text, float(np.mean(char_scores)), (x, y, 120, 30), char_scores, [], 90.0)


def test_the_vote_settles_each_character_by_confidence():
    reads = [read("ABC1234", 0, [90] * 7), read("A8C1234", 0, [90, 40, 90, 90, 90, 90, 90]),
             read("ABC1284", 0, [90, 90, 90, 90, 90, 30, 90]), read("ABC123", 0, [99] * 6)]
    result = vote(reads)
    assert (result.text, result.reads) == ("ABC1234", 3)
    # position 2: B 90+90 of 3 reads; position 6: 3 90+90 of 3 reads; the others 90
    assert result.score == round((5 * 90 + 2 * 60) / 7, 1)


def test_a_moving_plate_is_one_track_until_it_is_missed_long_enough():
    tracker = PlateTracker(gap_ms=600)
    for i, text in enumerate(["ABC1234", "ABC1Z34", "ABC1234"]):
        tracker.update(1000 + 250 * i, [(read(text, 100 + 200 * i), "gate")], FRAME)
    tracker.update(1250, [(read("XYZ9876", 900), "gate")], FRAME)
    # the other plate was missed in two frames (1500, 1750) but only 500 ms passed: still there
    tracker.update(1750, [], FRAME)
    assert tracker.close(1750) == []
    tracker.update(2000, [], FRAME)
    assert [t.vote().text for t in tracker.close(2000)] == ["XYZ9876"]
    tracker.update(2099, [], FRAME)
    assert tracker.close(2099) == []
    tracker.update(2100, [], FRAME)
    closed = tracker.close(2100)
    assert [(t.vote().text, t.first_ms, t.last_ms, len(t.reads)) for t in closed] == [
        ("ABC1234", 1000, 1500, 3)]
    assert [c for c in closed[0].path] == [(160.0, 415.0), (360.0, 415.0), (560.0, 415.0)]
    assert tracker.open == []


def test_a_slow_machine_does_not_split_a_car_and_a_dead_camera_closes_on_the_clock():
    tracker = PlateTracker(gap_ms=600)
    tracker.update(0, [(read("ABC1234", 100), "gate")], FRAME)
    tracker.update(900, [], FRAME)  # analysis takes 900 ms a frame: one miss is not enough
    assert tracker.close(900) == []
    tracker.update(1800, [(read("ABC1234", 300), "gate")], FRAME)
    assert tracker.close(1800) == [] and len(tracker.open[0].reads) == 2
    assert tracker.close(1800 + 600 + 4999) == []
    assert [t.last_ms for t in tracker.close(1800 + 600 + 5000)] == [1800]


def test_the_same_place_in_another_zone_is_another_track():
    tracker = PlateTracker(gap_ms=600)
    tracker.update(0, [(read("ABC1234", 100), "in")], FRAME)
    tracker.update(250, [(read("ABC1234", 100), "out")], FRAME)
    assert sorted(t.zone for t in tracker.close(0, everything=True)) == ["in", "out"]


def test_an_object_gets_one_id_and_is_reported_once_confirmed():
    ids = iter(range(41, 100))
    tracker = ObjectTracker(lambda: next(ids), gap_ms=1500, confirm_hits=2)
    car = DetectedObject("vehicle", "car", (100, 300, 300, 150), 88.0, "car")
    person = DetectedObject("human", "person", (900, 200, 80, 220), 70.0)
    assert tracker.update(0, [car, person], FRAME) == []
    moved = DetectedObject("vehicle", "car", (160, 300, 300, 150), 91.0, "car")
    confirmed = tracker.update(250, [moved], FRAME)
    assert [(t.obj_id, t.kind, t.hits, t.best.score) for t in confirmed] == [(41, "vehicle", 2, 91.0)]
    assert tracker.update(500, [moved], FRAME) == []
    confirmed = tracker.update(750, [person], FRAME)
    assert [(t.obj_id, t.kind) for t in confirmed] == [(42, "human")]


def test_motion_is_a_moving_block_not_noise():
    rng = np.random.default_rng(1)
    detector = MotionDetector(threshold=0.003)
    still = np.full((1080, 1920, 3), 100, np.uint8)
    assert detector.update(still) is False
    noisy = np.clip(still + rng.normal(0, 3, still.shape), 0, 255).astype(np.uint8)
    assert detector.update(noisy) is False
    moving = still.copy()
    moving[500:700, 800:1100] = 230
    assert detector.update(moving) is True


def test_the_track_is_shown_by_its_largest_sure_read_of_the_voted_text():
    tracker = PlateTracker(gap_ms=600)
    small, large, wrong = read("ABC1234", 100), read("ABC1234", 300, [96] * 7), read("ABC1284", 500, [99] * 7)
    large.box = (300, 400, 240, 60)
    for i, r in enumerate((small, large, wrong, read("ABC1234", 700, [70] * 7))):
        tracker.update(250 * i, [(r, "gate")], FRAME)
    [track] = tracker.close(0, everything=True)
    assert track.reads[track.representative(track.vote().text)] is large
