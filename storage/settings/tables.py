"""The arrays of tables of settings.toml: [[lpr_device]] (with its optional `zone`), [[emergency_call]]
and [[parking_lot]], as pydantic models, and the checks that span rows (unique ids and zones)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from storage.settings.errors import SettingsError

LOGICAL_WIDTH = 7680  # zone rectangles are in the guide's 8K logical coordinates, whatever the video's size
LOGICAL_HEIGHT = 4320
ZONE_MODES = ("driving", "parking")
ZONE_ENTRIES = ("up", "down", "left", "right")  # the way a car moves when it enters
ZONE_RULE = "zone"  # the type of the errors below, whose message is the whole text


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _zone_key(test: Callable[[Any], bool], what: str) -> BeforeValidator:
    """A check of one zone key whose error reads "zone.KEY: VALUE what"."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if not test(value):
            raise PydanticCustomError(ZONE_RULE, f"zone.{info.field_name}: {value!r} {what}")
        return value

    return BeforeValidator(check)


def _rect(value: Any) -> tuple[int, int, int, int]:
    if not isinstance(value, list | tuple) or len(value) != 4 or not all(_is_int(v) for v in value):
        shown = list(value) if isinstance(value, tuple) else value
        raise PydanticCustomError(ZONE_RULE, f"zone.rect: {shown!r} is not four whole numbers [x0, y0, x1, y1]")
    x0, y0, x1, y1 = value
    if not (0 <= x0 < x1 <= LOGICAL_WIDTH and 0 <= y0 < y1 <= LOGICAL_HEIGHT):
        raise PydanticCustomError(ZONE_RULE, f"zone.rect: {list(value)} is not a rectangle inside the 8K frame: "
                                             f"needs 0 <= x0 < x1 <= {LOGICAL_WIDTH} and 0 <= y0 < y1 <= "
                                             f"{LOGICAL_HEIGHT}")
    return (x0, y0, x1, y1)


class LprZone(BaseModel):
    """A recognition zone of the built-in plate reader: `zone = {...}` on an [[lpr_device]].

    `rect` is (x0, y0, x1, y1) in 8K logical coordinates (7680x4320), the whole frame by default.
    `entry` is the direction ("up", "down", "left", "right") in which a car moving across the zone
    counts as entering; the opposite one is an exit; None: no direction. Invalid values raise a
    ValidationError whose message names the key (e.g. "zone.rect"); from_mapping raises SettingsError."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[int, _zone_key(lambda v: _is_int(v) and v >= 0, "is not a whole number of 0 or more")] = 0
    chid: Annotated[int, _zone_key(lambda v: _is_int(v) and v >= 1, "is not a channel number (1, 2, ...)")]
    rect: Annotated[tuple[int, int, int, int], BeforeValidator(_rect)] = (0, 0, LOGICAL_WIDTH, LOGICAL_HEIGHT)
    mode: Annotated[str, _zone_key(lambda v: v in ZONE_MODES, f"is not one of {', '.join(ZONE_MODES)}")] = "driving"
    disabled_only: Annotated[bool, _zone_key(lambda v: isinstance(v, bool), "is not true or false")] = False
    no_parking_allowed: Annotated[bool, _zone_key(lambda v: isinstance(v, bool), "is not true or false")] = False
    entry: Annotated[str | None, _zone_key(lambda v: v is None or v in ZONE_ENTRIES,
                                           f"is not one of {', '.join(ZONE_ENTRIES)} (or absent)")] = None

    @model_validator(mode="before")
    @classmethod
    def _a_table_with_known_keys(cls, raw: Any) -> Any:
        if isinstance(raw, cls):
            return raw
        if not isinstance(raw, Mapping):
            raise PydanticCustomError(ZONE_RULE, f"zone: expected a table such as {{ chid = 1, rect = [0, 0, 7680, "
                                                 f"4320] }}, not {raw!r}")
        unknown = sorted(set(raw) - set(cls.model_fields))
        if unknown:
            known = ", ".join(cls.model_fields)
            raise PydanticCustomError(ZONE_RULE, f"zone: unknown key(s) {unknown}; known: {known}")
        if "chid" not in raw:
            raise PydanticCustomError(ZONE_RULE, "zone.chid is required (the channel the zone is on)")
        return raw

    @classmethod
    def from_mapping(cls, raw: Any) -> LprZone:
        """A TOML table (`zone = { chid = 1, ... }`) -> LprZone; SettingsError naming the key."""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise SettingsError(_problem(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """The TOML table, without unset keys."""
        return self.model_dump(mode="json", exclude_none=True)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int


class LprDevice(_Row):
    """A licence-plate source: an external reader that pushes plates, or a zone of the built-in reader."""

    code: str
    name: str = ""
    linked_channels: list[int] = []
    tag: str = "Normal"
    parking_entrance: int | None = None
    parking_exit: int | None = None
    zone: LprZone | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.code


class EmergencyCallDevice(_Row):
    code: str
    name: str = ""
    linked_channels: list[int] = []


class ParkingLot(_Row):
    name: str
    type: str = "counter"  # "counter" or "group"
    max_count: int = 0
    members: list[int] = []


TABLES: dict[str, type[_Row]] = {
    "lpr_device": LprDevice,
    "emergency_call": EmergencyCallDevice,
    "parking_lot": ParkingLot,
}


def _problem(exc: ValidationError) -> str:
    """The first error of a row or zone, as "zone.rect: ..." or "code is required"."""
    error = exc.errors(include_url=False)[0]
    if error["type"] == ZONE_RULE:
        return error["msg"]
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"{where} is required"
    return f"{where}: {error['input']!r}: {error['msg']}"


def rows(name: str, raw: Any) -> list[Any]:
    """The rows of the table `name` as settings.toml holds them -> models; SettingsError naming the table."""
    cls = TABLES[name]
    if not isinstance(raw, list):
        raise SettingsError(f"setting {name!r}: expected an array of tables ([[{name}]])")
    out = []
    for row in raw:
        if not isinstance(row, Mapping):
            raise SettingsError(f"setting {name!r}: each entry must be a table")
        unknown = set(row) - set(cls.model_fields)
        if unknown:
            raise SettingsError(f"setting {name!r}: unknown key(s) {sorted(unknown)}")
        try:
            out.append(cls.model_validate(row))
        except ValidationError as exc:
            raise SettingsError(f"setting {name!r} (id {row.get('id')!r}): {_problem(exc)}") from None
    ids = [r.id for r in out]
    if len(ids) != len(set(ids)):
        raise SettingsError(f"setting {name!r}: ids must be unique")
    zones = [(r.zone.chid, r.zone.id) for r in out if isinstance(r, LprDevice) and r.zone is not None]
    for chid, zone_id in zones:
        if zones.count((chid, zone_id)) > 1:
            raise SettingsError(f"setting {name!r}: two zones on channel {chid} have zone.id {zone_id}; "
                                f"zone ids must be unique on a channel")
    return out


def table_to_dict(row: BaseModel) -> dict[str, Any]:
    """One table row as settings.toml holds it, without unset (None) columns."""
    return row.model_dump(mode="json", exclude_none=True)
