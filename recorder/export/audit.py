"""The event-log row an export leaves (Privacy, DATA_EXPORTED): who exported which channels and time
range, for whom and why, and when (the row's time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.eventlog import EventLog, EventType, PrivacyCode


@dataclass(frozen=True)
class Audit:
    """Who exports, for whom and why."""

    uid: str
    address: str = ""                 # the client's address ("" on the command line)
    submitter: str = ""
    recipient: str = ""
    purpose: str = ""                 # may hold several lines


def local_iso(ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="milliseconds")


def record_export(eventlog: EventLog, audit: Audit, task_id: str, chids: tuple[int, ...], begin_ms: int,
                  end_ms: int, tz: ZoneInfo) -> None:
    channels = ",".join(str(c) for c in chids)
    time_range = [local_iso(begin_ms, tz), local_iso(end_ms, tz)]
    param: dict[str, Any] = {
        "uid": audit.uid, "task": task_id, "ch": list(chids), "timeRange": time_range,
        "submitter": audit.submitter, "recipient": audit.recipient, "purpose": audit.purpose,
    }
    if audit.address:
        param["address"] = audit.address
    comment = f"{audit.uid}: CH {channels}, {time_range[0]} ~ {time_range[1]}"
    if audit.submitter:
        comment += f"; submitter: {audit.submitter}"
    if audit.recipient:
        comment += f"; recipient: {audit.recipient}"
    if audit.purpose:
        comment += f"; purpose: {audit.purpose}"
    eventlog.record(EventType.PRIVACY, PrivacyCode.DATA_EXPORTED, param, comment=comment)
