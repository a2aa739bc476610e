"""Settings: defaults, then DIR/settings.toml, then TSNVR_* environment variables.

The schema lives in the lowest layer because every part reads it and the file lives in the
data directory that storage owns; `tsnvr` decides where the data directory is and writes edits.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

SETTINGS_FILE = "settings.toml"
ENV_PREFIX = "TSNVR_"


class SettingsError(ValueError):
    """A settings file or variable that cannot be used; the message names the setting."""


LOGICAL_WIDTH = 7680  # zone rectangles are in the guide's 8K logical coordinates, whatever the video's size
LOGICAL_HEIGHT = 4320
ZONE_MODES = ("driving", "parking")
ZONE_ENTRIES = ("up", "down", "left", "right")  # the way a car moves when it enters


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class LprZone:
    """A recognition zone of the built-in plate reader: `zone = {...}` on an [[lpr_device]].

    `rect` is (x0, y0, x1, y1) in 8K logical coordinates (7680x4320), the whole frame by default.
    `entry` is the direction ("up", "down", "left", "right") in which a car moving across the zone
    counts as entering; the opposite one is an exit; None: no direction. Validated on construction
    (SettingsError naming the key, e.g. "zone.rect")."""

    id: int = 0
    chid: int
    rect: tuple[int, int, int, int] = (0, 0, LOGICAL_WIDTH, LOGICAL_HEIGHT)
    mode: str = "driving"
    disabled_only: bool = False
    no_parking_allowed: bool = False
    entry: str | None = None

    def __post_init__(self) -> None:
        if not _is_int(self.id) or self.id < 0:
            raise SettingsError(f"zone.id: {self.id!r} is not a whole number of 0 or more")
        if not _is_int(self.chid) or self.chid < 1:
            raise SettingsError(f"zone.chid: {self.chid!r} is not a channel number (1, 2, ...)")
        rect = self.rect
        if not isinstance(rect, list | tuple) or len(rect) != 4 or not all(_is_int(v) for v in rect):
            shown = list(rect) if isinstance(rect, tuple) else rect
            raise SettingsError(f"zone.rect: {shown!r} is not four whole numbers [x0, y0, x1, y1]")
        x0, y0, x1, y1 = rect
        if not (0 <= x0 < x1 <= LOGICAL_WIDTH and 0 <= y0 < y1 <= LOGICAL_HEIGHT):
            raise SettingsError(f"zone.rect: {list(rect)} is not a rectangle inside the 8K frame: needs "
                                f"0 <= x0 < x1 <= {LOGICAL_WIDTH} and 0 <= y0 < y1 <= {LOGICAL_HEIGHT}")
        object.__setattr__(self, "rect", (x0, y0, x1, y1))
        if self.mode not in ZONE_MODES:
            raise SettingsError(f"zone.mode: {self.mode!r} is not one of {', '.join(ZONE_MODES)}")
        for key in ("disabled_only", "no_parking_allowed"):
            if not isinstance(getattr(self, key), bool):
                raise SettingsError(f"zone.{key}: {getattr(self, key)!r} is not true or false")
        if self.entry is not None and self.entry not in ZONE_ENTRIES:
            raise SettingsError(f"zone.entry: {self.entry!r} is not one of {', '.join(ZONE_ENTRIES)} (or absent)")

    @classmethod
    def from_mapping(cls, raw: Any) -> LprZone:
        """A TOML table (`zone = { chid = 1, ... }`) -> LprZone; SettingsError on unknown or missing keys."""
        if isinstance(raw, cls):
            return raw
        if not isinstance(raw, Mapping):
            raise SettingsError(f"zone: expected a table such as {{ chid = 1, rect = [0, 0, 7680, 4320] }}, "
                                f"not {raw!r}")
        allowed = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            raise SettingsError(f"zone: unknown key(s) {unknown}; known: {', '.join(allowed)}")
        if "chid" not in raw:
            raise SettingsError("zone.chid is required (the channel the zone is on)")
        values = dict(raw)
        if isinstance(values.get("rect"), list):
            values["rect"] = tuple(values["rect"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The TOML table, without unset keys."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["rect"] = list(self.rect)
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class LprDevice:
    """A licence-plate source: an external reader that pushes plates, or a zone of the built-in reader."""

    id: int
    code: str
    name: str = ""
    linked_channels: list[int] = field(default_factory=list)
    tag: str = "Normal"
    parking_entrance: int | None = None
    parking_exit: int | None = None
    zone: LprZone | None = None

    def __post_init__(self) -> None:
        if self.zone is not None:
            self.zone = LprZone.from_mapping(self.zone)

    @property
    def display_name(self) -> str:
        return self.name or self.code


@dataclass
class EmergencyCallDevice:
    id: int
    code: str
    name: str = ""
    linked_channels: list[int] = field(default_factory=list)


@dataclass
class ParkingLot:
    id: int
    name: str
    type: str = "counter"  # "counter" or "group"
    max_count: int = 0
    members: list[int] = field(default_factory=list)


TABLES: dict[str, type] = {
    "lpr_device": LprDevice,
    "emergency_call": EmergencyCallDevice,
    "parking_lot": ParkingLot,
}


@dataclass
class Settings:
    data_dir: Path = Path("data")
    host: str = "0.0.0.0"
    port: int = 8080
    database_url: str = ""
    site_name: str = "tsnvr"
    timezone: str = ""
    language: str = "en-US"
    product_name: str = "TS-LPR"
    max_channels: int = 64
    cors_origins: list[str] = field(default_factory=lambda: ["*"])
    allow_reboot: bool = False
    reboot_command: str = "systemctl reboot"
    session_idle_hours: float = 168.0
    find_max_count: int = 1000
    export_rows_per_file: int = 100_000
    export_max_age_hours: float = 24.0
    max_request_bytes: int = 1_048_576
    ws_queue_size: int = 256
    ws_ping_interval: float = 30.0
    signin_max_failures: int = 5
    signin_window_seconds: float = 60.0
    signin_lockout_seconds: float = 300.0
    access_log: bool = False
    log_level: str = "info"
    segment_seconds: float = 60.0
    source_timeout_seconds: float = 4.0
    reconnect_min_seconds: float = 0.5
    reconnect_max_seconds: float = 10.0
    retention_min_free_bytes: int = 1 << 30
    retention_min_free_percent: float = 5.0
    retention_max_age_days: float = 0.0
    retention_interval_seconds: float = 30.0
    # LPR analytics (the built-in reader); the engine's own settings follow, one per lpr.config.LprConfig field
    lpr_enabled: bool = True
    lpr_channels: list[int] = field(default_factory=list)  # analysed besides the channels that have a zone
    lpr_fps: float = 4.0  # frames analysed per second and channel
    lpr_objects: bool = True  # detect people and vehicles on analysed channels
    lpr_motion_threshold: float = 0.003  # share of changed pixels that counts as motion
    lpr_track_seconds: float = 0.6  # a car unseen this long has left: its plate is logged
    lpr_object_model: str = ""
    lpr_plate_model: str = ""
    lpr_ocr_model: str = ""
    lpr_ocr_dict: str = ""
    lpr_threads: int = 0
    lpr_quantize: bool = True
    lpr_cache_dir: str = ""  # the server uses DIR/models when empty
    lpr_regions: list[str] = field(default_factory=list)
    lpr_plate_patterns: list[str] = field(default_factory=list)
    lpr_require_format: bool = False
    lpr_plate_confidence: float = 0.25
    lpr_object_confidence: float = 0.35
    lpr_min_score: float = 40.0
    lpr_min_chars: int = 4
    lpr_max_chars: int = 10
    lpr_max_plates: int = 8
    lpr_plate_search: str = "frame"
    lpr_ocr_stretch: list[float] = field(default_factory=lambda: [1.0, 1.6])
    lpr_device: list[LprDevice] = field(default_factory=list)
    emergency_call: list[EmergencyCallDevice] = field(default_factory=list)
    parking_lot: list[ParkingLot] = field(default_factory=list)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tsnvr.db'}"

    @property
    def settings_path(self) -> Path:
        return self.data_dir / SETTINGS_FILE

    def lpr_device_by_code(self, code: str) -> LprDevice | None:
        return next((d for d in self.lpr_device if d.code == code), None)

    def emergency_device_by_code(self, code: str) -> EmergencyCallDevice | None:
        return next((d for d in self.emergency_call if d.code == code), None)


SCALARS = {f.name: f for f in dataclasses.fields(Settings) if f.name not in TABLES and f.name != "data_dir"}


def _coerce(name: str, value: Any, kind: Any) -> Any:
    kind = str(kind)
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError(value)
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(value)
            return number
        if kind.startswith("list["):
            items = [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) \
                else list(value)
            if kind == "list[str]":
                if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in items):
                    raise ValueError(value)
                return [str(v) for v in items]
            item_kind = kind[len("list["):-1]
            return [_coerce_item(v, item_kind) for v in items]
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name!r}: {value!r} is not a valid {_KIND_NAMES.get(kind, kind)}") from None


_KIND_NAMES = {
    "bool": "boolean (true/false)",
    "int": "whole number",
    "float": "number",
    "str": "text",
    "list[str]": "list of text (comma-separated in a variable)",
    "list[int]": "list of whole numbers (comma-separated in a variable)",
    "list[float]": "list of numbers (comma-separated in a variable)",
}


def _coerce_item(value: Any, kind: str) -> Any:
    """One element of a list[int] or list[float]: a number, or its text (from a variable)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if kind == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(value)
            return int(value)
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _check_ranges(settings: Settings) -> None:
    """Values of the right type that still cannot work."""

    def bad(name: str, what: str) -> SettingsError:
        return SettingsError(f"setting {name!r}: {getattr(settings, name)!r} {what}")

    if any(ch < 1 for ch in settings.lpr_channels):
        raise bad("lpr_channels", "has a channel number below 1")
    for name in ("lpr_fps", "lpr_track_seconds"):
        if getattr(settings, name) <= 0:
            raise bad(name, "must be above 0")
    for name in ("lpr_motion_threshold", "lpr_plate_confidence", "lpr_object_confidence"):
        if not 0 <= getattr(settings, name) <= 1:
            raise bad(name, "must be between 0 and 1")
    if not 0 <= settings.lpr_min_score <= 100:
        raise bad("lpr_min_score", "must be between 0 and 100")
    if settings.lpr_threads < 0:
        raise bad("lpr_threads", "must be 0 (all cores) or more")
    for name in ("lpr_min_chars", "lpr_max_plates"):
        if getattr(settings, name) < 1:
            raise bad(name, "must be 1 or more")
    if settings.lpr_max_chars < settings.lpr_min_chars:
        raise bad("lpr_max_chars", f"must be at least lpr_min_chars ({settings.lpr_min_chars})")
    if settings.lpr_plate_search not in ("frame", "vehicles"):
        raise bad("lpr_plate_search", "is not frame or vehicles")
    if any(v <= 0 for v in settings.lpr_ocr_stretch):
        raise bad("lpr_ocr_stretch", "must hold factors above 0")


def _table_rows(name: str, rows: Any) -> list[Any]:
    cls = TABLES[name]
    if not isinstance(rows, list):
        raise SettingsError(f"setting {name!r}: expected an array of tables ([[{name}]])")
    allowed = {f.name for f in dataclasses.fields(cls)}
    out = []
    for row in rows:
        if not isinstance(row, dict):
            raise SettingsError(f"setting {name!r}: each entry must be a table")
        unknown = set(row) - allowed
        if unknown:
            raise SettingsError(f"setting {name!r}: unknown key(s) {sorted(unknown)}")
        try:
            out.append(cls(**row))
        except TypeError as exc:
            raise SettingsError(f"setting {name!r}: {exc}") from None
        except SettingsError as exc:
            raise SettingsError(f"setting {name!r} (id {row.get('id')!r}): {exc}") from None
    ids = [r.id for r in out]
    if len(ids) != len(set(ids)):
        raise SettingsError(f"setting {name!r}: ids must be unique")
    zones = [(r.zone.chid, r.zone.id) for r in out if getattr(r, "zone", None) is not None]
    for chid, zone_id in zones:
        if zones.count((chid, zone_id)) > 1:
            raise SettingsError(f"setting {name!r}: two zones on channel {chid} have zone.id {zone_id}; "
                                f"zone ids must be unique on a channel")
    return out


def read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from None


def write_file(path: Path, raw: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(raw), encoding="utf-8")
    os.replace(tmp, path)


def from_mapping(raw: dict[str, Any], data_dir: Path, env: dict[str, str] | None = None) -> Settings:
    settings = Settings(data_dir=data_dir)
    for key, value in raw.items():
        if key in TABLES:
            setattr(settings, key, _table_rows(key, value))
        elif key in SCALARS:
            setattr(settings, key, _coerce(key, value, SCALARS[key].type))
        else:
            raise SettingsError(f"{data_dir / SETTINGS_FILE}: unknown setting {key!r}")
    for key, spec in SCALARS.items():
        env_value = (env if env is not None else os.environ).get(ENV_PREFIX + key.upper())
        if env_value is not None:
            setattr(settings, key, _coerce(ENV_PREFIX + key.upper(), env_value, spec.type))
    _check_ranges(settings)
    return settings


def load(data_dir: Path, env: dict[str, str] | None = None) -> Settings:
    data_dir = Path(data_dir)
    return from_mapping(read_file(data_dir / SETTINGS_FILE), data_dir, env)


def table_to_dict(row: Any) -> dict[str, Any]:
    """One table row as settings.toml holds it, without unset (None) columns."""
    plain = dataclasses.asdict(row)
    return {f.name: value.to_dict() if isinstance(value, LprZone) else plain[f.name]
            for f in dataclasses.fields(row) if (value := getattr(row, f.name)) is not None}
