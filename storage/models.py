"""The database schema. Times are integer milliseconds since the epoch (UTC); lists of channel
numbers and colours are stored as ",1,2," so that one LIKE finds a member on any database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Text, event, inspect
from sqlmodel import Field, SQLModel

from storage import plate_fts


def _ms(index: bool = False, nullable: bool = False) -> Column:
    return Column(BigInteger, index=index, nullable=nullable)


class Meta(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="")


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(default="", max_length=128)
    password_hash: str = Field(max_length=255)
    rights: int = Field(default=0)
    created_ms: int = Field(sa_column=_ms())


class AuthSession(SQLModel, table=True):
    """A signed-in browser or client. Only a hash of the cookie value is stored."""

    __tablename__ = "auth_sessions"
    token_hash: str = Field(primary_key=True, max_length=64)
    uid: str = Field(index=True, max_length=64)
    created_ms: int = Field(sa_column=_ms())
    seen_ms: int = Field(sa_column=_ms(index=True))
    address: str = Field(default="", max_length=64)


class EventLogEntry(SQLModel, table=True):
    __tablename__ = "event_log"
    id: int | None = Field(default=None, primary_key=True)
    ts_ms: int = Field(sa_column=_ms(index=True))
    end_ms: int | None = Field(default=None, sa_column=_ms(nullable=True))
    type: int = Field(index=True)
    code: int
    chid: int | None = Field(default=None)
    param: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON object
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PlateRead(SQLModel, table=True):
    """One row per passing car (LPR worker) or pushed plate (external reader)."""

    __tablename__ = "plate_log"
    __table_args__ = (Index("ix_plate_log_key_begin", "plate_key", "begin_ms"),)
    id: int | None = Field(default=None, primary_key=True)
    plate_no: str = Field(max_length=32)
    plate_key: str = Field(max_length=32)  # plate_no upper-cased, without spaces and dashes
    score: float | None = Field(default=None)
    roi_x: int | None = None
    roi_y: int | None = None
    roi_w: int | None = None
    roi_h: int | None = None
    begin_ms: int = Field(sa_column=_ms(index=True))
    end_ms: int = Field(sa_column=_ms())
    src_code: str = Field(default="", max_length=64, index=True)
    src_name: str = Field(default="", max_length=128)
    direction: str | None = Field(default=None, max_length=8)
    images: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON list of paths
    channels: str = Field(default=",", max_length=256)  # ",1,2," linked channels
    chid: int | None = Field(default=None)  # the channel the plate was read on, if any


event.listen(inspect(PlateRead).local_table, "after_create", plate_fts.create_index)  # SQLite: trigram keyword index


class DetectedObject(SQLModel, table=True):
    __tablename__ = "object_log"
    id: int | None = Field(default=None, primary_key=True)
    ts_ms: int = Field(sa_column=_ms(index=True))
    chid: int = Field(index=True)
    obj_id: int
    parent_id: int | None = None
    type: str = Field(max_length=16, index=True)
    likelihood: float = 0.0
    attributes: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON as sent
    image: str | None = Field(default=None, max_length=512)
    gender: str | None = Field(default=None, max_length=8)
    age: str | None = Field(default=None, max_length=8)
    hat: bool | None = None
    glasses: bool | None = None
    mask: bool | None = None
    bag: bool | None = None
    vehicle_type: str | None = Field(default=None, max_length=16)
    colors: str = Field(default=",", max_length=256)
    top_length: str | None = Field(default=None, max_length=8)
    top_colors: str = Field(default=",", max_length=256)
    bottom_length: str | None = Field(default=None, max_length=8)
    bottom_colors: str = Field(default=",", max_length=256)


ANY_FREE_CHID = 0  # a Channel to be stored with the lowest free number (channel numbers start at 1)


class Channel(SQLModel, table=True):
    __tablename__ = "channels"
    chid: int = Field(default=ANY_FREE_CHID, primary_key=True)
    name: str = Field(default="", max_length=256)
    type: str = Field(default="rtsp", max_length=8)  # rtsp, onvif, file
    source: str = Field(sa_column=Column(Text, nullable=False))
    tcp: bool = True
    uid: str | None = Field(default=None, max_length=128)
    password: str | None = Field(default=None, max_length=256)
    substream: bool = False
    device_url: str | None = Field(default=None, max_length=512)
    device_name: str | None = Field(default=None, max_length=256)
    playback: str | None = Field(default=None, max_length=8)  # once, repeat (file channels)
    created_ms: int = Field(default=0, sa_column=_ms())  # set when stored


class Segment(SQLModel, table=True):
    """One recorded file; `id` is the TS-API fileId."""

    __tablename__ = "segments"
    __table_args__ = (Index("ix_segments_chid_begin", "chid", "begin_ms"),)
    id: int | None = Field(default=None, primary_key=True)
    chid: int
    begin_ms: int = Field(sa_column=_ms())
    end_ms: int = Field(sa_column=_ms(index=True))
    path: str = Field(max_length=512)
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    codec: str = Field(default="", max_length=16)
    width: int = 0
    height: int = 0


class ParkingCount(SQLModel, table=True):
    __tablename__ = "parking_counts"
    lot_id: int = Field(primary_key=True)
    count: int = 0


class EventBackup(SQLModel, table=True):
    """One channel's copy of an event's recording into DIR/event-storage (PUT /api/event-videos/trigger);
    kept until deleted with `tsnvr event-storage delete` (retention never touches it)."""

    __tablename__ = "event_backups"
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(index=True)  # the event-log row of the trigger
    chid: int
    path: str = Field(index=True, unique=True, max_length=128)  # below DIR/event-storage: e/YYYYMMDD/HHMMSS/chN-...
    title: str = Field(default="", max_length=256)
    ts_ms: int = Field(sa_column=_ms())  # the event's time
    begin_ms: int = Field(sa_column=_ms())  # ts_ms - preAlarm
    end_ms: int = Field(sa_column=_ms())  # ts_ms + postAlarm
    state: str = Field(default="pending", max_length=8, index=True)  # pending, saved, failed
    reason: str | None = Field(default=None, max_length=256)  # why it failed
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_ms: int = Field(sa_column=_ms())
    done_ms: int | None = Field(default=None, sa_column=_ms(nullable=True))


class PresetName(SQLModel, table=True):
    """A PTZ preset's name given through /api/channel/preset (the guide: "the preset name is stored in
    the server instead of the camera"), by channel and the camera's preset token."""

    __tablename__ = "preset_names"
    chid: int = Field(primary_key=True)
    token: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=256)
