"""The event-backup scheduler: copies each pending backup of PUT /api/event-videos/trigger into the
event storage once its post-alarm recording is in, one at a time, in a thread of its own at low
priority (nice +10), never on the event loop.

When a backup is due: as soon as the channel has an indexed segment that ends at or after the backup's
end (timestamp + postAlarm): the segment holding the end is closed, and so is every one before it. A
channel that stops recording has no such segment; then the backup is made with what there is
GRACE after its end, GRACE being twice segment_seconds plus 10 s (a segment closes at the first
keyframe after segment_seconds, then it is indexed).

A backup is one file (recorder.export.clips.write_clips, a remux of the segments; the first frame is
the keyframe at or before timestamp - preAlarm). Where the recording has a gap write_clips makes
several files; the one holding the event's time is kept (else the nearest). It is written in
DIR/event-storage/.work and moved to its reserved name when complete. It fails (a row EVENT_BACKUP_FAILED
with the reason) when nothing of its range was recorded ("no recording"), when the event storage would
pass event_storage_max_bytes ("event storage full": checked before, with an estimate from the segments'
sizes, and after, with the file's size, which is deleted then), or on an error.

Backups are rows (storage.event_backups), so a restart loses none: a copy cut short by a stop is
made again at the next start. A backup deleted (`tsnvr event-storage delete`) while it is being
copied is not saved.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from recorder.export.clips import Clip, ExportCancelled, recorded_ms, write_clips
from storage import event_backups
from storage.clock import now_ms
from storage.db import Database
from storage.event_backups import URL_PREFIX, BackupState
from storage.eventlog import EventLog, EventType, SystemCode
from storage.models import EventBackup
from storage.segments import channel_segments
from storage.settings import Settings
from web.core.context import local_zone
from web.core.timefmt import format_ms

log = logging.getLogger("tsnvr.event_backup")

GRACE_EXTRA_MS = 10_000
POLL_S = 1.0  # how often pending backups are looked at (whether their recording is in)
NICENESS = 10
UNLIMITED_BYTES = 1 << 50  # one file per backup: write_clips splits only at gaps

NO_RECORDING = "no recording"
STORAGE_FULL = "event storage full"


class BackupFailed(Exception):
    """The backup cannot be made; the message is the reason logged."""


def grace_ms(settings: Settings) -> int:
    return int(2 * settings.segment_seconds * 1000) + GRACE_EXTRA_MS


def estimated_bytes(db: Database, chid: int, begin_ms: int, end_ms: int) -> int:
    """The segments' bytes in proportion to the part of each that [begin_ms, end_ms) covers."""
    total = 0.0
    for segment in channel_segments(db, chid, begin_ms, end_ms):
        length = max(segment.end_ms - segment.begin_ms, 1)
        overlap = min(segment.end_ms, end_ms) - max(segment.begin_ms, begin_ms)
        total += segment.size * max(overlap, 0) / length
    return int(total)


def kept_clip(clips: list[Clip], ts_ms: int) -> Clip:
    """The clip holding the event's time, else the one nearest to it."""
    return min(clips, key=lambda c: 0 if c.begin_ms <= ts_ms < c.end_ms else min(abs(c.begin_ms - ts_ms),
                                                                                  abs(c.end_ms - ts_ms)))


class EventBackupScheduler:
    """Services.event_backups: `wake()` when backups were added; `start()` and `stop()` with the server."""

    def __init__(self, db: Database, settings: Callable[[], Settings], eventlog: EventLog) -> None:
        self.db = db
        self.settings = settings
        self.eventlog = eventlog
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        shutil.rmtree(self.storage / event_backups.WORK, ignore_errors=True)  # left by a stop mid-copy
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="event-backup", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()  # also cancels a copy in progress (write_clips' `cancelled`)
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    @property
    def storage(self) -> Path:
        return event_backups.root(self.settings().data_dir)

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # Linux: a thread's own nice value
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                self.run_due(now_ms())
            except Exception:  # a database hiccup must not end the scheduler
                log.exception("event backups not looked at")
            self._wake.wait(POLL_S)

    def run_due(self, now: int) -> int:
        """Make every pending backup that is due at `now`; returns how many were made or failed."""
        done = 0
        for backup in event_backups.pending(self.db):
            if self._stopping.is_set():
                break
            if self.is_due(backup, now):
                self.make(backup)
                done += 1
        return done

    def is_due(self, backup: EventBackup, now: int) -> bool:
        if now < backup.end_ms:
            return False  # no segment can end after now: no need to ask the database
        return (now >= backup.end_ms + grace_ms(self.settings())
                or event_backups.recorded_until(self.db, backup.chid, backup.end_ms))

    def make(self, backup: EventBackup) -> None:
        """Copy one backup, then mark it saved or failed and write its event-log row."""
        assert backup.id is not None
        try:
            clip = self._copy(backup)
        except ExportCancelled:
            return  # stopping: it stays pending, and is made at the next start
        except BackupFailed as exc:
            self._failed(backup, str(exc))
            return
        except Exception as exc:
            log.exception("event backup %s not made", backup.path)
            reason = "no space left on the disk" if getattr(exc, "errno", None) == errno.ENOSPC else str(exc)
            self._failed(backup, f"error: {reason}"[:256])
            return
        final = self.storage / backup.path
        if not event_backups.finish(self.db, backup.id, BackupState.SAVED, now_ms(), size=clip.size):
            final.unlink(missing_ok=True)  # deleted while it was being copied
            return
        self.eventlog.record(EventType.SYSTEM, SystemCode.EVENT_BACKUP_SAVED, {
            "eventId": backup.event_id, "chid": backup.chid, "videoURL": URL_PREFIX + backup.path,
            "size": clip.size, "timeRange": [format_ms(clip.begin_ms, self.tz), format_ms(clip.end_ms, self.tz)],
        }, comment=Path(backup.path).name, chid=backup.chid)

    @property
    def tz(self) -> ZoneInfo:
        timezone = self.settings().timezone
        return ZoneInfo(timezone) if timezone else local_zone()

    def _failed(self, backup: EventBackup, reason: str) -> None:
        assert backup.id is not None
        if event_backups.finish(self.db, backup.id, BackupState.FAILED, now_ms(), reason=reason):
            log.warning("event backup %s failed: %s", backup.path, reason)
            self.eventlog.record(EventType.SYSTEM, SystemCode.EVENT_BACKUP_FAILED, {
                "eventId": backup.event_id, "chid": backup.chid, "videoURL": URL_PREFIX + backup.path,
                "reason": reason,
            }, comment=f"CH{backup.chid}: {reason}", chid=backup.chid)

    def _copy(self, backup: EventBackup) -> Clip:
        """The backup's file at its reserved path; BackupFailed when it cannot be made."""
        settings = self.settings()
        storage = self.storage
        if recorded_ms(self.db, backup.chid, backup.begin_ms, backup.end_ms) == 0:
            raise BackupFailed(NO_RECORDING)
        limit = settings.event_storage_max_bytes
        if event_backups.used_bytes(storage) + estimated_bytes(
                self.db, backup.chid, backup.begin_ms, backup.end_ms) > limit:
            raise BackupFailed(STORAGE_FULL)
        work = storage / event_backups.WORK
        work.mkdir(parents=True, exist_ok=True)
        clips: list[Clip] = []
        try:
            for clip in write_clips(self.db, settings.data_dir, backup.chid, backup.begin_ms, backup.end_ms,
                                    out_dir=work, name=lambda _chid, first_ms: f"{backup.id}-{first_ms}.mp4",
                                    max_bytes=UNLIMITED_BYTES, cancelled=self._stopping):
                clips.append(clip)
            if not clips:
                raise BackupFailed(NO_RECORDING)
            kept = kept_clip(clips, backup.ts_ms)
            for clip in clips:
                if clip is not kept:
                    clip.path.unlink(missing_ok=True)
            if event_backups.used_bytes(storage) > limit:
                raise BackupFailed(STORAGE_FULL)
            final = storage / backup.path
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(kept.path, final)
            return kept
        finally:
            for clip in clips:
                clip.path.unlink(missing_ok=True)
