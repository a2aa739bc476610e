"""`tsnvr device ...` and `tsnvr parking ...` edit settings.toml; the enum lists and the parking
counters read what they wrote."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from storage import parking
from storage import settings as settings_file
from tests.conftest import make_runtime, write_settings
from tsnvr.cli import main
from web.devices import emergency_call_list, lpr_src_list, parking_lot_enum


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
