"""PTZ preset names the server keeps for the cameras (/api/channel/preset add/set with a name): the
camera holds the position and the token, the server the name, which may be any text."""

from __future__ import annotations

from sqlmodel import col, delete, select

from storage.db import Database
from storage.models import PresetName


def names_of(db: Database, chid: int) -> dict[str, str]:
    """The channel's names by preset token."""
    with db.read() as s:
        return {row.token: row.name for row in s.exec(select(PresetName).where(col(PresetName.chid) == chid))}


def keep(db: Database, chid: int, token: str, name: str) -> None:
    with db.write() as s:
        s.exec(delete(PresetName).where(col(PresetName.chid) == chid, col(PresetName.token) == token))
        s.add(PresetName(chid=chid, token=token, name=name))


def forget(db: Database, chid: int, tokens: list[str] | None = None) -> None:
    """Drop the names of these tokens (None: of every preset of the channel)."""
    query = delete(PresetName).where(col(PresetName.chid) == chid)
    if tokens is not None:
        query = query.where(col(PresetName.token).in_(tokens))
    with db.write() as s:
        s.exec(query)
