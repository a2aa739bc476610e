"""Adding and deleting channel rows, with channel numbers handed out from the front.

Every change runs in one write transaction, so two requests adding channels at the same time
cannot be handed the same number, nor together pass the channel limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from sqlmodel import Session, col, delete, select

from storage.clock import now_ms
from storage.db import Database
from storage.models import ANY_FREE_CHID, Channel, PresetName


class AddFailure(IntEnum):
    """Why a channel was not added; the values are the TS-API codes of POST /api/channel."""

    CHID_IN_USE = -1
    OVER_LIMIT = -4


def next_free_chid(taken: Iterable[int]) -> int:
    """The lowest channel number from 1 that is not in `taken`."""
    used = set(taken)
    chid = 1
    while chid in used:
        chid += 1
    return chid


def _chids(session: Session) -> set[int]:
    return set(session.exec(select(Channel.chid)))


def add_channels(db: Database, channels: list[Channel], max_channels: int) -> list[Channel | AddFailure]:
    """Store `channels` (those with chid ANY_FREE_CHID get the lowest free numbers) and return, item by item,
    the stored row or why it was refused.

    Channels that name their number claim it first, in request order; then the others fill the
    lowest free numbers, in request order. No more than `max_channels` channels exist afterwards."""
    results: list[Channel | AddFailure | None] = [None] * len(channels)
    now = now_ms()
    with db.write() as s:
        taken = _chids(s)
        order = [i for i, c in enumerate(channels) if c.chid != ANY_FREE_CHID]
        order += [i for i, c in enumerate(channels) if c.chid == ANY_FREE_CHID]
        for i in order:
            channel = channels[i]
            if channel.chid != ANY_FREE_CHID and channel.chid in taken:
                results[i] = AddFailure.CHID_IN_USE
                continue
            if len(taken) >= max_channels:
                results[i] = AddFailure.OVER_LIMIT
                continue
            if channel.chid == ANY_FREE_CHID:
                channel.chid = next_free_chid(taken)
            channel.created_ms = now
            taken.add(channel.chid)
            s.add(channel)
            results[i] = channel
    return [r for r in results if r is not None]


def delete_channels(db: Database, chids: list[int]) -> tuple[list[Channel], list[int]]:
    """Delete the listed channels' rows (their recordings stay): (deleted rows, numbers not found)."""
    deleted: list[Channel] = []
    missing: list[int] = []
    with db.write() as s:
        for chid in chids:
            row = s.get(Channel, chid)
            if row is None:
                missing.append(chid)
                continue
            s.delete(row)
            deleted.append(row)
        if deleted:  # the names the server kept for the cameras' presets go with their channels
            s.exec(delete(PresetName).where(col(PresetName.chid).in_([row.chid for row in deleted])))
    return deleted, missing


def all_chids(db: Database) -> list[int]:
    with db.read() as s:
        return sorted(_chids(s))


def rename_channel(db: Database, chid: int, name: str) -> bool:
    """Give a channel a new title; False when there is no such channel."""
    with db.write() as s:
        row = s.get(Channel, chid)
        if row is None:
            return False
        row.name = name
        s.add(row)
    return True
