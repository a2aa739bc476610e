"""The event log: what happened, when, with type and code numbers that message catalogues name."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from sqlmodel import col, select

from storage.clock import now_ms
from storage.db import Database
from storage.models import EventLogEntry


class EventType(IntEnum):
    SYSTEM = 0
    PRIVACY = 1
    CHANNEL = 2
    RECORDING = 3
    EMERGENCY_CALL = 4
    DEVICE = 5
    USER_DEFINED = 6


class SystemCode(IntEnum):
    STARTUP = 1
    SHUTDOWN = 2
    ABNORMAL_SHUTDOWN = 3
    RESTART_REQUESTED = 4
    REBOOT_REQUESTED = 5
    SETTINGS_CHANGED = 10
    STORAGE_READY = 25
    STORAGE_FULL = 26
    LICENSE_APPLIED = 27
    OLDEST_OVERWRITTEN = 28
    STORAGE_ERROR = 29
    STORAGE_PATH_CHANGED = 30
    EVENT_TRIGGERED = 40
    EVENT_BACKUP_SAVED = 41
    EVENT_BACKUP_FAILED = 42


class PrivacyCode(IntEnum):
    SIGN_IN = 4
    SIGN_OUT = 5
    SIGN_IN_FAILED = 6
    SIGN_IN_THROTTLED = 7
    USER_ADDED = 8
    USER_REMOVED = 9
    PASSWORD_CHANGED = 10
    RIGHTS_CHANGED = 11
    DATA_EXPORTED = 12


class ChannelCode(IntEnum):
    ADDED = 1
    REMOVED = 2
    CONNECTED = 3
    DISCONNECTED = 4
    NAME_CHANGED = 5
    TAMPER = 6  # the camera reported tampering (ONVIF tamper events; the guide has no topic for it)


class RecordingCode(IntEnum):
    STARTED = 1
    STOPPED = 2
    FAILED = 3


class EmergencyCallCode(IntEnum):
    CALL_START = 1
    CALL_END = 2


class DeviceCode(IntEnum):
    PLATE_PUSHED = 1


CODES: dict[EventType, type[IntEnum]] = {
    EventType.SYSTEM: SystemCode,
    EventType.PRIVACY: PrivacyCode,
    EventType.CHANNEL: ChannelCode,
    EventType.RECORDING: RecordingCode,
    EventType.EMERGENCY_CALL: EmergencyCallCode,
    EventType.DEVICE: DeviceCode,
}


class EventLog:
    """Writes event-log rows; `on_record` sees every row after it is committed (the bus hook)."""

    def __init__(self, db: Database, on_record: Callable[[EventLogEntry], None] | None = None) -> None:
        self.db = db
        self.on_record = on_record

    def record(
        self,
        type: EventType,
        code: IntEnum,
        param: dict[str, Any] | None = None,
        comment: str | None = None,
        chid: int | None = None,
        ts_ms: int | None = None,
        end_ms: int | None = None,
    ) -> EventLogEntry:
        entry = EventLogEntry(
            ts_ms=ts_ms if ts_ms is not None else now_ms(),
            end_ms=end_ms,
            type=int(type),
            code=int(code),
            chid=chid,
            param=json.dumps(param, ensure_ascii=False) if param else None,
            comment=comment,
        )
        with self.db.write() as s:
            s.add(entry)
            s.flush()
        if self.on_record is not None:
            self.on_record(entry)
        return entry


def last_time(db: Database, type: EventType, code: IntEnum) -> int | None:
    """When the latest entry of this type and code happened (its ts_ms), None if never."""
    query = (select(EventLogEntry.ts_ms).where(EventLogEntry.type == int(type), EventLogEntry.code == int(code))
             .order_by(col(EventLogEntry.ts_ms).desc()).limit(1))
    with db.read() as s:
        return s.exec(query).first()
