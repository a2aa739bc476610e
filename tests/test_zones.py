"""lpr.zones: the zones the worker analyses, 8K <-> pixel conversion, inside tests and directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from lpr.zones import (
    MIN_MOVEMENT,
    Zone,
    analysed_channels,
    centre,
    to_logical,
    to_pixels,
    xywh_to_xyxy,
    zones_for_channel,
    zones_of,
)
from storage import settings as settings_file
from storage.settings import LprDevice, LprZone, Settings


def zone(rect=(0, 0, 7680, 4320), entry=None, chid=1) -> Zone:
    return Zone(device_id=1, code="1-1-1", name="Gate", chid=chid, rect=rect, mode="driving", entry=entry,
                linked=(1,), parking_entrance=None, parking_exit=None)


def test_the_guides_own_example_converts_both_ways():
    assert to_logical((480, 270, 1440, 810), 1920, 1080) == (1920, 1080, 5760, 3240)
    assert to_pixels((1920, 1080, 5760, 3240), 1920, 1080) == (480.0, 270.0, 1440.0, 810.0)
    assert zone((1920, 1080, 5760, 3240)).pixel_rect(1920, 1080) == (480.0, 270.0, 1440.0, 810.0)
    assert zone((1920, 1080, 5760, 3240)).pixel_rect(1280, 720) == (320.0, 180.0, 960.0, 540.0)


def test_to_logical_rounds_and_clamps_to_the_frame():
    assert to_logical((0, 0, 639, 359), 640, 360) == (0, 0, 7668, 4308)
    assert to_logical((-5, -5, 700, 400), 640, 360) == (0, 0, 7680, 4320)
    assert to_logical((1, 1, 2, 2), 1000, 1000) == (8, 4, 15, 9)  # 7.68 -> 8, 4.32 -> 4, 15.36 -> 15, 8.64 -> 9
    with pytest.raises(ValueError, match="0x1080"):
        to_logical((0, 0, 1, 1), 0, 1080)


def test_box_helpers():
    assert xywh_to_xyxy((10, 20, 30, 40)) == (10, 20, 40, 60)
    assert centre((10, 20, 30, 40)) == (25.0, 40.0)


def test_contains_a_point_in_frame_pixels():
    lower_half = zone((0, 2160, 7680, 4320))
    assert lower_half.contains(960, 900, 1920, 1080)
    assert lower_half.contains(0, 540, 1920, 1080)  # edges are inside
    assert lower_half.contains(1920, 1080, 1920, 1080)
    assert not lower_half.contains(960, 539.9, 1920, 1080)
    assert not lower_half.contains(1920.1, 800, 1920, 1080)
    assert lower_half.contains(320, 300, 640, 360)  # the same zone on a smaller stream
    assert not lower_half.contains(320, 100, 640, 360)


@pytest.mark.parametrize("entry, path, expected", [
    ("down", [(500, 100), (505, 300), (510, 600)], "entry"),
    ("down", [(510, 600), (505, 300), (500, 100)], "exit"),
    ("up", [(500, 100), (505, 300), (510, 600)], "exit"),
    ("up", [(510, 600), (505, 300), (500, 100)], "entry"),
    ("right", [(100, 500), (900, 480)], "entry"),
    ("left", [(100, 500), (900, 480)], "exit"),
    ("left", [(900, 500), (100, 480)], "entry"),
    ("down", [(100, 500), (900, 500)], None),  # sideways: nothing along the entry axis
    (None, [(500, 100), (510, 900)], None),  # no entry direction set
    ("down", [(500, 500)], None),  # one point
    ("down", [], None),
])
def test_direction_along_the_entry_axis(entry, path, expected):
    assert zone(entry=entry).direction(path, 1920, 1080) == expected


def test_small_movements_have_no_direction():
    z = zone(entry="down")
    limit = MIN_MOVEMENT * 1080  # 32.4 px of a 1080-line frame
    assert z.direction([(500, 500), (500, 500 + limit - 0.1)], 1920, 1080) is None
    assert z.direction([(500, 500), (500, 500 + limit + 0.1)], 1920, 1080) == "entry"
    assert z.direction([(500, 500), (500, 500 - limit - 0.1)], 1920, 1080) == "exit"
    sideways = zone(entry="right")  # along x the threshold is 3 % of the width: 57.6 px
    assert sideways.direction([(500, 500), (550, 500)], 1920, 1080) is None
    assert sideways.direction([(500, 500), (560, 500)], 1920, 1080) == "entry"


def test_direction_uses_the_net_movement_not_one_jittery_end():
    z = zone(entry="down")
    # down the frame, then a last detection that jumps back up: the ends averaged still say entry
    path = [(500, 100), (500, 120), (500, 140), (500, 400), (500, 500), (500, 600), (500, 700), (500, 800), (500, 90)]
    assert z.direction(path, 1920, 1080) == "entry"
    assert z.direction([(500, 300), (500, 900), (500, 310)], 1920, 1080) is None  # there and back


def test_zones_of_settings(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, lpr_device=[
        LprDevice(id=5, code="1-2-1", linked_channels=[2], zone=LprZone(chid=2, entry="left"), parking_exit=1),
        LprDevice(id=1, code="F00001"),  # an external reader: no zone
        LprDevice(id=3, code="1-1-1", name="Gate in", linked_channels=[1], parking_entrance=1,
                  zone=LprZone(chid=1, rect=(0, 2160, 7680, 4320), mode="parking", disabled_only=True)),
        LprDevice(id=4, code="1-1-2", tag="NotUsed", zone=LprZone(chid=1, id=1)),
        LprDevice(id=6, code="1-1-3", tag="ReadOnly", zone=LprZone(chid=1, id=2)),
    ], lpr_channels=[7, 2])
    zones = zones_of(settings)
    assert [z.device_id for z in zones] == [3, 5, 6]
    assert zones[0] == Zone(device_id=3, code="1-1-1", name="Gate in", chid=1, rect=(0, 2160, 7680, 4320),
                            mode="parking", entry=None, linked=(1,), parking_entrance=1, parking_exit=None,
                            zone_id=0, tag="Normal", disabled_only=True, no_parking_allowed=False)
    assert zones[1].name == "1-2-1" and zones[1].entry == "left" and zones[1].parking_exit == 1
    assert [z.device_id for z in zones_for_channel(settings, 1)] == [3, 6]
    assert [z.device_id for z in zones_for_channel(settings, 2)] == [5]
    assert zones_for_channel(settings, 9) == []
    assert analysed_channels(settings) == [1, 2, 7]
    settings.lpr_enabled = False
    assert analysed_channels(settings) == []


def test_zones_from_settings_toml(tmp_path: Path):
    settings_file.write_file(tmp_path / settings_file.SETTINGS_FILE, {"lpr_device": [
        {"id": 2, "code": "1-1-1", "name": "Gate in", "linked_channels": [1], "parking_entrance": 1,
         "zone": {"id": 0, "chid": 1, "rect": [0, 2160, 7680, 4320], "mode": "driving", "disabled_only": False,
                  "no_parking_allowed": False, "entry": "down"}}]})
    [z] = zones_of(settings_file.load(tmp_path, env={}))
    assert (z.chid, z.rect, z.entry, z.parking_entrance) == (1, (0, 2160, 7680, 4320), "down", 1)
    # a plate moving down through the lower half of a 1280x720 stream is an entry
    path = [(640, 380), (642, 450), (645, 540), (650, 700)]
    assert all(z.contains(x, y, 1280, 720) for x, y in path)
    assert z.direction(path, 1280, 720) == "entry"
