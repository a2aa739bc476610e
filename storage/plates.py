"""The plate log: one row per passing car or pushed plate."""

from __future__ import annotations

import json
import re

from storage.db import Database
from storage.models import PlateRead

_NOT_KEY = re.compile(r"[\s\-_.·]+")


def plate_key(plate_no: str) -> str:
    """The form searches compare: upper case, without spaces, dashes and dots."""
    return _NOT_KEY.sub("", plate_no).upper()


def channels_text(chids: list[int]) -> str:
    return "," + "".join(f"{c}," for c in chids)


def channels_of(text: str) -> list[int]:
    return [int(c) for c in text.split(",") if c]


def add_plate(
    db: Database,
    plate_no: str,
    begin_ms: int,
    end_ms: int,
    src_code: str = "",
    src_name: str = "",
    channels: list[int] | None = None,
    score: float | None = None,
    roi: tuple[int, int, int, int] | None = None,
    images: list[str] | None = None,
    direction: str | None = None,
    chid: int | None = None,
) -> PlateRead:
    """Insert one plate-log row; `images` are paths relative to the data directory."""
    row = PlateRead(
        plate_no=plate_no,
        plate_key=plate_key(plate_no),
        score=score,
        roi_x=roi[0] if roi else None,
        roi_y=roi[1] if roi else None,
        roi_w=roi[2] if roi else None,
        roi_h=roi[3] if roi else None,
        begin_ms=begin_ms,
        end_ms=end_ms,
        src_code=src_code,
        src_name=src_name,
        direction=direction,
        images=json.dumps(images) if images else None,
        channels=channels_text(channels or []),
        chid=chid,
    )
    with db.write() as s:
        s.add(row)
        s.flush()
    return row


def set_plate_end(db: Database, plate_id: int, end_ms: int) -> None:
    """Move a row's end time (its car, logged while parked, has left)."""
    with db.write() as s:
        row = s.get(PlateRead, plate_id)
        if row is not None:
            row.end_ms = max(row.end_ms, end_ms)
            s.add(row)


def images_of(row: PlateRead) -> list[str]:
    return json.loads(row.images) if row.images else []
