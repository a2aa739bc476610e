"""One car past one plate source (a reader that pushes plates, or an LPR zone): its plate-log row,
the `LPR` event, and the parking counters it moves (then `parkingCount`).

Lots: a source names the lot it counts cars into (entrance) and out of (exit). A car whose
direction is known moves only the lot of that direction; a car without one moves both, as a
reader at a gate between two lots does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from storage import parking
from storage.db import Database
from storage.events import LprEvent, ParkingCountEvent, Publish
from storage.models import PlateRead
from storage.parking import counter_lots
from storage.plates import add_plate
from storage.settings import ParkingLot

log = logging.getLogger("tsnvr.storage")

@dataclass(frozen=True)
class Passing:
    plate_no: str
    begin_ms: int  # first seen
    end_ms: int  # last seen: the event's timestamp
    src_code: str
    src_name: str
    linked: list[int] = field(default_factory=list)
    parking_entrance: int | None = None  # the source's lots
    parking_exit: int | None = None
    direction: str | None = None  # "entry", "exit" or None
    chid: int | None = None  # the channel it was read on (None for pushed plates)
    score: float | None = None  # 0-100
    roi: tuple[int, int, int, int] | None = None  # the plate in frame pixels: x, y, w, h
    images: list[str] = field(default_factory=list)  # relative to the data directory, plate crop first


def record_passing(db: Database, lots: list[ParkingLot], publish: Publish, passing: Passing) -> PlateRead:
    row = add_plate(db, passing.plate_no, passing.begin_ms, passing.end_ms, src_code=passing.src_code,
                    src_name=passing.src_name, channels=passing.linked, score=passing.score, roi=passing.roi,
                    images=passing.images, direction=passing.direction, chid=passing.chid)
    publish(LprEvent(
        ts_ms=passing.end_ms, begin_ms=passing.begin_ms, plate_no=passing.plate_no, plate_id=row.id,
        device_code=passing.src_code, device_name=passing.src_name, chid=passing.chid,
        linked=tuple(passing.linked), score=passing.score, roi=passing.roi,
        image=passing.images[0] if passing.images else None,
        parking_entrance=passing.parking_entrance, parking_exit=passing.parking_exit,
        direction=passing.direction,
    ))
    count_parking(db, lots, publish, passing)
    return row


def count_parking(db: Database, lots: list[ParkingLot], publish: Publish, passing: Passing) -> None:
    counters = counter_lots(lots)
    entrance = passing.parking_entrance if passing.direction != "exit" else None
    exit_lot = passing.parking_exit if passing.direction != "entry" else None
    entrance = entrance if entrance in counters else None
    exit_lot = exit_lot if exit_lot in counters else None
    if entrance is None and exit_lot is None:
        return
    moved = parking.move(db, entrance, exit_lot, {i: lot.max_count for i, lot in counters.items()})
    for lot_id in moved.over_capacity:
        log.warning("parking lot over capacity", extra={"fields": {
            "lot": lot_id, "count": moved.counts[lot_id], "max": counters[lot_id].max_count}})
    if moved.changed:
        publish(ParkingCountEvent(ts_ms=passing.end_ms, changed=tuple(moved.changed), counts=moved.counts))
