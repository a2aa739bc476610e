"""One export of recorded video, run the same way by /wsapi/dataExport (web/export/socket.py) and by
`tsnvr export` (tsnvr/export_cli.py).

    task = ExportTask(db, settings, request, work_dir, tz=zone, limiter=limiter,
                      eventlog=services.eventlog, audit=Audit(uid, address, submitter, recipient, purpose))
    ready = await task.prepare()          # stage:ready: 0, -1 no data, -5 no space
    if ready.code is ReadyCode.SUCCESS:
        end = await task.run(emit, after_file)   # every further stage, then stage:end (also returned)

(ExportRequest and AfterFile here, Audit in recorder/export/audit.py, the stages in
recorder/export/stages.py.) A caller that prepared a task and then does not run it calls discard().

`run` makes the files one at a time in `work_dir`: for each channel, MP4 files of at most
`max_file_bytes` (recorder.export.clips.write_clips, a remux in a worker thread), each with its
subtitle file beside it, each sealed into an AES ZIP when a password was given, with md5 sums when
asked. After each file it emits FileEnd and awaits `after_file(file_end)`, which says what to do:
NEXT (the caller has taken the files: they are deleted and the next is made), CANCEL or TIMEOUT
(the task ends with -1003 or -1004). The WebSocket's after_file waits for the client's commands
(wait/next/cancel, ttl, timeoutAlert); the command line's moves the files out and says NEXT.

`cancel()` stops the task at once, even in the middle of a file (end -1003). Whatever way the task
ends, `run` deletes `work_dir` before it returns: nothing of a task remains.

At most `limiter.total_tokens` tasks remux at once (setting export_concurrent_tasks); a task holds
its token only while it makes a file, not while the client downloads it. The event loop never
waits for a file: the remux, subtitles, ZIP and md5 all run in worker threads.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from collections.abc import Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import anyio.from_thread
import anyio.to_thread

from recorder.export.audit import Audit, record_export
from recorder.export.clips import Clip, ExportCancelled, write_clips
from recorder.export.coverage import Coverage, channel_coverage
from recorder.export.sealed import md5_of, seal
from recorder.export.stages import (
    Begin,
    ChannelBegin,
    ChannelEnd,
    End,
    EndCode,
    ExportedFile,
    ExportPlan,
    FileBegin,
    FileEnd,
    FileWriting,
    Ready,
    ReadyCode,
    Stage,
    percent,
)
from recorder.export.subtitles import SubtitleFormat, write_subtitles
from recorder.retention import RetentionPolicy
from storage.db import Database
from storage.disk_full import is_disk_full
from storage.eventlog import EventLog
from storage.settings import Settings

log = logging.getLogger("tsnvr.recorder")

MIN_STATUS_INTERVAL_S = 0.05  # fileWriting at most 20 times a second, whatever the client asks


class AfterFile(Enum):
    """What the caller of `run` wants once a file is finished and handed over."""

    NEXT = "next"
    CANCEL = "cancel"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class ExportRequest:
    """Validated parameters of an export (web/export/params.py reads them from the query)."""

    chids: tuple[int, ...]            # existing channels, in the order to export (none: prepare answers NO_DATA)
    begin_ms: int
    end_ms: int                       # > begin_ms
    max_file_bytes: int               # each video file at most this (split at keyframes)
    subtitle_format: SubtitleFormat | None = None
    language: str = "en-US"           # subtitles (subtitles.LANGUAGES) and the web's messages (its catalogues)
    md5: bool = False
    password: str | None = None       # the decoded password: each file sealed in an AES-256 ZIP
    status_interval_s: float | None = None  # FileWriting every so often while a file is made; None: never


Emit = Callable[[Stage], Awaitable[None]]
AfterFileCallback = Callable[[FileEnd], Awaitable[AfterFile]]


def file_name(chid: int, first_frame_ms: int, tz: ZoneInfo) -> str:
    """CH1.2018-07-27T09.11.19.mp4: the channel and the server-local time of the file's first frame."""
    moment = datetime.fromtimestamp(first_frame_ms / 1000, tz)
    return f"CH{chid}.{moment.strftime('%Y-%m-%dT%H.%M.%S')}.mp4"


def close_clips(clips: Iterator[Clip]) -> None:
    """Finish write_clips' generator early (its cleanup runs); a plain iterator has nothing to close."""
    if isinstance(clips, Generator):
        clips.close()


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


class ExportTask:
    def __init__(self, db: Database, settings: Settings, request: ExportRequest, work_dir: Path, *,
                 tz: ZoneInfo, limiter: anyio.CapacityLimiter | None = None, eventlog: EventLog | None = None,
                 audit: Audit | None = None, task_id: str | None = None) -> None:
        """work_dir: a directory of this task alone (created by prepare, deleted when run ends; give a
        path that does not exist yet). tz: the zone of file names and subtitles (the server's).
        limiter: shared by the tasks that may remux at once (None: this task alone counts)."""
        self.db = db
        self.settings = settings
        self.request = request
        self.work_dir = work_dir
        self.tz = tz
        self.id = task_id or str(uuid.uuid4())
        self.limiter = limiter or anyio.CapacityLimiter(1)
        self.eventlog = eventlog
        self.audit = audit
        self.coverage: dict[int, Coverage] = {}
        self._cancelled = threading.Event()  # read by write_clips in the worker thread
        self._cancel_waits: list[anyio.CancelScope] = []
        self._files: dict[str, Path] = {}
        self._names: set[str] = set()
        self._fid = 0
        self._emit: Emit | None = None
        # Progress of the file being made, written by the worker thread, read by the loop.
        self._chid = 0
        self._done_before_ms = 0   # recorded ms of the channels already exported
        self._position_ms = request.begin_ms
        self._writing_fid: int | None = None

    # -- what callers read --------------------------------------------------------------------------

    @property
    def files(self) -> dict[str, Path]:
        """The files offered for download now (name -> path): those of the last FileEnd, until the
        caller's answer to it; empty otherwise."""
        return dict(self._files)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def total_ms(self) -> int:
        return sum(c.recorded_ms for c in self.coverage.values())

    def plan(self) -> ExportPlan:
        r = self.request
        return ExportPlan(task_id=self.id, chids=r.chids, begin_ms=r.begin_ms, end_ms=r.end_ms,
                          max_file_bytes=r.max_file_bytes,
                          subtitle_format=r.subtitle_format.value if r.subtitle_format else None,
                          language=r.language)

    # -- control --------------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop at once: the file being made is abandoned (and deleted), `run` ends with -1003. Call it
        from the event loop's thread."""
        self._cancelled.set()
        for scope in self._cancel_waits:
            scope.cancel()

    # -- stage:ready ----------------------------------------------------------------------------------

    async def prepare(self) -> Ready:
        """Read what is recorded and check the space: Ready SUCCESS (work_dir created), NO_DATA when
        no requested channel has recorded anything in the range, NO_SPACE when the free space on
        work_dir's disk, less the recorder's retention floor when that disk is the data directory's,
        is below what one file (and its ZIP while sealing) needs."""
        return await anyio.to_thread.run_sync(self._prepare)

    def _prepare(self) -> Ready:
        r = self.request
        self.coverage = {chid: channel_coverage(self.db, chid, r.begin_ms, r.end_ms) for chid in r.chids}
        if self.total_ms == 0:
            return Ready(ReadyCode.NO_DATA, "no recorded video in the time range on the requested channels",
                         self.plan())
        self.work_dir.mkdir(parents=True, exist_ok=False)
        short = self._space_shortfall(max(c.estimated_bytes for c in self.coverage.values()))
        if short:
            self._remove_work_dir()
            return Ready(ReadyCode.NO_SPACE, short, self.plan())
        return Ready(ReadyCode.SUCCESS, "", self.plan())

    def retention_floor(self) -> int:
        """Free bytes the recorder keeps on the data disk (it deletes recordings below it): an export
        must not push the disk there, or it would delete recordings to make room for a copy."""
        data_dir = self.settings.data_dir
        try:
            same_disk = os.stat(self.work_dir).st_dev == os.stat(data_dir).st_dev
        except OSError:
            return 0
        if not same_disk:
            return 0
        total = shutil.disk_usage(data_dir).total
        policy = RetentionPolicy(min_free_bytes=self.settings.retention_min_free_bytes,
                                 min_free_percent=self.settings.retention_min_free_percent)
        return policy.required_free(total)

    def _space_shortfall(self, remaining_bytes: int) -> str:
        """'' when the next file fits; else why not."""
        need = min(self.request.max_file_bytes, remaining_bytes)
        if self.request.password:
            need *= 2  # the file and its ZIP, while sealing
        free = free_bytes(self.work_dir)
        floor = self.retention_floor()
        if free - floor < need:
            return (f"{free} bytes free, {floor} kept free for recording, {need} needed for a file")
        return ""

    async def discard(self) -> None:
        """Remove work_dir of a task prepared and never run."""
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._remove_work_dir)

    # -- the run --------------------------------------------------------------------------------------

    async def run(self, emit: Emit, after_file: AfterFileCallback) -> End:
        """Emit Begin, then per channel ChannelBegin, per file FileBegin, FileWriting (every
        status_interval_s while it is made), FileEnd (then await after_file), ChannelEnd; finally End,
        which is also returned. A channel with nothing recorded in the range gets ChannelBegin and
        ChannelEnd with no files. Call after prepare() answered SUCCESS. `emit` is never called twice
        at once. Whatever happens, work_dir is gone when run returns."""
        lock = anyio.Lock()

        async def serialised(stage: Stage) -> None:
            async with lock:
                await emit(stage)

        self._emit = serialised

        try:
            end = await self._run(serialised, after_file)
            await serialised(end)
            return end
        finally:
            self._files.clear()
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._remove_work_dir)

    async def _run(self, emit: Emit, after_file: AfterFileCallback) -> End:
        r = self.request
        if self.eventlog is not None and self.audit is not None:
            await anyio.to_thread.run_sync(self._record_audit)
        await emit(Begin(0, r.begin_ms))
        for chid in r.chids:
            coverage = self.coverage[chid]
            self._chid, self._position_ms = chid, r.begin_ms
            await emit(ChannelBegin(self._overall(), r.begin_ms, chid, 0))
            if coverage.recorded_ms:
                end = await self._export_channel(coverage, emit, after_file)
                if end is not None:
                    return end
            self._position_ms = r.end_ms
            await emit(ChannelEnd(self._overall(), r.end_ms, chid, 100))  # _overall() counts this channel
            self._done_before_ms += coverage.recorded_ms
        return End(100, r.end_ms, EndCode.SUCCESS)

    def _overall(self) -> int:
        coverage = self.coverage.get(self._chid)
        current = coverage.done_ms(self._position_ms) if coverage else 0
        return percent(self._done_before_ms + current, self.total_ms)

    def _channel_progress(self) -> int:
        coverage = self.coverage[self._chid]
        return percent(coverage.done_ms(self._position_ms), coverage.recorded_ms)

    def _stopped(self, code: EndCode, detail: str) -> End:
        return End(self._overall(), self._position_ms, code, detail)

    async def _export_channel(self, coverage: Coverage, emit: Emit, after_file: AfterFileCallback) -> End | None:
        r = self.request
        clips = write_clips(self.db, self.settings.data_dir, coverage.chid, r.begin_ms, r.end_ms,
                            out_dir=self.work_dir, name=self._name_file, max_bytes=r.max_file_bytes,
                            on_progress=self._on_progress, cancelled=self._cancelled)
        try:
            while True:
                if self.cancelled:
                    return self._stopped(EndCode.CANCELLED, "cancelled")
                left_ms = coverage.recorded_ms - coverage.done_ms(self._position_ms)
                remaining = coverage.estimated_bytes * left_ms // coverage.recorded_ms
                short = await anyio.to_thread.run_sync(self._space_shortfall, remaining)
                if short:
                    return self._stopped(EndCode.NO_SPACE, short)
                try:
                    made = await self._make_file(clips, emit)
                except ExportCancelled:
                    return self._stopped(EndCode.CANCELLED, "cancelled")
                except OSError as exc:
                    if not is_disk_full(exc):
                        raise
                    return self._stopped(EndCode.NO_SPACE, f"the disk is full: {exc.strerror or exc}")
                except ValueError as exc:  # write_clips: max_bytes cannot hold one keyframe
                    return self._stopped(EndCode.INVALID, str(exc))
                if made is None:
                    return None
                clip, files = made
                self._position_ms = clip.end_ms
                self._files = {f.name: f.path for f in files}
                file_end = FileEnd(self._overall(), clip.end_ms, clip.chid, self._channel_progress(), self._fid,
                                   clip.begin_ms, files)
                await emit(file_end)
                answer = await self._unless_cancelled(after_file, file_end)
                self._files = {}
                await anyio.to_thread.run_sync(self._delete, files)
                if self.cancelled or answer is AfterFile.CANCEL:
                    return self._stopped(EndCode.CANCELLED, "cancelled")
                if answer is AfterFile.TIMEOUT:
                    return self._stopped(EndCode.TIMEOUT, "no command within the ttl")
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(close_clips, clips)

    async def _unless_cancelled(self, after_file: AfterFileCallback, file_end: FileEnd) -> AfterFile:
        """after_file's answer; CANCEL as soon as cancel() is called meanwhile."""
        answer = AfterFile.CANCEL
        with anyio.CancelScope() as waiting:
            self._cancel_waits.append(waiting)
            if self.cancelled:
                waiting.cancel()
            answer = await after_file(file_end)
        self._cancel_waits.remove(waiting)
        return answer

    async def _make_file(self, clips: Iterator[Clip],
                         emit: Emit) -> tuple[Clip, tuple[ExportedFile, ...]] | None:
        """The next file and what goes with it, or None when the channel is done; a remux token is held
        meanwhile. FileBegin is emitted from the worker thread when the file is named (_name_file)."""
        with anyio.CancelScope() as waiting:
            self._cancel_waits.append(waiting)
            if self.cancelled:
                waiting.cancel()
            await self.limiter.acquire()
        self._cancel_waits.remove(waiting)
        if waiting.cancelled_caught:
            raise ExportCancelled
        try:
            failure: Exception | None = None
            async with anyio.create_task_group() as tasks:
                if self.request.status_interval_s is not None:
                    tasks.start_soon(self._report_writing, emit)
                try:
                    made = await anyio.to_thread.run_sync(self._next_file, clips)
                except Exception as exc:  # raised as it is, not in the task group's ExceptionGroup
                    failure = exc
                tasks.cancel_scope.cancel()
            if failure is not None:
                raise failure
            return made
        finally:
            self._writing_fid = None
            self.limiter.release()

    async def _report_writing(self, emit: Emit) -> None:
        interval = max(MIN_STATUS_INTERVAL_S, self.request.status_interval_s or 0)
        while True:
            await anyio.sleep(interval)
            fid = self._writing_fid
            if fid is not None:
                with anyio.CancelScope(shield=True):  # never cut a message in half
                    await emit(FileWriting(self._overall(), self._position_ms, self._chid,
                                           self._channel_progress(), fid))

    # -- in the worker thread -------------------------------------------------------------------------

    def _next_file(self, clips: Iterator[Clip]) -> tuple[Clip, tuple[ExportedFile, ...]] | None:
        clip = next(clips, None)
        if clip is None:
            return None
        self._writing_fid = None
        paths = [clip.path]
        try:
            r = self.request
            if r.subtitle_format is not None:
                paths.append(write_subtitles(clip.path.with_suffix(r.subtitle_format.suffix), r.subtitle_format,
                                             clip.begin_ms, clip.end_ms, self.tz, r.language))
            if r.password:
                paths = [seal(p, r.password) for p in paths]
            if self.cancelled:
                raise ExportCancelled
            files = tuple(ExportedFile(p.name, p, p.stat().st_size, md5_of(p) if r.md5 else None) for p in paths)
        except BaseException:
            self._delete_paths([clip.path, *paths])
            raise
        return clip, files

    def _name_file(self, chid: int, first_frame_ms: int) -> str:
        """write_clips' name(): a unique name in this task; FileBegin goes out before the file is written."""
        stem = file_name(chid, first_frame_ms, self.tz)[: -len(".mp4")]
        name, number = f"{stem}.mp4", 1
        while name in self._names:
            number += 1
            name = f"{stem}({number}).mp4"
        self._names.add(name)
        self._fid += 1
        self._position_ms = max(first_frame_ms, self._position_ms)
        stage = FileBegin(self._overall(), first_frame_ms, chid, self._channel_progress(), self._fid, name)
        try:
            anyio.from_thread.run(self._emit_from_thread, stage)
        except Exception:
            log.exception("export task %s: fileBegin could not be sent", self.id)
            self._cancelled.set()
        self._writing_fid = self._fid
        return name

    async def _emit_from_thread(self, stage: Stage) -> None:
        assert self._emit is not None
        await self._emit(stage)

    def _on_progress(self, wall_ms: int) -> None:
        if wall_ms > self._position_ms:
            self._position_ms = wall_ms

    def _record_audit(self) -> None:
        assert self.eventlog is not None and self.audit is not None
        r = self.request
        record_export(self.eventlog, self.audit, self.id, r.chids, r.begin_ms, r.end_ms, self.tz)

    @staticmethod
    def _delete_paths(paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    def _delete(self, files: tuple[ExportedFile, ...]) -> None:
        self._delete_paths([f.path for f in files])

    def _remove_work_dir(self) -> None:
        shutil.rmtree(self.work_dir, ignore_errors=True)
