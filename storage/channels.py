"""Channels as the database holds them."""

from __future__ import annotations

from sqlmodel import col, select

from storage.db import Database
from storage.models import Channel


def all_channels(db: Database) -> list[Channel]:
    with db.read() as s:
        return list(s.exec(select(Channel).order_by(col(Channel.chid))))


def get_channel(db: Database, chid: int) -> Channel | None:
    with db.read() as s:
        return s.get(Channel, chid)
