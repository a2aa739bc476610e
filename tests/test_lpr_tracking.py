"""Plate and object tracks across frames, the vote over a track's reads, and motion detection."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lpr.config import LprConfig
from lpr.flag_code import CODES
from lpr.motion import MotionDetector
from lpr.pipeline import DetectedObject, LprEngine, PlateRead
from lpr.plate_formats import formats_for
from lpr.tracker import ObjectTracker, PlateTracker, vote
from tests.needs import MODEL_CACHE

FRAME = np.zeros((720, 1280, 3), np.uint8)


def read(text: str, x: int = 0, scores: list[float] | None = None, y: int = 400) -> PlateRead:
    char_scores = scores or [90.0] * len(text)
    return PlateRead(text, float(np.mean(char_scores)), (x, y, 120, 30), char_scores, [], 90.0)


def unsure(text: str, position: int, score: float, rest: float = 90.0) -> PlateRead:
    """A read sure of every character but the one at `position`."""
    return read(text, scores=[score if i == position else rest for i in range(len(text))])


def test_the_vote_settles_each_character_by_confidence():
    reads = [read("ABC1234", 0, [90] * 7), read("A8C1234", 0, [90, 40, 90, 90, 90, 90, 90]),
             read("ABC1284", 0, [90, 90, 90, 90, 90, 30, 90]), read("ABC123", 0, [99] * 6)]
    result = vote(reads)
    assert (result.text, result.reads) == ("ABC1234", 3)
    # the short read votes too (it lost its last character), so where two reads disagree the other three agree
    assert 85 < result.score < 90


def test_the_vote_weighs_reads_by_log_probability_not_by_count_nor_by_summed_scores():
    # one read sure of its 2 (99) against two unsure of a Z (60 each): 99 < 60 + 60, but 0.99 is 66 to 1 against
    # a wrong glyph and 0.6 only 1.5 to 1
    assert vote([unsure("ABC1234", 4, 99), unsure("ABC1Z34", 4, 60), unsure("ABC1Z34", 4, 60)]).text == "ABC1234"
    # ...while three of them are surer together than the one
    assert vote([unsure("ABC1234", 4, 99)] + [unsure("ABC1Z34", 4, 60)] * 3).text == "ABC1Z34"


def test_a_read_with_an_extra_edge_character_is_aligned_and_votes():
    assert vote([read("RK828AG"), read("ORK828AG"), read("RK828AG")]).text == "RK828AG"
    # the frame's bolt read as O is dropped, and its 8 settles the character the two others disagree on
    result = vote([read("RK828AG"), unsure("RK820AG", 4, 95), read("ORK828AG")])
    assert (result.text, result.reads) == ("RK828AG", 2)
    assert vote([read("RK828AG"), unsure("RK820AG", 4, 95), read("RK828AGI")]).text == "RK828AG"
    # one read of each length: the middle one
    assert vote([read("ORK828AG"), read("K828AG"), read("RK828AG")]).text == "RK828AG"
    # as many reads with a stutter as without: the stuttered character is a different one in each
    assert vote([read("RK3346AL"), read("RK346AL"), read("RK8346AL"), read("RK346AL")]).text == "RK346AL"


def test_a_length_read_once_less_often_but_surely_wins_over_unsure_reads():
    # a Slovak car read three times from afar, its coat of arms taken for a character, then twice near and sure
    # (the reads of the development clip test_046, their scores the chance that every character is right)
    far = [read("RKE143AT", scores=[91.7] * 8), read("RK3143AT", scores=[42.2] * 8),
           read("RKE143AT", scores=[62.7] * 8)]
    reads = [*far, read("RK143AT", scores=[99.1] * 7), read("RK143AT", scores=[99.7] * 7)]
    assert vote(reads).text == vote(reads, formats_for(["auto"])).text == "RK143AT"
    # one read fewer only: three sure reads of a length are not outvoted by one surer read of another
    assert vote([read("RK143AT", scores=[80.0] * 7)] * 3 + [read("RKE143AT", scores=[99.9] * 8)]).text == "RK143AT"
    assert vote([read("RK143AT", scores=[80.0] * 7)] * 3 + [read("RKE143AT", scores=[99.9] * 8)] * 2).text == "RKE143AT"


def test_lengths_read_as_often_that_differ_at_an_end_are_settled_by_the_formats():
    # two frames lost the R at the plate's edge, surer of the rest than the two frames that kept it
    reads = [read("K619AS", scores=[95.0] * 6), read("RK619AS"), read("K619AS", scores=[95.0] * 6), read("RK619AS")]
    assert vote(reads).text == "K619AS"  # no formats: the surer vote
    # a Slovak format explains RK619AS whole; K619AS only formats with free places (US A{2,8}) do
    assert vote(reads, formats_for(["auto"])).text == "RK619AS"
    assert vote(reads, formats_for(["SK"])).text == "RK619AS"
    # a character more in the middle is no edge the frame lost: the surer vote, formats or not (even where a format
    # explains the shorter read whole)
    middle = [read("RK3346AL", scores=[95.0] * 8), read("RK346AL"), read("RK3346AL", scores=[95.0] * 8),
              read("RK346AL")]
    assert vote(middle, formats_for(["SK"])).text == vote(middle).text == "RK3346AL"
    assert len(vote(middle, formats_for(["auto"])).text) == 8


def test_a_read_that_lost_an_edge_character_does_not_outvote_two_full_reads():
    full = read("RK828AG", scores=[45.0] * 7)
    assert vote([full, read("K828AG", scores=[99.0] * 6), full]).text == "RK828AG"
    # and it still votes on the characters it has: its 2 against the full reads' unsure 7
    assert vote([unsure("RK878AG", 4, 40), read("K828AG"), unsure("RK828AG", 4, 50)]).text == "RK828AG"


def test_the_plate_formats_settle_look_alikes_in_the_voted_text():
    reads = [unsure("ABCO234", 3, 60), unsure("ABC0234", 3, 55), unsure("ABCO234", 3, 50)]
    assert vote(reads).text == "ABCO234"
    assert vote(reads, formats_for(["BR"])).text == "ABC0234"  # LLL NNNN: a digit there
    tracker = PlateTracker(gap_ms=600)
    for i, r in enumerate(reads):
        r.box = (100 + 50 * i, 400, 120, 30)
        tracker.update(250 * i, [(r, "gate")], FRAME)
    [track] = tracker.close(0, everything=True)
    assert track.vote(formats_for(["BR"])).text == "ABC0234"


def test_the_score_is_the_reads_confidence_when_they_agree_and_less_when_they_do_not():
    assert vote([read("ABC1234")]).score == 90.0
    assert vote([read("ABC1234")] * 5).score == 90.0  # frames of one car are not independent witnesses
    # agreeing with a sure read makes two unsure ones surer: more than their mean score, 79.7
    assert vote([read("ABC1234", scores=[70.0] * 7)] * 2 + [read("ABC1234", scores=[99.0] * 7)]).score > 85
    split = vote([read("ABC1234")] * 3 + [unsure("ABC1284", 5, 90)]).score
    assert 80 < split < 90
    assert vote([read("ABC1234")] * 4 + [read("XY98")]).score < split  # a read that fits nowhere disagrees
    assert vote([]) == vote([]) and vote([]).text == ""


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


def test_the_codes_a_tracks_reads_saw_in_the_blue_band_weigh_the_formats_of_its_vote():
    # a Slovak BB 135BO whose B and O three frames read as 8 and 0, two as B and O (the development clip test_050)
    reads = [unsure("BB13580", 5, 80.0)] * 3 + [unsure("BB135BO", 5, 70.0)] * 2
    engine = LprEngine(LprConfig(threads=1, cache_dir=str(MODEL_CACHE)))  # auto
    formats = engine.formats_for_reads(reads)
    assert engine.prior_for_reads(reads) is None  # no band read: nothing to weigh by
    assert vote(reads, formats).text == "BB13580"  # Poland's LL NNNNN explains the surer reads as read

    def seen(read: PlateRead, sk: float) -> PlateRead:
        codes = {region: 0.0 for _, region in CODES} | {"SK": sk, "CZ": 0.9 - sk, "": 0.1}
        return replace(read, codes=codes)

    # no frame is sure of the band's SK, but together they lean to it: Slovakia's LL NNN LL wins
    banded = [seen(r, sk) for r, sk in zip(reads, [0.5, 0.3, 0.6, 0.45, 0.55], strict=True)]
    prior = engine.prior_for_reads(banded)
    assert prior is not None and prior("SK") == 0.0 and prior("PL") < 0
    assert vote(banded, formats, prior).text == "BB135BO"
    # a frame with a sure code of its own settles the formats by itself (formats_for_reads), not by weighing
    assert engine.prior_for_reads([*banded, replace(banded[0], country="SK")]) is None
    # averaged, the frames lean to no code, or to none enough: nothing to weigh by
    blurred = {region: 0.0 for _, region in CODES} | {"SK": 0.3, "CZ": 0.3, "": 0.4}
    assert engine.prior_for_reads([replace(r, codes=blurred) for r in reads]) is None
    faint = blurred | {"SK": 0.35, "CZ": 0.35, "": 0.3}
    assert engine.prior_for_reads([replace(r, codes=faint) for r in reads]) is None
