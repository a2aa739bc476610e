"""The recorder as the rest of tsnvr sees it: one capture per channel, started from the database,
added and removed on request; crashed files repaired first; old recordings deleted as space runs
short or as they pass the maximum age, each pass that deletes any written to the event log.

A full disk (a segment write failing with ENOSPC) is logged as "Storage full" and starts a
retention pass at once; the captures retry and record again as soon as there is room. Segments
whose index row could not be written (the database is on the same disk) are kept in memory and
indexed after the next pass, so nothing recorded goes missing until a restart.

    supervisor = RecorderSupervisor(db, settings, bus.publish, eventlog)  # eventlog: optional
    supervisor.start()        # repair, then a capture per Channel row, then the retention timer
    supervisor.add(channel)   # a Channel row (new, or changed: its capture restarts)
    supervisor.remove(chid)
    supervisor.frame_sampler(chid).attach(on_frame, fps=5)  # decoded frames for analytics
    supervisor.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from recorder import repair, retention
from recorder.capture import Capture
from recorder.config import RecorderConfig
from recorder.frames import FrameSampler
from recorder.index import ClosedSegment, index_segment
from recorder.live import LiveStream
from recorder.retention import RetentionPass, RetentionPolicy
from recorder.source import ChannelSource
from recorder.storage_events import StorageEvents
from storage.channels import all_channels
from storage.db import Database
from storage.disk_full import is_disk_full
from storage.eventlog import EventLog
from storage.events import Event, Publish, RecordingStatusEvent

log = logging.getLogger("tsnvr.recorder")

STOP_TIMEOUT_S = 10.0  # a capture blocked on a stalled stream takes ~2 x source_timeout_seconds


class RecorderSupervisor:
    def __init__(self, db: Database, settings: Any, publish: Publish, eventlog: EventLog | None = None) -> None:
        self.db = db
        self.config = RecorderConfig.from_settings(settings)
        self.publish = publish
        self.storage_events = StorageEvents(eventlog or EventLog(db), self.config.data_dir, settings.timezone)
        self.last_retention: RetentionPass | None = None  # the latest pass, for /api/system?health
        self._retention_lock = threading.Lock()  # one pass at a time
        self._wake = threading.Event()  # an early retention pass: stop, or a channel could not write
        self._captures: dict[int, Capture] = {}
        self._samplers: dict[int, FrameSampler] = {}  # kept for the supervisor's life: consumers stay attached
        self._lock = threading.Lock()  # guards _captures and _samplers
        self._changes = threading.Lock()  # one add/remove/stop at a time
        self._stopping = threading.Event()
        self._retention_thread: threading.Thread | None = None
        self._unindexed: list[ClosedSegment] = []  # closed while the database could not be written
        self._unindexed_lock = threading.Lock()

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @property
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(min_free_bytes=self.config.retention_min_free_bytes,
                               min_free_percent=self.config.retention_min_free_percent,
                               max_age_days=self.config.retention_max_age_days)

    def start(self) -> None:
        repair.repair_all(self.db, self.data_dir)
        for channel in all_channels(self.db):
            self.add(channel)
        self._retention_thread = threading.Thread(target=self._retention_loop, name="retention", daemon=True)
        self._retention_thread.start()

    def add(self, channel: Any) -> None:
        """Start recording a channel (a Channel row or anything with its fields); restarts it if running."""
        source = ChannelSource.from_channel(channel)
        with self._changes:
            if self._stopping.is_set():
                return
            self._remove(source.chid)
            capture = Capture(source, self.config, self._publish, self._on_segment, self._on_abandoned,
                              frames=self.frame_sampler(source.chid), on_write_failed=self._on_write_failed)
            with self._lock:
                self._captures[source.chid] = capture
            capture.start()

    def remove(self, chid: int) -> None:
        with self._changes:
            self._remove(chid)

    def _remove(self, chid: int) -> None:
        with self._lock:
            capture = self._captures.pop(chid, None)
        if capture is not None:
            self._stop_captures([capture])

    def capture(self, chid: int) -> Capture | None:
        with self._lock:
            return self._captures.get(chid)

    def live_stream(self, chid: int, profile: str = "main") -> LiveStream | None:
        """The channel's live stream of `profile` ("main", or "sub" for an ONVIF camera's sub stream)."""
        capture = self.capture(chid)
        if capture is None:
            return None
        if profile == "sub":
            return capture.sub_live if capture.sub_feed is not None else None
        return capture.live if profile == "main" else None

    def sub_stream_size(self, chid: int) -> tuple[int, int] | None:
        """The resolution of the channel's live sub stream; None when it has none."""
        capture = self.capture(chid)
        return capture.sub_stream_size() if capture is not None else None

    def frame_sampler(self, chid: int) -> FrameSampler:
        """The channel's decoded frames for analytics: one sampler per chid, made on first use and
        handed to every capture of that channel, so that a consumer attached to it stays attached
        through reconnects, channel changes and restarts (and may attach before the channel exists)."""
        with self._lock:
            sampler = self._samplers.get(chid)
            if sampler is None:
                sampler = self._samplers[chid] = FrameSampler(chid)
            return sampler

    def chids(self) -> list[int]:
        with self._lock:
            return sorted(self._captures)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        with self._changes:
            with self._lock:
                captures = list(self._captures.values())
                self._captures.clear()
            self._stop_captures(captures)
        if self._retention_thread is not None:
            self._retention_thread.join(STOP_TIMEOUT_S)

    def enforce_retention(self) -> RetentionPass:
        """One retention pass, written to the event log (what it deleted, and why)."""
        with self._retention_lock:
            result = retention.run(self.db, self.data_dir, self.retention_policy)
            self.last_retention = result
            self.storage_events.retention_done(result)
        self._index_kept()
        return result

    @property
    def unindexed(self) -> int:
        """Segments on disk waiting for their index row (the database could not be written)."""
        with self._unindexed_lock:
            return len(self._unindexed)

    def _publish(self, event: Event) -> None:
        """What captures publish: passed on; a channel failing to write is logged, and frees space."""
        self.publish(event)
        if not isinstance(event, RecordingStatusEvent):
            return
        for item in event.channel:
            try:
                if self.storage_events.recording_status(item):
                    self._wake.set()  # a full disk is the usual cause: make room now
            except Exception:
                log.exception("cannot log recording failure", extra={"fields": {"chid": item.chid}})

    @staticmethod
    def _stop_captures(captures: list[Capture]) -> None:
        for capture in captures:  # all flags first, so that they wind down together
            capture.request_stop()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for capture in captures:
            if not capture.join(max(0.0, deadline - time.monotonic())):
                log.warning("capture did not stop in time", extra={"fields": {"chid": capture.chid}})

    def _on_segment(self, closed: ClosedSegment) -> None:
        self._index_kept()
        self._index(closed)

    def _index(self, closed: ClosedSegment) -> bool:
        try:
            index_segment(self.db, self.data_dir, closed)
        except Exception as exc:
            if is_disk_full(exc):  # kept, and indexed once the database can be written again
                log.warning("database full, segment index kept in memory",
                            extra={"fields": {"path": str(closed.path)}})
                with self._unindexed_lock:
                    self._unindexed.append(closed)
                self._wake.set()
            else:  # the file is kept: repair indexes it at the next start
                log.exception("cannot index segment", extra={"fields": {"path": str(closed.path)}})
            return False
        return True

    def _index_kept(self) -> None:
        with self._unindexed_lock:
            kept, self._unindexed = self._unindexed, []
        for n, closed in enumerate(kept):
            if not closed.path.exists():  # deleted meanwhile (retention cannot see it, but a user can)
                continue
            if not self._index(closed):
                with self._unindexed_lock:  # _index kept this one again; keep the rest after it
                    self._unindexed.extend(kept[n + 1:])
                return

    def _on_abandoned(self, part: Path) -> None:
        try:
            closed = repair.finish_part(part)
        except Exception:
            log.exception("cannot repair segment", extra={"fields": {"path": str(part)}})
            return
        if closed is not None:
            self._index(closed)

    def _on_write_failed(self, chid: int, exc: BaseException) -> None:
        try:
            free, total = retention.free_space(self.data_dir)
            if self.storage_events.write_failed(chid, exc, free, self.retention_policy.required_free(total)):
                self._wake.set()  # make room now
        except Exception:
            log.exception("cannot report a failed write", extra={"fields": {"chid": chid}})

    def _retention_loop(self) -> None:
        while not self._stopping.is_set():  # a first pass at once: the disk may be full already
            try:
                self.enforce_retention()
            except Exception:
                log.exception("retention pass failed")
            self._wake.wait(self.config.retention_interval_seconds)
            self._wake.clear()
