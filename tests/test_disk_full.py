"""A full data disk, for real: the data directory (database included) on a small tmpfs, filled
up with a ballast file. Recording fails with ENOSPC, is reported as storage full, stays "not
recording" while nothing can be written, makes room by deleting the oldest recordings and records
again without a restart, keeping what it had written; a pushed plate answers 507 JSON, never 500.

Mounting needs root (the sandbox and CI run as root); elsewhere these tests are skipped.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from recorder.supervisor import RecorderSupervisor
from storage import schema, segments
from storage.db import Database
from storage.eventlog import EventType, SystemCode
from storage.models import EventLogEntry, PlateRead, Segment
from storage.settings import Settings
from tests.conftest import ADMIN_AUTH, make_runtime, sqlite_only, write_settings
from tests.needs import needs_rtsp
from tests.recorder_env import QUICK, add_channel
from tests.rtsp_server import RtspServerProcess, loop_clip, make_h264_clip
from tests.test_recorder import Events, decode
from tsnvr.bus import EventBus

pytestmark = sqlite_only("the database file lives on the disk that fills up")


@contextlib.contextmanager
def tmpfs(path: Path, size_mb: int) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    """A ballast file that takes every free byte of folder's disk."""
    ballast = folder / "ballast.bin"
    with open(ballast, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return ballast


def recorder_settings(data_dir: Path, **values: Any) -> tuple[Database, Settings]:
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    schema.upgrade(db)
    settings = Settings(data_dir=data_dir)
    for name, value in {**QUICK, "segment_seconds": 1.0, "retention_interval_seconds": 3600.0, **values}.items():
        setattr(settings, name, value)
    return db, settings


def log_entries(db: Database, code: SystemCode) -> list[EventLogEntry]:
    with db.read() as s:
        return list(s.exec(select(EventLogEntry).where(EventLogEntry.type == int(EventType.SYSTEM))
                           .where(EventLogEntry.code == int(code)).order_by(EventLogEntry.id)))


def recording_items(events: Events, chid: int, after: int = 0) -> list[Any]:
    return [item for topic, event in events.items[after:] if topic == "recordingStatus"
            for item in event.channel if item.chid == chid]


def open_files_under(folder: Path) -> list[str]:
    out = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(str(folder)):
                out.append(target)
    return out


def assert_playable(data_dir: Path, row: Segment) -> None:
    path = data_dir / row.path
    assert path.is_file() and path.stat().st_size == row.size
    facts = decode(path)
    assert facts.frames > 0 and facts.first_is_keyframe and facts.pts_increasing
    assert abs(facts.frames - (row.end_ms - row.begin_ms) * 25 / 1000) <= 2, (row, facts)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServerProcess]:
    folder = tmp_path_factory.mktemp("diskfull_clips")
    clip = loop_clip(make_h264_clip(folder / "clip.mp4", seconds=4.0), folder / "long.mp4", 30)
    with RtspServerProcess(file=clip) as srv:
        yield srv


@needs_rtsp
def test_a_full_disk_with_nothing_to_delete_is_storage_full_and_not_recording_until_space_returns(
        tmp_path: Path, server: RtspServerProcess):
    with tmpfs(tmp_path / "data", 8) as data_dir:
        db, settings = recorder_settings(data_dir)
        add_channel(db, 1, server.url("file"))
        ballast = fill(data_dir)
        bus = EventBus()
        events = Events(bus)
        supervisor = RecorderSupervisor(db, settings, bus.publish)
        supervisor.start()
        try:
            failed = events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].failure_ms is not None)
            time.sleep(5.0)  # two retries at least (one every 2 s)
            while_full = recording_items(events, 1)
            freed = len(events.items)
            ballast.unlink()
            freed_ms = int(time.time() * 1000)
            events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording, timeout=10, after=freed)
            time.sleep(2.5)  # a closed segment
        finally:
            supervisor.stop()
        # Not once "recording" while the disk was full: each retry's failure, and nothing else.
        assert len(while_full) >= 2, while_full
        assert all((i.streaming, i.recording) == (True, False) and i.failure_ms for i in while_full), while_full
        assert events.items[failed][1].channel[0].failure_ms is not None
        # "Storage full" for the write, kept in memory if the database was full too, written by now.
        [full] = log_entries(db, SystemCode.STORAGE_FULL)
        param = json.loads(full.param or "{}")
        assert (full.chid, param["chid"], param["error"]) == (1, 1, "ENOSPC")
        assert supervisor.storage_events.pending == 0 and supervisor.unindexed == 0
        rows = segments.channel_segments(db, 1)
        assert rows and all(r.begin_ms >= freed_ms - 100 for r in rows), (freed_ms, rows)
        for row in rows:
            assert_playable(data_dir, row)
        # Failed files were closed: a descriptor left open would keep a deleted file's space taken.
        assert sorted({Path(p).name for p in open_files_under(data_dir)}) <= ["tsnvr.db", "tsnvr.db-shm",
                                                                                "tsnvr.db-wal"]
        db.dispose()


@needs_rtsp
def test_enospc_mid_recording_deletes_the_oldest_and_records_again_keeping_what_was_written(
        tmp_path: Path, server: RtspServerProcess):
    with tmpfs(tmp_path / "data", 12) as data_dir:
        # room for about three 1 s segments of this clip (~100 KB/s) made when the disk fills
        db, settings = recorder_settings(data_dir, retention_min_free_bytes=300_000)
        add_channel(db, 1, server.url("file"))
        bus = EventBus()
        events = Events(bus)
        supervisor = RecorderSupervisor(db, settings, bus.publish)
        supervisor.start()
        try:
            deadline = time.monotonic() + 15
            while len(segments.channel_segments(db, 1)) < 10 and time.monotonic() < deadline:
                time.sleep(0.1)
            before = segments.channel_segments(db, 1)
            assert len(before) >= 10
            mark = len(events.items)
            ballast = fill(data_dir)
            filled_ms = int(time.time() * 1000)
            failed = events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].failure_ms is not None,
                                     after=mark)
            back = events.wait_for(lambda t, e: t == "recordingStatus" and e.channel[0].recording,
                                   timeout=10, after=failed)
            back_ms = events.items[back][1].ts_ms
            ballast.unlink()  # space to spare again: no more deleting
            time.sleep(2.5)
        finally:
            supervisor.stop()
        assert back_ms - filled_ms < 6000
        # reported as storage full, the oldest deleted for it
        [full] = log_entries(db, SystemCode.STORAGE_FULL)
        assert json.loads(full.param or "{}")["error"] == "ENOSPC"
        assert log_entries(db, SystemCode.OLDEST_OVERWRITTEN)
        rows = segments.channel_segments(db, 1)
        kept = {r.path for r in rows}
        deleted = [r for r in before if r.path not in kept]  # (ids: SQLite reuses those of deleted rows)
        assert deleted and deleted == before[:len(deleted)]  # the oldest, in order
        assert not any((data_dir / r.path).exists() for r in deleted)
        # the segment open when the disk filled is kept (all but what the failed write held)
        assert any(r.begin_ms < filled_ms and r.end_ms >= filled_ms - 1500 for r in rows), (filled_ms, rows)
        assert any(r.begin_ms >= filled_ms for r in rows)  # and recording went on after
        for row in rows:
            assert_playable(data_dir, row)
        assert supervisor.unindexed == 0
        db.dispose()


def test_a_plate_pushed_while_the_disk_is_full_is_507_json_and_stored_once_space_returns(tmp_path: Path):
    with tmpfs(tmp_path / "data", 16) as data_dir:
        write_settings(data_dir, timezone="America/New_York")
        runtime = make_runtime(data_dir)
        with TestClient(runtime.app) as client:
            def push(plate: str) -> Any:
                return client.post(f"/api/push?auth={ADMIN_AUTH}",
                                   content=json.dumps({"topic": "LPR", "src": "F00001", "plateNo": plate}),
                                   headers={"content-type": "application/json"})

            assert push("DF1001").status_code == 200
            ballast = fill(data_dir)
            refused = push("DF1002")
            assert refused.status_code == 507, refused.text
            body = refused.json()
            assert body["code"] == 507 and "storage is full" in body["message"]
            ballast.unlink()
            assert push("DF1002").status_code == 200
        with runtime.db.read() as s:
            assert [r.plate_no for r in s.exec(select(PlateRead).order_by(PlateRead.id))] == ["DF1001", "DF1002"]
        runtime.db.dispose()
