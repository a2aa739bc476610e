"""Settings: defaults, then DIR/settings.toml, then TSNVR_* environment variables.

The schema lives in the lowest layer because every part reads it and the file lives in the
data directory that storage owns; `tsnvr` decides where the data directory is and writes edits.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

SETTINGS_FILE = "settings.toml"
ENV_PREFIX = "TSNVR_"


class SettingsError(ValueError):
    """A settings file or variable that cannot be used; the message names the setting."""


@dataclass
class LprDevice:
    """A licence-plate source: an external reader that pushes plates, or (later) an LPR zone."""

    id: int
    code: str
    name: str = ""
    linked_channels: list[int] = field(default_factory=list)
    tag: str = "Normal"
    parking_entrance: int | None = None
    parking_exit: int | None = None

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
    data_dir: Path = Path("storage")
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
            return float(value)
        if kind == "list[str]":
            if isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            return [str(v) for v in value]
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name!r}: {value!r} is not a valid {kind}") from None


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
    ids = [r.id for r in out]
    if len(ids) != len(set(ids)):
        raise SettingsError(f"setting {name!r}: ids must be unique")
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
    return settings


def load(data_dir: Path, env: dict[str, str] | None = None) -> Settings:
    data_dir = Path(data_dir)
    return from_mapping(read_file(data_dir / SETTINGS_FILE), data_dir, env)


def table_to_dict(row: Any) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(row).items() if v is not None}
