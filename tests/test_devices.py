"""`tsnvr device ...` and `tsnvr parking ...` edit settings.toml; the enum lists and the parking
counters read what they wrote."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from storage import parking
from storage import settings as settings_file
from storage.settings import LprZone
from tests.conftest import make_runtime, write_settings
from tsnvr.cli import main
from tsnvr.devices_cli import add_lpr_device
from web.core.device_view import emergency_call_list, lpr_src_list, parking_lot_enum


def tsnvr(data_dir: Path, *args: str) -> int:
    return main(["--data", str(data_dir), *args])


def settings_text(data_dir: Path) -> str:
    return (data_dir / settings_file.SETTINGS_FILE).read_text()


def code() -> str:
    return "F" + secrets.token_hex(3).upper()


def test_lpr_devices_round_trip_through_settings_toml(data_dir, capsys):
    first, second = code(), code()
    assert tsnvr(data_dir, "parking", "add", "--name", "B1 Parking Lot", "--max", "50") == 0
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", first, "--name", "Gate in", "--link", "1,2",
                 "--entrance", "1") == 0
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", second, "--exit", "1", "--id", "7",
                 "--tag", "ReadOnly") == 0
    raw = settings_file.read_file(data_dir / settings_file.SETTINGS_FILE)
    assert raw["timezone"] == "America/New_York" and raw["site_name"] == "Test site"  # other keys kept
    assert raw["lpr_device"] == [
        {"id": 1, "code": first, "name": "Gate in", "linked_channels": [1, 2], "tag": "Normal",
         "parking_entrance": 1},
        {"id": 7, "code": second, "name": "", "linked_channels": [], "tag": "ReadOnly", "parking_exit": 1},
    ]
    runtime = make_runtime(data_dir)
    assert lpr_src_list(runtime.services) == [
        {"id": 1, "code": first, "name": "Gate in", "linkedChannel": [1, 2], "tag": "Normal",
         "parkingLot": {"entrance": 1}},
        {"id": 7, "code": second, "name": second, "linkedChannel": [], "tag": "ReadOnly",
         "parkingLot": {"exit": 1}},
    ]
    capsys.readouterr()
    assert tsnvr(data_dir, "device", "lpr", "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"1\t{first}\tGate in\t1,2\tNormal\tentrance=1\texit=-",
        f"7\t{second}\t{second}\t-\tReadOnly\tentrance=-\texit=1",
    ]
    assert tsnvr(data_dir, "device", "lpr", "rm", "1") == 0
    assert [d["code"] for d in settings_file.read_file(data_dir / "settings.toml")["lpr_device"]] == [second]


def test_emergency_call_devices_round_trip(data_dir, capsys):
    location = secrets.token_hex(4)
    assert tsnvr(data_dir, "device", "emcall", "add", "--code", location, "--name", "B1 stairs",
                 "--link", "3,1") == 0
    assert tsnvr(data_dir, "device", "emcall", "add", "--code", "0000002") == 0
    runtime = make_runtime(data_dir)
    assert emergency_call_list(runtime.services) == [
        {"id": 1, "code": location, "name": "B1 stairs", "linkedChannel": [3, 1]},
        {"id": 2, "code": "0000002", "name": "0000002", "linkedChannel": []},
    ]
    capsys.readouterr()
    assert tsnvr(data_dir, "device", "emcall", "list") == 0
    assert capsys.readouterr().out.splitlines() == [f"1\t{location}\tB1 stairs\t3,1", "2\t0000002\t0000002\t-"]
    assert tsnvr(data_dir, "device", "emcall", "rm", "2") == 0
    assert tsnvr(data_dir, "device", "emcall", "rm", "2") == 2  # gone already
    assert len(settings_file.read_file(data_dir / "settings.toml")["emergency_call"]) == 1


def test_parking_lots_counts_and_groups(data_dir, capsys):
    assert tsnvr(data_dir, "parking", "add", "--name", "B1", "--max", "3") == 0
    assert tsnvr(data_dir, "parking", "add", "--name", "B2", "--max", "5") == 0
    assert tsnvr(data_dir, "parking", "add", "--name", "Basement", "--group", "--members", "1,2", "--id", "11") == 0
    runtime = make_runtime(data_dir)
    db = runtime.db
    for _ in range(2):
        assert parking.move(db, 1, None).changed == [1]
    assert parking.move(db, 2, None).changed == [2]
    assert parking.move(db, None, 2).counts == {1: 2, 2: 0}
    assert parking.move(db, None, 2).changed == []  # never below 0
    assert parking_lot_enum(runtime.services) == {
        "counter": [{"id": 1, "name": "B1", "type": "counter", "count": 2, "maxCount": 3},
                    {"id": 2, "name": "B2", "type": "counter", "count": 0, "maxCount": 5}],
        "group": [{"id": 11, "name": "Basement", "type": "group", "count": 2, "maxCount": 8, "member": [1, 2]}],
    }
    capacity = {1: 3, 2: 5}
    assert parking.move(db, 1, None, capacity).over_capacity == []  # 3 of 3
    over = parking.move(db, 1, None, capacity)  # a fourth car: counted, and reported
    assert over.counts[1] == 4 and over.over_capacity == [1]
    assert parking.move(db, 1, 2, capacity).changed == [1]  # in at 1, out of an empty 2
    capsys.readouterr()
    assert tsnvr(data_dir, "parking", "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "1\tcounter\tB1\t5/3", "2\tcounter\tB2\t0/5", "11\tgroup\tBasement\t5/8\tmembers=1,2"]


def test_removed_lot_forgets_its_count(data_dir):
    assert tsnvr(data_dir, "parking", "add", "--name", "Temp", "--max", "9", "--id", "4") == 0
    runtime = make_runtime(data_dir)
    parking.move(runtime.db, 4, None)
    assert parking.counts(runtime.db) == {4: 1}
    assert tsnvr(data_dir, "parking", "rm", "4") == 0
    assert parking.counts(runtime.db) == {}
    assert "parking_lot" in settings_file.read_file(data_dir / "settings.toml")


@pytest.mark.parametrize("args", [
    ("device", "lpr", "add", "--code", "DUP"),  # the code exists already
    ("device", "lpr", "add", "--code", "NEW", "--id", "1"),  # the id exists already
    ("device", "lpr", "add", "--code", "NEW", "--entrance", "9"),  # no lot 9
    ("device", "lpr", "add", "--code", "NEW", "--exit", "3"),  # lot 3 is a group
    ("device", "lpr", "add", "--code", " "),
    ("device", "lpr", "add", "--code", "X" * 65),
    ("device", "lpr", "rm", "5"),
    ("parking", "add", "--name", "No max"),
    ("parking", "add", "--name", "G", "--group"),  # a group without members
    ("parking", "add", "--name", "G", "--group", "--members", "1,9"),
    ("parking", "add", "--name", "G", "--group", "--members", "3"),  # groups of groups
    ("parking", "add", "--name", "C", "--max", "3", "--members", "1"),
    ("parking", "rm", "1"),  # used by the group and the device
    ("parking", "rm", "8"),
])
def test_refused_edits_leave_the_file_alone(data_dir, args):
    assert tsnvr(data_dir, "parking", "add", "--name", "B1", "--max", "10") == 0
    assert tsnvr(data_dir, "parking", "add", "--name", "All", "--group", "--members", "1", "--id", "3") == 0
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "DUP", "--entrance", "1") == 0
    before = settings_text(data_dir)
    assert tsnvr(data_dir, *args) == 2
    assert settings_text(data_dir) == before


def test_invalid_argument_values_are_usage_errors(data_dir):
    before = settings_text(data_dir)
    for args in (("device", "lpr", "add", "--code", "A", "--link", "1,x"),
                 ("device", "emcall", "add", "--code", "A", "--link", "0"),
                 ("parking", "add", "--name", "B", "--max", "-1")):
        with pytest.raises(SystemExit) as exc:
            tsnvr(data_dir, *args)
        assert exc.value.code == 2
    assert settings_text(data_dir) == before


def test_a_broken_settings_file_is_not_overwritten(data_dir, capsys):
    write_settings(data_dir, no_such_setting=1)
    before = settings_text(data_dir)
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "A") == 2
    assert "no_such_setting" in capsys.readouterr().err
    assert settings_text(data_dir) == before


def test_the_running_server_picks_up_cli_edits(runtime, data_dir):
    assert lpr_src_list(runtime.services) == []
    device = code()
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", device, "--link", "4") == 0
    assert tsnvr(data_dir, "device", "emcall", "add", "--code", "E1") == 0
    assert sorted(runtime.reload_settings()) == ["emergency_call", "lpr_device"]
    assert [d["code"] for d in lpr_src_list(runtime.services)] == [device]
    assert [d["code"] for d in emergency_call_list(runtime.services)] == ["E1"]


def test_zone_devices_from_the_cli_list_as_the_guide_writes_them(data_dir, capsys):
    assert tsnvr(data_dir, "parking", "add", "--name", "B1", "--max", "10") == 0
    assert tsnvr(data_dir, "parking", "add", "--name", "B2", "--max", "10") == 0
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "1-1-1", "--id", "2", "--zone-ch", "1",
                 "--zone-rect", "2622,1499,4297,4297", "--entrance", "1", "--exit", "2", "--entry", "down") == 0
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "1-1-2", "--name", "Disabled bay", "--link", "1",
                 "--zone-ch", "1", "--zone-rect-px", "480,270,1440,810@1920x1080", "--mode", "parking",
                 "--disabled-only", "--no-parking-allowed") == 0
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "2-1-1", "--zone-ch", "2") == 0
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "F00001", "--id", "1", "--link", "1,2") == 0
    raw = settings_file.read_file(data_dir / settings_file.SETTINGS_FILE)
    assert raw["site_name"] == "Test site"
    assert [d.get("zone") for d in raw["lpr_device"]] == [
        None,
        {"id": 0, "chid": 1, "rect": [2622, 1499, 4297, 4297], "mode": "driving", "disabled_only": False,
         "no_parking_allowed": False, "entry": "down"},
        {"id": 1, "chid": 1, "rect": [1920, 1080, 5760, 3240], "mode": "parking", "disabled_only": True,
         "no_parking_allowed": True},  # the next free zone id on channel 1; the guide's own example in 8K
        {"id": 0, "chid": 2, "rect": [0, 0, 7680, 4320], "mode": "driving", "disabled_only": False,
         "no_parking_allowed": False},
    ]
    items = lpr_src_list(make_runtime(data_dir).services)
    assert items[:2] == [  # the guide's two examples
        {"id": 1, "code": "F00001", "name": "F00001", "linkedChannel": [1, 2], "tag": "Normal"},
        {"id": 2, "code": "1-1-1", "name": "1-1-1", "linkedChannel": [], "tag": "Normal",
         "zone": {"id": 0, "chid": 1, "rect": [2622, 1499, 4297, 4297], "mode": "driving", "disabledOnly": False,
                  "noParkingAllowed": False},
         "parkingLot": {"entrance": 1, "exit": 2}},
    ]
    assert list(items[1]) == ["id", "code", "name", "linkedChannel", "tag", "zone", "parkingLot"]
    assert list(items[1]["zone"]) == ["id", "chid", "rect", "mode", "disabledOnly", "noParkingAllowed"]
    assert list(items[2]) == ["id", "code", "name", "linkedChannel", "tag", "zone"]  # no lot: no parkingLot
    assert items[2]["zone"]["disabledOnly"] is True and items[2]["zone"]["mode"] == "parking"
    capsys.readouterr()
    assert tsnvr(data_dir, "device", "lpr", "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "1\tF00001\tF00001\t1,2\tNormal\tentrance=-\texit=-",
        "2\t1-1-1\t1-1-1\t-\tNormal\tentrance=1\texit=2\tzone=0\tch=1\trect=2622,1499,4297,4297\tmode=driving"
        "\tentry=down",
        "3\t1-1-2\tDisabled bay\t1\tNormal\tentrance=-\texit=-\tzone=1\tch=1\trect=1920,1080,5760,3240"
        "\tmode=parking\tentry=-\tdisabled_only\tno_parking_allowed",
        "4\t2-1-1\t2-1-1\t-\tNormal\tentrance=-\texit=-\tzone=0\tch=2\trect=0,0,7680,4320\tmode=driving\tentry=-",
    ]


@pytest.mark.parametrize("args, message", [
    (("--mode", "parking"), "--mode: a zone needs --zone-ch"),
    (("--entry", "up", "--disabled-only"), "--entry, --disabled-only: a zone needs --zone-ch"),
    (("--zone-ch", "1", "--zone-id", "0"), "zone 0 on channel 1 exists already (LPR device 1)"),
])
def test_refused_zones_say_why(data_dir, capsys, args, message):
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "Z0", "--zone-ch", "1") == 0
    before = settings_text(data_dir)
    capsys.readouterr()
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "NEW", *args) == 2
    assert message in capsys.readouterr().err
    assert settings_text(data_dir) == before


@pytest.mark.parametrize("args, message", [
    (("--zone-rect", "0,0,7681,4320"), "not a rectangle inside the 7680x4320 frame"),
    (("--zone-rect", "100,0,100,10"), "not a rectangle"),
    (("--zone-rect", "0,0,10"), "not four whole numbers"),
    (("--zone-rect", "0,0,-1,10"), "not four whole numbers"),
    (("--zone-rect-px", "0,0,1921,1080@1920x1080"), "not a rectangle inside a 1920x1080 picture"),
    (("--zone-rect-px", "0,0,10,10"), "is not x0,y0,x1,y1@WIDTHxHEIGHT"),
    (("--zone-rect-px", "0,0,10,10@0x10"), "at least 1x1"),
    (("--zone-rect", "0,0,10,10", "--zone-rect-px", "0,0,10,10@20x20"), "not allowed with"),
    (("--mode", "walking"), "invalid choice"),
    (("--entry", "in"), "invalid choice"),
    (("--zone-ch", "0"), "not a whole number of 1 or more"),
])
def test_bad_zone_options_are_usage_errors(data_dir, capsys, args, message):
    before = settings_text(data_dir)
    with pytest.raises(SystemExit) as exc:
        tsnvr(data_dir, "device", "lpr", "add", "--code", "Z", "--zone-ch", "1", *args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert settings_text(data_dir) == before


def test_add_lpr_device_for_other_code(data_dir):
    write_settings(data_dir, lpr_fps=2.0, parking_lot=[{"id": 1, "name": "B1", "max_count": 5}])
    device = add_lpr_device(data_dir, code="DEMO-1", name="Demo gate", linked_channels=[1], parking_entrance=1,
                            zone={"chid": 1, "rect": [0, 2160, 7680, 4320], "entry": "down"})
    assert device.id == 1 and device.zone.id == 0 and device.zone.entry == "down"
    again = add_lpr_device(data_dir, code="DEMO-2", zone=LprZone(chid=1, id=5, mode="parking"))
    assert (again.id, again.zone.id) == (2, 5)
    assert add_lpr_device(data_dir, code="DEMO-3", zone={"chid": 1}).zone.id == 1  # the next free one
    raw = settings_file.read_file(data_dir / settings_file.SETTINGS_FILE)
    assert raw["lpr_fps"] == 2.0 and raw["timezone"] == "America/New_York"  # every other key kept
    loaded = settings_file.load(data_dir, env={})
    assert loaded.lpr_device_by_code("DEMO-1") == device
    before = settings_text(data_dir)
    for bad, message in [
        ({"code": "DEMO-1"}, "exists already"),
        ({"code": "X", "zone": {"chid": 1, "rect": [0, 0, 9000, 10]}}, "zone.rect"),
        ({"code": "X", "zone": {"rect": [0, 0, 10, 10]}}, "zone.chid is required"),
        ({"code": "X", "parking_exit": 4}, "no parking lot 4"),
        ({"code": "X", "linked_channels": [0]}, "linked channels"),
        ({"code": "X", "tag": "Off"}, "tag 'Off'"),
    ]:
        with pytest.raises(settings_file.SettingsError, match=message):
            add_lpr_device(data_dir, **bad)
    assert settings_text(data_dir) == before


COMMENTED = """\
# Parking B1
site_name = "Parking B1"   # shown by /api/info
timezone = "America/New_York"

# the lots, by floor
[[parking_lot]]
id = 1
name = "B1"   # ground floor
max_count = 50

[[lpr_device]]   # the gate camera's reader
id = 5
code = "F00005"
linked_channels = [1, 2]   # gate, then ramp
"""


def test_cli_edits_keep_comments_and_layout(data_dir):
    path = data_dir / settings_file.SETTINGS_FILE
    path.write_text(COMMENTED)
    assert tsnvr(data_dir, "device", "lpr", "add", "--code", "F00001", "--id", "1", "--entrance", "1") == 0
    assert tsnvr(data_dir, "device", "emcall", "add", "--code", "E1") == 0
    text = settings_text(data_dir)
    assert text.startswith(COMMENTED.split("[[lpr_device]]")[0])  # untouched up to the first device
    assert '[[lpr_device]]   # the gate camera\'s reader\nid = 5\ncode = "F00005"\n' \
           'linked_channels = [1, 2]   # gate, then ramp\n' in text
    raw = settings_file.read_file(path)
    assert [d["code"] for d in raw["lpr_device"]] == ["F00001", "F00005"]  # in id order
    assert raw["lpr_device"][0]["parking_entrance"] == 1 and raw["emergency_call"][0]["code"] == "E1"
    assert tsnvr(data_dir, "device", "lpr", "rm", "1") == 0
    assert tsnvr(data_dir, "device", "emcall", "rm", "1") == 0
    left = [line for line in settings_text(data_dir).splitlines() if line and line != "emergency_call = []"]
    assert left == [line for line in COMMENTED.splitlines() if line]  # back to the user's file, comments and all
