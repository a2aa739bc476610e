"""The object-detection log: the guide's vocabulary, and storing one detected object with its
attributes both as sent (JSON) and flattened into columns that searches filter on."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database
from storage.models import DetectedObject

OBJECT_TYPES = ("face", "human", "vehicle")
GENDERS = ("female", "male")
AGES = ("young", "adult", "middle", "senior")
LENGTHS = ("short", "long")
COLORS = ("brown", "black", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta", "gray",
          "pink", "beige", "white", "other")
VEHICLE_TYPES = ("car", "truck", "bus", "bicycle", "motorcycle", "train")


class ObjectError(ValueError):
    pass


def list_text(values: list[str]) -> str:
    """",red,blue,": lists are stored like channel lists, so one LIKE finds a member."""
    return "," + "".join(f"{v}," for v in values)


def _text(value: object) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _colors(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [c for c in (_text(v) for v in value) if c]


def _flatten(obj: DetectedObject, attributes: dict[str, Any]) -> None:
    obj.gender = _text(attributes.get("gender"))
    obj.age = _text(attributes.get("age"))
    obj.hat = _flag(attributes.get("hat"))
    obj.glasses = _flag(attributes.get("glasses"))
    obj.mask = _flag(attributes.get("mask"))
    obj.bag = _flag(attributes.get("bag"))
    obj.vehicle_type = _text(attributes.get("vehicleType"))
    obj.colors = list_text(_colors(attributes.get("colors")))
    clothes = attributes.get("clothes")
    for item in clothes if isinstance(clothes, list) else []:
        if not isinstance(item, dict):
            continue
        kind = _text(item.get("type"))
        if kind == "tops":
            obj.top_length, obj.top_colors = _text(item.get("length")), list_text(_colors(item.get("colors")))
        elif kind == "bottoms":
            obj.bottom_length, obj.bottom_colors = _text(item.get("length")), list_text(_colors(item.get("colors")))


def add_object(
    db: Database,
    ts_ms: int,
    chid: int,
    obj_id: int,
    type: str,
    attributes: dict[str, Any] | None = None,
    likelihood: float = 0.0,
    image: str | None = None,
    parent_id: int | None = None,
) -> DetectedObject:
    """Insert one detected object. `attributes` is in the guide's form, e.g. {"gender": "male",
    "clothes": [{"type": "tops", "length": "long", "colors": ["red"]}]} or {"vehicleType": "car",
    "colors": ["gray"]}; `image` is a path relative to the data directory (or an absolute URL)."""
    attributes = attributes or {}
    if not isinstance(attributes, dict):
        raise ObjectError("attributes must be an object")
    if not isinstance(type, str) or not type:
        raise ObjectError("type must be a non-empty string")
    obj = DetectedObject(
        ts_ms=ts_ms,
        chid=chid,
        obj_id=obj_id,
        parent_id=parent_id,
        type=type.lower(),
        likelihood=float(likelihood),
        attributes=json.dumps(attributes, ensure_ascii=False),
        image=image,
    )
    _flatten(obj, attributes)
    with db.write() as s:
        s.add(obj)
        s.flush()
    return obj
