"""The recorder's storage events in the event log: one "Oldest recordings overwritten" entry per
retention pass that deleted recordings, "Storage full" once when space stays short with nothing
left to delete or when a recording write finds the disk full (ENOSPC; once until a pass finds
free space above the threshold again), "Storage error" when
files cannot be deleted, and "Recording failed" once per channel while its segments cannot be
written.

The event log lives on the same disk: an entry that cannot be written because it is full is kept
in memory (the latest MAX_PENDING) and written with the next one that can be.

Times in `param` and `comment` are ISO 8601 in the server's time zone, as the API writes them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from recorder.retention import RetentionPass
from storage.clock import now_ms
from storage.disk_full import is_disk_full
from storage.eventlog import EventLog, EventType, RecordingCode, SystemCode
from storage.events import ChannelRecording

log = logging.getLogger("tsnvr.recorder")

MAX_PENDING = 100


@dataclass(frozen=True)
class _Entry:
    type: EventType
    code: IntEnum
    param: dict[str, Any]
    comment: str
    chid: int | None
    ts_ms: int


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
        self._write_full = False  # "Storage full" written for a failed write; no pass found room to spare since
        self._pending: deque[_Entry] = deque(maxlen=MAX_PENDING)  # not written: the disk was full
        self._flush_lock = threading.Lock()

    def record(self, type: EventType, code: IntEnum, param: dict[str, Any], comment: str,
               chid: int | None = None, ts_ms: int = 0) -> None:
        """Writes an entry (after any kept back); kept in memory when the disk is full."""
        with self._lock:
            self._pending.append(_Entry(type, code, param, comment, chid, ts_ms or now_ms()))
        self.flush()

    def flush(self) -> None:
        """Writes the entries kept back, oldest first, until one fails again."""
        with self._flush_lock:  # one writer at a time: an entry is written once
            self._flush()

    def _flush(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                entry = self._pending[0]
            try:
                self.eventlog.record(entry.type, entry.code, entry.param, comment=entry.comment,
                                     chid=entry.chid, ts_ms=entry.ts_ms)
            except Exception as exc:
                if not is_disk_full(exc):
                    with self._lock:
                        self._drop(entry)
                    raise
                log.warning("event log full, entry kept in memory",
                            extra={"fields": {"code": int(entry.code), "pending": len(self._pending)}})
                return
            with self._lock:
                self._drop(entry)

    def _drop(self, entry: _Entry) -> None:
        if self._pending and self._pending[0] is entry:
            self._pending.popleft()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def time(self, ms: int) -> str:
        return format_ms(ms, self.timezone)

    # -- retention ------------------------------------------------------------------------------

    def retention_done(self, result: RetentionPass) -> None:
        if result.deleted:
            self._overwritten(result)
        if result.errors:
            self.record(EventType.SYSTEM, SystemCode.STORAGE_ERROR,
                        {"storagePath": self.storage_path, "count": len(result.errors)},
                        comment=f"Could not delete {len(result.errors)} recording file(s): "
                                + "; ".join(result.errors[:3]), ts_ms=result.finished_ms)
        with self._lock:
            newly_full = result.space_short and not self._storage_full
            self._storage_full = result.space_short
            if not result.for_space and result.free > result.required:
                self._write_full = False  # room to spare: the next ENOSPC is news again
        self.flush()  # the pass may have freed space for entries kept back
        if newly_full:
            self.record(
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
        self.record(EventType.SYSTEM, SystemCode.OLDEST_OVERWRITTEN, param, comment=comment,
                    ts_ms=result.finished_ms)

    # -- recording ------------------------------------------------------------------------------

    def recording_status(self, item: ChannelRecording) -> bool:
        """Sees a recordingStatus item; writes "Recording failed" for the first failure since the
        channel last recorded. True when it did (the caller may free space at once)."""
        failed = False
        chid = item.chid
        with self._lock:
            if item.recording:
                self._failing.discard(chid)
            elif item.failure_ms is None or chid in self._failing:
                pass
            else:
                self._failing.add(chid)
                failed = True
        if item.recording:
            self.flush()
            return False
        if not failed:
            return False
        self.record(
            EventType.RECORDING, RecordingCode.FAILED, {"chid": chid, "storagePath": self.storage_path},
            comment=f"Channel {chid}: a recording file could not be written in {self.storage_path}; "
                    "retrying (the server log has the error)",
            chid=chid, ts_ms=item.failure_ms or 0)
        return True

    def write_failed(self, chid: int, exc: BaseException, free: int, required: int) -> bool:
        """A recording write failed; when for want of space, "Storage full" (once, until a retention
        pass finds room to spare). True when the disk is full (the caller frees space at once)."""
        if not is_disk_full(exc):
            return False
        with self._lock:
            newly_full = not self._write_full
            self._write_full = True
        if newly_full:
            self.record(
                EventType.SYSTEM, SystemCode.STORAGE_FULL,
                {"storagePath": self.storage_path, "chid": chid, "freeSpace": free, "minFreeSpace": required,
                 "error": "ENOSPC"},
                comment=f"No space left on the disk of {self.storage_path} writing channel {chid}'s "
                        f"recording (free {format_bytes(free)}): deleting the oldest recordings",
                chid=chid)
        return True
