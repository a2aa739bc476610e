"""`tsnvr device lpr|emcall add|list|rm` and `tsnvr parking add|list|rm`.

They edit DIR/settings.toml ([[lpr_device]], [[emergency_call]], [[parking_lot]]), keeping every
other key and the file's comments and layout, and write only what storage.settings.from_mapping
accepts. A running server notices the change within a few seconds and logs "Settings changed".
`add_lpr_device` does what `tsnvr device lpr add` does, for other code (the demo set-up).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.toml_document import TOMLDocument

from lpr.zones import to_logical
from storage import parking
from storage import settings as settings_file
from storage.db import Database
from storage.settings import (
    LOGICAL_HEIGHT,
    LOGICAL_WIDTH,
    ZONE_ENTRIES,
    ZONE_MODES,
    EmergencyCallDevice,
    LprDevice,
    LprZone,
    ParkingLot,
    Settings,
    SettingsError,
)
from tsnvr.cli_common import common, load_settings, positive_int
from tsnvr.database import open_database

MAX_CODE_LENGTH = 64  # plate_log.src_code
LPR_TAGS = ("Normal", "NotUsed", "ReadOnly")
PIXEL_RECT = re.compile(r"^\s*([^@]+)@\s*(\d+)\s*[xX]\s*(\d+)\s*$")


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


def _four_ints(text: str) -> list[int]:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 4 or not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not four whole numbers x0,y0,x1,y1")
    return [int(part) for part in parts]


def _check_rect(rect: list[int], width: int, height: int, text: str, where: str) -> None:
    x0, y0, x1, y1 = rect
    if not (x0 < x1 <= width and y0 < y1 <= height):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a rectangle inside {where}: needs x0 < x1 <= {width} and y0 < y1 <= {height}")


def logical_rect(text: str) -> list[int]:
    """"x0,y0,x1,y1" in 8K logical coordinates (argparse type)."""
    rect = _four_ints(text)
    _check_rect(rect, LOGICAL_WIDTH, LOGICAL_HEIGHT, text, f"the {LOGICAL_WIDTH}x{LOGICAL_HEIGHT} frame")
    return rect


def pixel_rect(text: str) -> list[int]:
    """"x0,y0,x1,y1@WxH": pixels of a WxH picture -> 8K logical coordinates (argparse type)."""
    found = PIXEL_RECT.match(text)
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r} is not x0,y0,x1,y1@WIDTHxHEIGHT, e.g. 480,270,1440,810@1920x1080")
    width, height = int(found.group(2)), int(found.group(3))
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the picture size must be at least 1x1")
    rect = _four_ints(found.group(1))
    _check_rect(rect, width, height, text, f"a {width}x{height} picture")
    logical = list(to_logical(rect, width, height))
    if not (logical[0] < logical[2] and logical[1] < logical[3]):
        raise argparse.ArgumentTypeError(f"{text!r} is too small to keep in {LOGICAL_WIDTH}x{LOGICAL_HEIGHT}")
    return logical


def non_negative_int(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


class SettingsFile:
    """settings.toml as a TOML document (comments and layout kept), edited one table row at a time and
    validated before writing."""

    def __init__(self, data_dir: Path, loaded: Settings | None = None) -> None:
        self.loaded = loaded  # with TSNVR_* applied: where the database is (commands that need it)
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / settings_file.SETTINGS_FILE
        self.document = settings_file.read_document(self.path)
        self.current = self.validate(self.document)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SettingsFile:
        loaded = load_settings(args)
        return cls(loaded.data_dir, loaded)

    def validate(self, document: TOMLDocument) -> Settings:
        return settings_file.from_mapping(document.unwrap(), self.data_dir, env={})

    def rows(self, table: str) -> list[Any]:
        return list(getattr(self.current, table))

    def save(self, table: str, rows: list[Any]) -> Settings:
        """Make `table` hold `rows`: rows gone or changed are removed, new ones added in id order; the rows
        that stay, and every comment, are written as they were."""
        document = tomlkit.parse(self.document.as_string())
        wanted = {row.id: settings_file.table_to_dict(row) for row in rows}
        written = {row.id: settings_file.table_to_dict(row) for row in self.rows(table)}
        for row_id, row in written.items():
            if wanted.get(row_id) != row:
                settings_file.remove_row(document, table, row_id)
        for row_id, row in sorted(wanted.items()):
            if written.get(row_id) != row:
                settings_file.add_row(document, table, row)
        settings = self.validate(document)
        settings_file.write_file(self.path, document)
        self.document, self.current = document, settings
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


def next_zone_id(devices: Iterable[LprDevice], chid: int) -> int:
    """The smallest zone id not used on channel `chid`."""
    used = {d.zone.id for d in devices if d.zone is not None and d.zone.chid == chid}
    return next(i for i in range(len(used) + 1) if i not in used)


def new_lpr_device(
    file: SettingsFile,
    *,
    code: str,
    name: str = "",
    linked_channels: Iterable[int] = (),
    tag: str = "Normal",
    parking_entrance: int | None = None,
    parking_exit: int | None = None,
    zone: Mapping[str, Any] | LprZone | None = None,
    id: int | None = None,
) -> LprDevice:
    """Add an [[lpr_device]] row to `file` and write it; SettingsError (nothing written) when it cannot be."""
    devices = file.rows("lpr_device")
    lots = file.rows("parking_lot")
    check_counter_lot(lots, parking_entrance, "parking entrance (--entrance)")
    check_counter_lot(lots, parking_exit, "parking exit (--exit)")
    if tag not in LPR_TAGS:
        raise SettingsError(f"tag {tag!r} is not one of {', '.join(LPR_TAGS)}")
    channels = list(dict.fromkeys(linked_channels))
    if any(isinstance(ch, bool) or not isinstance(ch, int) or ch < 1 for ch in channels):
        raise SettingsError(f"linked channels {channels!r}: each must be a channel number (1, 2, ...)")
    if zone is not None and not isinstance(zone, LprZone):
        raw_zone = dict(zone)
        if "id" not in raw_zone and isinstance(raw_zone.get("chid"), int):
            raw_zone["id"] = next_zone_id(devices, raw_zone["chid"])
        zone = LprZone.from_mapping(raw_zone)
    if zone is not None:
        other = next((d for d in devices if d.zone is not None and (d.zone.chid, d.zone.id) == (zone.chid, zone.id)),
                     None)
        if other is not None:
            raise SettingsError(f"zone {zone.id} on channel {zone.chid} exists already (LPR device {other.id}); "
                                f"leave out the zone id for the next free one")
    device = LprDevice(
        id=next_id(devices, id, "LPR device"),
        code=check_code(devices, code, "LPR device"),
        name=name or "",
        linked_channels=channels,
        tag=tag,
        parking_entrance=parking_entrance,
        parking_exit=parking_exit,
        zone=zone,
    )
    file.save("lpr_device", [*devices, device])
    return device


def add_lpr_device(data_dir: Path, **columns: Any) -> LprDevice:
    """Add an LPR device (an external reader, or with `zone={"chid": 1, "rect": [...], ...}` a zone of the
    built-in reader) to DIR/settings.toml, keeping every other key; returns the row as written.

    `columns` are new_lpr_device's keywords, as in settings.toml: code (required), name, linked_channels, tag,
    parking_entrance, parking_exit, zone (a mapping with LprZone's keys, or an LprZone; a missing zone id is
    the next free one on its channel), id (default: the next free one). Raises SettingsError, writing
    nothing, when the row or the file is not valid (a code or id that exists, a lot that does not, a zone
    outside the frame...)."""
    return new_lpr_device(SettingsFile(data_dir), **columns)


def _channels(chids: list[int]) -> str:
    return ",".join(map(str, chids)) or "-"


def _opt(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def _zone_columns(zone: LprZone | None) -> str:
    """The zone of a `device lpr list` line: tab-separated key=value columns, or nothing."""
    if zone is None:
        return ""
    flags = [flag for flag, on in (("disabled_only", zone.disabled_only),
                                   ("no_parking_allowed", zone.no_parking_allowed)) if on]
    return (f"\tzone={zone.id}\tch={zone.chid}\trect={','.join(map(str, zone.rect))}\tmode={zone.mode}"
            f"\tentry={_opt(zone.entry)}" + "".join(f"\t{flag}" for flag in flags))


ZONE_OPTIONS = ("zone_rect", "zone_rect_px", "zone_id", "mode", "entry", "disabled_only", "no_parking_allowed")


def _zone_from_args(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.zone_ch is None:
        given = [name for name in ZONE_OPTIONS if getattr(args, name) not in (None, False)]
        if given:
            options = ", ".join("--" + name.replace("_", "-") for name in given)
            raise SettingsError(f"{options}: a zone needs --zone-ch (the channel it is on)")
        return None
    zone: dict[str, Any] = {"chid": args.zone_ch, "mode": args.mode or "driving",
                            "disabled_only": args.disabled_only, "no_parking_allowed": args.no_parking_allowed}
    rect = args.zone_rect or args.zone_rect_px
    if rect is not None:
        zone["rect"] = rect
    if args.zone_id is not None:
        zone["id"] = args.zone_id
    if args.entry is not None:
        zone["entry"] = args.entry
    return zone


def cmd_lpr(args: argparse.Namespace) -> int:
    file = SettingsFile.from_args(args)
    devices = file.rows("lpr_device")
    if args.action == "list":
        for d in sorted(devices, key=lambda d: d.id):
            print(f"{d.id}\t{d.code}\t{d.display_name}\t{_channels(d.linked_channels)}\t{d.tag}\t"
                  f"entrance={_opt(d.parking_entrance)}\texit={_opt(d.parking_exit)}{_zone_columns(d.zone)}")
    elif args.action == "add":
        device = new_lpr_device(file, code=args.code, name=args.name or "", linked_channels=args.link or [],
                                tag=args.tag, parking_entrance=args.entrance, parking_exit=args.exit,
                                zone=_zone_from_args(args), id=args.id)
        where = f", zone {device.zone.id} on channel {device.zone.chid}" if device.zone else ""
        print(f"added LPR device {device.id} ({device.code}){where}")
    elif args.action == "rm":
        rest, removed = remove_row(devices, args.id, "LPR device")
        file.save("lpr_device", rest)
        print(f"removed LPR device {removed.id} ({removed.code})")
    return 0


def cmd_emcall(args: argparse.Namespace) -> int:
    file = SettingsFile.from_args(args)
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
    return open_database(file.loaded or settings_file.load(file.data_dir))


def cmd_parking(args: argparse.Namespace) -> int:
    file = SettingsFile.from_args(args)
    lots = file.rows("parking_lot")
    if args.action == "list":
        # The lots as /api/enum lists them; the web layer loads for this command only, not for every `tsnvr`.
        from web.core.device_view import parking_lot_items

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

    lpr = kinds.add_parser("lpr", parents=[common],
                           help="licence-plate readers that push plates to /api/push, and recognition zones")
    lpr_add = _device_actions(lpr, "an LPR device")
    lpr_add.add_argument("--entrance", type=positive_int, help="parking lot whose count goes up (+1) per plate")
    lpr_add.add_argument("--exit", type=positive_int, help="parking lot whose count goes down (-1) per plate")
    lpr_add.add_argument("--tag", choices=LPR_TAGS, default="Normal")
    zone = lpr_add.add_argument_group("recognition zone (the built-in reader reads plates inside it)")
    zone.add_argument("--zone-ch", type=positive_int, metavar="N", help="the zone's channel (makes the device a zone)")
    rect = zone.add_mutually_exclusive_group()
    rect.add_argument("--zone-rect", type=logical_rect, metavar="x0,y0,x1,y1",
                      help=f"the zone in 8K coordinates ({LOGICAL_WIDTH}x{LOGICAL_HEIGHT}; default: the whole frame)")
    rect.add_argument("--zone-rect-px", type=pixel_rect, metavar="x0,y0,x1,y1@WxH",
                      help="the zone in pixels of a WxH picture, e.g. 480,270,1440,810@1920x1080")
    zone.add_argument("--zone-id", type=non_negative_int, metavar="N",
                      help="zone number (default: the next free one on its channel, from 0)")
    zone.add_argument("--mode", choices=ZONE_MODES, help="driving (default) or parking")
    zone.add_argument("--entry", choices=ZONE_ENTRIES,
                      help="the way a car moves when it enters (the opposite way is an exit); default: no direction")
    zone.add_argument("--disabled-only", action="store_true", help="a disabled-parking zone")
    zone.add_argument("--no-parking-allowed", action="store_true", help="a no-parking zone")
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
