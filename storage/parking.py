"""Parking-lot counters: how many cars are in each counter lot, kept in the parking_counts table.

Only counter lots have a stored count; a group's count is the sum of its members' (see
web/core/device_view.py). A lot that was never moved counts 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import col, delete, select

from storage.db import Database
from storage.models import ParkingCount
from storage.settings import ParkingLot


@dataclass(frozen=True)
class ParkingMove:
    """The outcome of one car passing: every stored count afterwards, and what the move changed."""

    counts: dict[int, int] = field(default_factory=dict)
    changed: list[int] = field(default_factory=list)
    over_capacity: list[int] = field(default_factory=list)  # lots now above their maxCount (allowed)


def counter_lots(lots: list[ParkingLot]) -> dict[int, ParkingLot]:
    """The lots that keep a count (groups only add up their members'), by id."""
    return {lot.id: lot for lot in lots if lot.type != "group"}


def counts(db: Database) -> dict[int, int]:
    with db.read() as s:
        return {row.lot_id: row.count for row in s.exec(select(ParkingCount))}


def move(
    db: Database,
    entrance_lot: int | None,
    exit_lot: int | None,
    capacity: Mapping[int, int] | None = None,
) -> ParkingMove:
    """One car in at `entrance_lot` (+1) and out of `exit_lot` (-1), in one transaction.

    A count never drops below 0 (a car that left without being seen entering). A count may rise
    above the lot's capacity (the sensors cannot refuse a car); such lots are reported in
    `over_capacity`. `capacity` maps lot id to maxCount; 0 or missing means unlimited.
    """
    steps = [(lot, +1) for lot in (entrance_lot,) if lot is not None]
    steps += [(lot, -1) for lot in (exit_lot,) if lot is not None]
    changed: list[int] = []
    with db.write() as s:
        rows = {row.lot_id: row for row in s.exec(select(ParkingCount))}
        for lot_id, delta in steps:
            row = rows.get(lot_id)
            if row is None:
                row = rows[lot_id] = ParkingCount(lot_id=lot_id, count=0)
                s.add(row)
            new = max(row.count + delta, 0)
            if new != row.count:
                row.count = new
                s.add(row)
                if lot_id not in changed:
                    changed.append(lot_id)
        after = {lot_id: row.count for lot_id, row in rows.items()}
    limits = capacity or {}
    over = [lot for lot in changed if limits.get(lot, 0) > 0 and after[lot] > limits[lot]]
    return ParkingMove(counts=after, changed=changed, over_capacity=over)


def forget(db: Database, lot_id: int) -> None:
    """Drop a removed lot's count, so that a new lot with the same id starts at 0."""
    with db.write() as s:
        s.exec(delete(ParkingCount).where(col(ParkingCount.lot_id) == lot_id))
