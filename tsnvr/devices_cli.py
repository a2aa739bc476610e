"""`tsnvr device lpr|emcall add|list|rm` and `tsnvr parking add|list|rm`.

They edit DIR/settings.toml ([[lpr_device]], [[emergency_call]], [[parking_lot]]), keeping every
other key, and write only what storage.settings.from_mapping accepts. A running server notices the
change within a few seconds and logs "Settings changed".
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from storage import parking
from storage import settings as settings_file
from storage.db import Database
from storage.settings import EmergencyCallDevice, LprDevice, ParkingLot, Settings, SettingsError
from tsnvr.cli_common import common
from web.devices import parking_lot_items

MAX_CODE_LENGTH = 64  # plate_log.src_code
LPR_TAGS = ("Normal", "NotUsed", "ReadOnly")


def channel_list(text: str) -> list[int]:
    """"1,2" -> [1, 2] (argparse type)."""
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            raise argparse.ArgumentTypeError(f"{part!r} is not a channel or lot number (1, 2, ...)")
        if int(part) not in out:
            out.append(int(part))
    return out


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def non_negative_int(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


class SettingsFile:
    """settings.toml as a raw mapping, edited one table row at a time and validated before writing."""

    def __init__(self, args: argparse.Namespace) -> None:
        from tsnvr.cli import load_settings

        self.loaded = load_settings(args)  # with TSNVR_* applied: where the database is
        self.data_dir: Path = self.loaded.data_dir
        self.path = self.data_dir / settings_file.SETTINGS_FILE
        self.raw = settings_file.read_file(self.path)
        self.current = self.validate(self.raw)

    def validate(self, raw: dict[str, Any]) -> Settings:
        return settings_file.from_mapping(raw, self.data_dir, env={})

    def rows(self, table: str) -> list[Any]:
        return list(getattr(self.current, table))

    def save(self, table: str, rows: list[Any]) -> Settings:
        raw = dict(self.raw)
        raw[table] = [settings_file.table_to_dict(row) for row in sorted(rows, key=lambda r: r.id)]
        settings = self.validate(raw)
        settings_file.write_file(self.path, raw)
        self.raw, self.current = raw, settings
        return settings


def next_id(rows: list[Any], wanted: int | None, what: str) -> int:
    ids = {r.id for r in rows}
    if wanted is None:
        return max(ids, default=0) + 1
    if wanted in ids:
        raise SettingsError(f"{what} {wanted} exists already")
    return wanted


def check_code(rows: list[Any], code: str, what: str) -> str:
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        raise SettingsError(f"a {what} code is 1 to {MAX_CODE_LENGTH} characters")
    if any(r.code == code for r in rows):
        raise SettingsError(f"a {what} with code {code!r} exists already")
    return code


def check_counter_lot(lots: list[ParkingLot], lot_id: int | None, role: str) -> None:
    if lot_id is None:
        return
    lot = next((lot for lot in lots if lot.id == lot_id), None)
    if lot is None:
        raise SettingsError(f"{role}: no parking lot {lot_id} (add it with `tsnvr parking add`)")
    if lot.type == "group":
        raise SettingsError(f"{role}: parking lot {lot_id} is a group; link a counter lot")


def remove_row(rows: list[Any], row_id: int, what: str) -> tuple[list[Any], Any]:
    row = next((r for r in rows if r.id == row_id), None)
    if row is None:
        raise SettingsError(f"no {what} {row_id}")
    return [r for r in rows if r.id != row_id], row


def _channels(chids: list[int]) -> str:
    return ",".join(map(str, chids)) or "-"


def _opt(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def cmd_lpr(args: argparse.Namespace) -> int:
    file = SettingsFile(args)
    devices = file.rows("lpr_device")
    if args.action == "list":
        for d in sorted(devices, key=lambda d: d.id):
            print(f"{d.id}\t{d.code}\t{d.display_name}\t{_channels(d.linked_channels)}\t{d.tag}\t"
                  f"entrance={_opt(d.parking_entrance)}\texit={_opt(d.parking_exit)}")
    elif args.action == "add":
        lots = file.rows("parking_lot")
        check_counter_lot(lots, args.entrance, "--entrance")
        check_counter_lot(lots, args.exit, "--exit")
        device = LprDevice(
            id=next_id(devices, args.id, "LPR device"),
            code=check_code(devices, args.code, "LPR device"),
            name=args.name or "",
            linked_channels=args.link or [],
            tag=args.tag,
            parking_entrance=args.entrance,
            parking_exit=args.exit,
        )
        file.save("lpr_device", [*devices, device])
        print(f"added LPR device {device.id} ({device.code})")
    elif args.action == "rm":
        rest, removed = remove_row(devices, args.id, "LPR device")
        file.save("lpr_device", rest)
        print(f"removed LPR device {removed.id} ({removed.code})")
    return 0


def cmd_emcall(args: argparse.Namespace) -> int:
    file = SettingsFile(args)
    devices = file.rows("emergency_call")
    if args.action == "list":
        for d in sorted(devices, key=lambda d: d.id):
            print(f"{d.id}\t{d.code}\t{d.name or d.code}\t{_channels(d.linked_channels)}")
    elif args.action == "add":
        device = EmergencyCallDevice(
            id=next_id(devices, args.id, "emergency call device"),
            code=check_code(devices, args.code, "emergency call device"),
            name=args.name or "",
            linked_channels=args.link or [],
        )
        file.save("emergency_call", [*devices, device])
        print(f"added emergency call device {device.id} ({device.code})")
    elif args.action == "rm":
        rest, removed = remove_row(devices, args.id, "emergency call device")
        file.save("emergency_call", rest)
        print(f"removed emergency call device {removed.id} ({removed.code})")
    return 0


def lot_users(settings: Settings, lot_id: int) -> list[str]:
    """What refers to a lot: groups that hold it, LPR devices that count cars in or out of it."""
    users = [f"group {g.id}" for g in settings.parking_lot if g.type == "group" and lot_id in g.members]
    users += [f"LPR device {d.id}" for d in settings.lpr_device if lot_id in (d.parking_entrance, d.parking_exit)]
    return users


def _database(file: SettingsFile) -> Database:
    from tsnvr.server import open_database

    return open_database(file.loaded)


def cmd_parking(args: argparse.Namespace) -> int:
    file = SettingsFile(args)
    lots = file.rows("parking_lot")
    if args.action == "list":
        db = _database(file)
        try:
            counts = parking.counts(db)
        finally:
            db.dispose()
        for item in parking_lot_items(lots, counts):
            members = f"\tmembers={_channels(item['member'])}" if "member" in item else ""
            print(f"{item['id']}\t{item['type']}\t{item['name']}\t{item['count']}/{item['maxCount']}{members}")
    elif args.action == "add":
        name = (args.name or "").strip()
        if not name:
            raise SettingsError("a parking lot needs a --name")
        if args.group:
            if not args.members:
                raise SettingsError("a group needs --members (ids of counter lots)")
            for member in args.members:
                check_counter_lot(lots, member, "--members")
            lot = ParkingLot(id=next_id(lots, args.id, "parking lot"), name=name, type="group",
                             max_count=args.max or 0, members=args.members)
        else:
            if args.members:
                raise SettingsError("--members is for groups (add --group)")
            if args.max is None:
                raise SettingsError("a counter lot needs --max (number of parking spaces)")
            lot = ParkingLot(id=next_id(lots, args.id, "parking lot"), name=name, type="counter",
                             max_count=args.max)
        file.save("parking_lot", [*lots, lot])
        print(f"added parking lot {lot.id} ({lot.name})")
    elif args.action == "rm":
        users = lot_users(file.current, args.id)
        if users:
            raise SettingsError(f"parking lot {args.id} is used by {', '.join(users)}; change those first")
        rest, removed = remove_row(lots, args.id, "parking lot")
        file.save("parking_lot", rest)
        db = _database(file)
        try:
            parking.forget(db, removed.id)
        finally:
            db.dispose()
        print(f"removed parking lot {removed.id} ({removed.name})")
    return 0


def _device_actions(parser: argparse.ArgumentParser, what: str) -> argparse.ArgumentParser:
    """list / rm subcommands; returns the `add` parser for the device-specific options."""
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", parents=[common], help=f"add {what}")
    add.add_argument("--code", required=True, help="device code (as the device sends it in `src`)")
    add.add_argument("--name", help="display name (default: the code)")
    add.add_argument("--link", type=channel_list, help="linked channels, e.g. 1,2")
    add.add_argument("--id", type=positive_int, help="device number (default: the next free one)")
    actions.add_parser("list", parents=[common], help=f"list {what}s")
    rm = actions.add_parser("rm", parents=[common], help=f"remove {what}")
    rm.add_argument("id", type=positive_int)
    return add


def add_commands(sub: argparse._SubParsersAction) -> None:
    device = sub.add_parser("device", parents=[common], help="manage licence-plate readers and emergency call devices")
    kinds = device.add_subparsers(dest="kind", required=True)

    lpr = kinds.add_parser("lpr", parents=[common], help="licence-plate readers that push plates to /api/push")
    lpr_add = _device_actions(lpr, "an LPR device")
    lpr_add.add_argument("--entrance", type=positive_int, help="parking lot whose count goes up (+1) per plate")
    lpr_add.add_argument("--exit", type=positive_int, help="parking lot whose count goes down (-1) per plate")
    lpr_add.add_argument("--tag", choices=LPR_TAGS, default="Normal")
    lpr.set_defaults(func=cmd_lpr)

    emcall = kinds.add_parser("emcall", parents=[common], help="emergency call devices")
    _device_actions(emcall, "an emergency call device")
    emcall.set_defaults(func=cmd_emcall)

    lots = sub.add_parser("parking", parents=[common], help="manage parking lots (counters and groups of counters)")
    actions = lots.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", parents=[common], help="add a parking lot")
    add.add_argument("--name", required=True)
    add.add_argument("--max", type=non_negative_int, help="number of parking spaces (counter lots)")
    add.add_argument("--group", action="store_true", help="a group: its count is the sum of its members'")
    add.add_argument("--members", type=channel_list, help="ids of the counter lots in the group, e.g. 1,2")
    add.add_argument("--id", type=positive_int, help="lot id (default: the next free one)")
    actions.add_parser("list", parents=[common], help="list parking lots with their current counts")
    rm = actions.add_parser("rm", parents=[common], help="remove a parking lot")
    rm.add_argument("id", type=positive_int)
    lots.set_defaults(func=cmd_parking)
