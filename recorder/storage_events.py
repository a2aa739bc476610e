"""The recorder's storage events in the event log: one "Oldest recordings overwritten" entry per
retention pass that deleted recordings, "Storage full" once when space stays short with nothing
left to delete, "Storage error" when files cannot be deleted, and "Recording failed" once per
channel while its segments cannot be written.

Times in `param` and `comment` are ISO 8601 in the server's time zone, as the API writes them.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from recorder.retention import RetentionPass
from storage.eventlog import EventLog, EventType, RecordingCode, SystemCode
from storage.events import ChannelRecording


def format_ms(ms: int, timezone: str) -> str:
    """2018-02-19T18:24:26.002-05:00 in `timezone` (an IANA name), or the machine's zone for ""."""
    try:
        zone = ZoneInfo(timezone) if timezone else None
    except (ValueError, KeyError, OSError):
        zone = None
    moment = datetime.fromtimestamp(ms / 1000, zone) if zone else datetime.fromtimestamp(ms / 1000).astimezone()
    return moment.isoformat(timespec="milliseconds")


def format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _days(days: float) -> str:
    text = f"{days:g}"
    return f"{text} day" if text == "1" else f"{text} days"


class StorageEvents:
    """Writes the recorder's storage events; thread-safe (retention and captures call it)."""

    def __init__(self, eventlog: EventLog, data_dir: Path, timezone: str = "") -> None:
        self.eventlog = eventlog
        self.storage_path = str(data_dir.resolve())  # as "Storage ready" names it
        self.timezone = timezone
        self._lock = threading.Lock()
        self._storage_full = False  # "Storage full" written, space not back yet
        self._failing: set[int] = set()  # channels with "Recording failed" written, not recording since

    def time(self, ms: int) -> str:
        return format_ms(ms, self.timezone)

    # -- retention ------------------------------------------------------------------------------

    def retention_done(self, result: RetentionPass) -> None:
        if result.deleted:
            self._overwritten(result)
        if result.errors:
            self.eventlog.record(EventType.SYSTEM, SystemCode.STORAGE_ERROR,
                                 {"storagePath": self.storage_path, "count": len(result.errors)},
                                 comment=f"Could not delete {len(result.errors)} recording file(s): "
                                         + "; ".join(result.errors[:3]), ts_ms=result.finished_ms)
        with self._lock:
            newly_full = result.space_short and not self._storage_full
            self._storage_full = result.space_short
        if newly_full:
            self.eventlog.record(
                EventType.SYSTEM, SystemCode.STORAGE_FULL,
                {"storagePath": self.storage_path, "freeSpace": result.free, "minFreeSpace": result.required},
                comment=f"Free space {format_bytes(result.free)} is below the "
                        f"{format_bytes(result.required)} threshold and no recordings are left to delete",
                ts_ms=result.finished_ms)

    def _overwritten(self, result: RetentionPass) -> None:
        deleted = result.deleted
        begin = min(s.begin_ms for s in deleted)
        end = max(s.end_ms for s in deleted)
        chids = sorted({s.chid for s in deleted})
        size = sum(s.size for s in deleted)
        reasons = (["maxAge"] if result.by_age else []) + (["freeSpace"] if result.for_space else [])
        param: dict[str, Any] = {
            "storagePath": self.storage_path,
            "reason": reasons,
            "count": len(deleted),
            "size": size,
            "chid": chids,
            "recordedTimeRange": [self.time(begin), self.time(end)],
        }
        age = f"older than the maximum age of {_days(result.max_age_days)}"
        space = (f"free space {format_bytes(result.free)} was below the {format_bytes(result.required)} "
                 "threshold")
        if result.by_age:
            param["maxAgeDays"] = result.max_age_days
        if result.for_space:
            param["freeSpace"], param["minFreeSpace"] = result.free, result.required
        if result.by_age and result.for_space:
            why = f"{len(result.by_age)} {age}; {len(result.for_space)} because {space}"
        else:
            why = age if result.by_age else space
        channels = ", ".join(str(c) for c in chids)
        count = f"{len(deleted)} oldest recording{'s' if len(deleted) != 1 else ''}"
        comment = (f"Deleted the {count} ({format_bytes(size)}) of channel{'s' if len(chids) > 1 else ''} "
                   f"{channels} recorded from {self.time(begin)} to {self.time(end)}: {why}")
        self.eventlog.record(EventType.SYSTEM, SystemCode.OLDEST_OVERWRITTEN, param, comment=comment,
                             ts_ms=result.finished_ms)

    # -- recording ------------------------------------------------------------------------------

    def recording_status(self, item: ChannelRecording) -> bool:
        """Sees a recordingStatus item; writes "Recording failed" for the first failure since the
        channel last recorded. True when it did (the caller may free space at once)."""
        chid = item.chid
        with self._lock:
            if item.recording:
                self._failing.discard(chid)
                return False
            if item.failure_ms is None or chid in self._failing:
                return False
            self._failing.add(chid)
        self.eventlog.record(
            EventType.RECORDING, RecordingCode.FAILED, {"chid": chid, "storagePath": self.storage_path},
            comment=f"Channel {chid}: a recording file could not be written in {self.storage_path}; "
                    "retrying (the server log has the error)",
            chid=chid, ts_ms=item.failure_ms)
        return True
