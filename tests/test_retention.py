"""Retention end to end: real segment files and rows in a real data directory, the real
RecorderSupervisor's retention pass (at server start, or called), its one event-log entry per pass
seen through /api/find?what=eventLog, and /api/system?health=recording following it."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from recorder import segment_files
from recorder.supervisor import RecorderSupervisor
from storage import schema, segments
from storage import settings as settings_file
from storage.clock import now_ms
from storage.db import Database
from storage.eventlog import EventType, RecordingCode, SystemCode
from storage.events import RecordingStatusEvent, SystemEvent
from storage.models import Channel, EventLogEntry, Segment
from storage.settings import Settings
from tests.conftest import ADMIN_AUTH, make_runtime, wait_until, write_settings
from tests.rtsp_server import make_h264_clip
from tsnvr.bus import EventBus
from tsnvr.database import open_database
from tsnvr.server import Runtime
from web.core.timefmt import format_ms

NEW_YORK = ZoneInfo("America/New_York")  # the conftest data_dir's time zone
DAY_MS = 86_400_000
MIB = 1 << 20
GUIDE_KEYS = ["comment", "path", "usage"]
EXTRA_KEYS = ["totalSpace", "usedSpace", "freeSpace", "minFreeSpace", "maxAgeDays", "overwriting"]


def add_recordings(db: Database, data_dir: Path, count: int, size: int, first_ms: int,
                   step_ms: int = 60_000) -> list[Segment]:
    """`count` segment files of `size` random bytes, channels 1 and 2 in turn, one after another."""
    rows = []
    for n in range(count):
        chid, begin = 1 + n % 2, first_ms + n * step_ms
        path = segment_files.final_path(segment_files.part_path(data_dir, chid, begin))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
        rows.append(segments.add_segment(db, Segment(
            chid=chid, begin_ms=begin, end_ms=begin + step_ms, path=segment_files.relative(data_dir, path),
            size=size, codec="h264", width=640, height=360)))
    return rows


def kept_ids(db: Database) -> list[int]:
    return [r.id for r in segments.oldest_segments(db, 1000) if r.id is not None]


def event_log(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/api/find", params={"what": "eventLog", "auth": ADMIN_AUTH, "maxCount": 100, **params})
    assert answer.status_code == 200
    return answer.json()["data"]


def overwritten(client: TestClient) -> list[dict[str, Any]]:
    return [e for e in event_log(client, type=0) if e["code"] == SystemCode.OLDEST_OVERWRITTEN]


def recording_storage(client: TestClient) -> dict[str, Any]:
    answer = client.get("/api/system", params={"health": "recording", "auth": ADMIN_AUTH})
    assert answer.status_code == 200
    recording = answer.json()["recording"]
    (storage,) = recording["storage"]
    assert recording["current"] == storage["path"]
    return storage


def ny(ms: int) -> str:
    return format_ms(ms, NEW_YORK)


@pytest.fixture
def server_with(data_dir: Path) -> Iterator[Any]:
    """server_with(**settings) -> a Runtime on data_dir with those settings (not started yet)."""
    made: list[Runtime] = []

    def make(**values: Any) -> Runtime:
        write_settings(data_dir, retention_interval_seconds=3600.0, **values)
        made.append(make_runtime(data_dir))
        return made[-1]

    yield make
    for runtime in made:
        runtime.db.dispose()


# --- through the server: the pass at start-up -----------------------------------------------------

def test_recordings_past_the_maximum_age_go_in_one_logged_pass_and_health_follows(server_with, data_dir):
    runtime = server_with(retention_max_age_days=7.0, retention_min_free_bytes=0, retention_min_free_percent=0.0)
    old = add_recordings(runtime.db, data_dir, 4, 1000, first_ms=now_ms() - 10 * DAY_MS)
    new = add_recordings(runtime.db, data_dir, 2, 1000, first_ms=now_ms() - 3_600_000)
    before = recording_storage(TestClient(runtime.app))  # no lifespan: the recorder has not run
    assert before["oldestRecording"] == ny(old[0].begin_ms)
    assert "lastOverwritten" not in before and before["overwriting"] is False

    published: list[EventLogEntry] = []
    runtime.bus.listen(lambda event: published.append(event.entry) if isinstance(event, SystemEvent) else None)

    with TestClient(runtime.app) as client:  # start-up runs the first retention pass at once
        wait_until(lambda: runtime.recorder.last_retention is not None, timeout=10)
        assert [r.id for r in runtime.recorder.last_retention.deleted] == [r.id for r in old]
        assert kept_ids(runtime.db) == [r.id for r in new]
        assert not any((data_dir / r.path).exists() for r in old)
        assert all((data_dir / r.path).is_file() for r in new)

        (entry,) = overwritten(client)  # one entry for the pass, not one per file
        assert (entry["type"], entry["typeName"], entry["codeName"]) == (0, "System log",
                                                                         "Oldest recordings overwritten")
        storage_path = str(data_dir.resolve())
        assert entry["param"] == {
            "storagePath": quote(storage_path, safe=""), "reason": ["maxAge"], "count": 4, "size": 4000,
            "chid": [1, 2], "recordedTimeRange": [ny(old[0].begin_ms), ny(old[-1].end_ms)], "maxAgeDays": 7.0,
        }
        assert entry["id"] in [e.id for e in published]  # systemEvent subscribers see it as it happens
        assert entry["comment"] == (f"Deleted the 4 oldest recordings (3.9 KiB) of channels 1, 2 recorded from "
                                    f"{ny(old[0].begin_ms)} to {ny(old[-1].end_ms)}: older than the maximum age "
                                    "of 7 days")

        after = recording_storage(client)
        assert list(after)[:3] == GUIDE_KEYS
        assert [k for k in after if k not in GUIDE_KEYS] == [*EXTRA_KEYS, "oldestRecording", "lastOverwritten"]
        assert after["oldestRecording"] == ny(new[0].begin_ms)
        assert after["lastOverwritten"] == entry["timeRange"][0]
        assert after["overwriting"] is True
        assert (after["maxAgeDays"], after["minFreeSpace"]) == (7.0, 0)
        assert after["totalSpace"] == shutil.disk_usage(data_dir).total
        assert after["usedSpace"] + after["freeSpace"] <= after["totalSpace"]


def test_low_free_space_deletes_the_oldest_until_the_threshold_is_met(server_with, data_dir):
    size = 16 * MIB
    db = open_database(settings_file.load(data_dir, env={}))
    rows = add_recordings(db, data_dir, 6, size, first_ms=now_ms() - 3_600_000)
    db.dispose()
    free = shutil.disk_usage(data_dir).free
    threshold = free + 2 * size + size // 2  # two and a half files short: three go
    runtime = server_with(retention_min_free_bytes=threshold, retention_min_free_percent=0.0)

    with TestClient(runtime.app) as client:
        wait_until(lambda: runtime.recorder.last_retention is not None, timeout=10)
        deleted = runtime.recorder.last_retention.deleted
        count = len(deleted)
        assert 2 <= count <= 4  # the disk is shared: other processes write and delete too
        assert [r.id for r in deleted] == [r.id for r in rows[:count]]  # the oldest, in order
        assert kept_ids(runtime.db) == [r.id for r in rows[count:]]
        assert not any((data_dir / r.path).exists() for r in rows[:count])
        assert all((data_dir / r.path).is_file() for r in rows[count:])

        (entry,) = overwritten(client)
        param = entry["param"]
        assert (param["reason"], param["count"], param["size"], param["minFreeSpace"]) == (
            ["freeSpace"], count, count * size, threshold)
        assert param["chid"] == sorted({r.chid for r in rows[:count]})
        assert param["recordedTimeRange"] == [ny(rows[0].begin_ms), ny(rows[count - 1].end_ms)]
        assert param["freeSpace"] < threshold and "maxAgeDays" not in param
        assert re.fullmatch(
            rf"Deleted the {count} oldest recordings \({count * 16}\.0 MiB\) of channels 1, 2 recorded from "
            rf"{re.escape(ny(rows[0].begin_ms))} to {re.escape(ny(rows[count - 1].end_ms))}: free space "
            r"[\d.]+ [KMGT]iB was below the [\d.]+ [KMGT]iB threshold", entry["comment"]), entry["comment"]
        assert not [e for e in event_log(client, type=0) if e["code"] == SystemCode.STORAGE_FULL]

        health = recording_storage(client)
        assert health["oldestRecording"] == ny(rows[count].begin_ms)
        assert health["lastOverwritten"] == entry["timeRange"][0]
        assert health["minFreeSpace"] == threshold and health["overwriting"] is True


# --- the supervisor's pass, called ------------------------------------------------------------------

def test_one_pass_for_both_reasons_is_one_entry_and_storage_full_is_logged_once(server_with, data_dir):
    total = shutil.disk_usage(data_dir).total
    runtime = server_with(retention_max_age_days=7.0, retention_min_free_bytes=2 * total,
                          retention_min_free_percent=0.0)  # more than the disk: never enough
    old = add_recordings(runtime.db, data_dir, 1, 2048, first_ms=now_ms() - 8 * DAY_MS)
    recent = add_recordings(runtime.db, data_dir, 2, 2048, first_ms=now_ms() - 600_000)
    client = TestClient(runtime.app)  # no lifespan: the passes below are the only ones

    first = runtime.recorder.enforce_retention()
    assert ([r.id for r in first.by_age], [r.id for r in first.for_space]) == ([old[0].id], [r.id for r in recent])
    assert first.space_short and kept_ids(runtime.db) == []
    second = runtime.recorder.enforce_retention()  # nothing left: no new entries
    assert second.deleted == [] and second.space_short

    (entry,) = overwritten(client)
    assert entry["param"]["reason"] == ["maxAge", "freeSpace"] and entry["param"]["count"] == 3
    assert entry["param"]["minFreeSpace"] == 2 * total
    assert entry["comment"].startswith(f"Deleted the 3 oldest recordings (6.0 KiB) of channels 1, 2 recorded from "
                                       f"{ny(old[0].begin_ms)} to {ny(recent[-1].end_ms)}: 1 older than the "
                                       "maximum age of 7 days; 2 because free space ")
    (full,) = [e for e in event_log(client, type=0) if e["code"] == SystemCode.STORAGE_FULL]
    assert full["codeName"] == "Storage full"
    assert full["param"]["minFreeSpace"] == 2 * total
    assert full["comment"].endswith("threshold and no recordings are left to delete")

    health = recording_storage(client)
    assert "oldestRecording" not in health and health["overwriting"] is True
    assert health["lastOverwritten"] == entry["timeRange"][0]


def make_settings(data_dir: Path, **values: Any) -> Settings:
    settings = Settings(data_dir=data_dir)
    for name, value in {"retention_min_free_bytes": 0, "retention_min_free_percent": 0.0, **values}.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    (tmp_path / "data").mkdir()
    database = Database(f"sqlite:///{tmp_path / 'data' / 'tsnvr.db'}")
    schema.upgrade(database)
    yield database
    database.dispose()


def entries(db: Database, type: EventType) -> list[EventLogEntry]:
    with db.read() as s:
        return list(s.exec(select(EventLogEntry).where(EventLogEntry.type == int(type)).order_by(EventLogEntry.id)))


def test_a_file_that_cannot_be_deleted_is_a_storage_error(db: Database, tmp_path: Path):
    data_dir = tmp_path / "data"
    rows = add_recordings(db, data_dir, 2, 100, first_ms=now_ms() - 30 * DAY_MS)
    stuck = data_dir / rows[0].path
    stuck.unlink()
    stuck.mkdir()  # a folder where the file was: unlink fails, even for root
    supervisor = RecorderSupervisor(db, make_settings(data_dir, retention_max_age_days=7.0), EventBus().publish)
    supervisor.enforce_retention()
    codes = [(e.code, e.comment) for e in entries(db, EventType.SYSTEM)]
    assert [c for c, _ in codes] == [SystemCode.OLDEST_OVERWRITTEN, SystemCode.STORAGE_ERROR]
    assert codes[1][1].startswith(f"Could not delete 1 recording file(s): {rows[0].path}: ")
    assert json.loads(entries(db, EventType.SYSTEM)[1].param or "{}")["count"] == 1
    assert not (data_dir / rows[1].path).exists()


def test_nothing_to_delete_writes_nothing(db: Database, tmp_path: Path):
    data_dir = tmp_path / "data"
    add_recordings(db, data_dir, 2, 100, first_ms=now_ms() - DAY_MS)
    supervisor = RecorderSupervisor(db, make_settings(data_dir, retention_max_age_days=7.0), EventBus().publish)
    assert supervisor.enforce_retention().deleted == []
    assert entries(db, EventType.SYSTEM) == [] and len(kept_ids(db)) == 2


# --- a channel that cannot write --------------------------------------------------------------------

def test_a_channel_that_cannot_write_logs_recording_failed_once(db: Database, tmp_path: Path):
    data_dir = tmp_path / "data"
    clip = make_h264_clip(tmp_path / "clip.mp4", seconds=2.0)
    blocker = segment_files.channel_dir(data_dir, 1)
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"")  # a file where the channel's folder should be: no segment can open
    with db.write() as s:
        s.add(Channel(chid=1, type="file", source=str(clip), playback="repeat", created_ms=now_ms()))
    bus = EventBus()
    failures: list[int] = []
    bus.listen(lambda event: failures.extend(
        i.failure_ms for i in event.channel if i.failure_ms is not None) if isinstance(event, RecordingStatusEvent)
        else None)
    supervisor = RecorderSupervisor(db, make_settings(data_dir, segment_seconds=1.0), bus.publish)
    supervisor.start()
    try:
        wait_until(lambda: len(failures) >= 2, timeout=20)  # it retries every few seconds
    finally:
        supervisor.stop()
    (entry,) = entries(db, EventType.RECORDING)
    assert (entry.code, entry.chid, entry.ts_ms) == (RecordingCode.FAILED, 1, failures[0])
    assert entry.comment == (f"Channel 1: a recording file could not be written in {data_dir.resolve()}; "
                             "retrying (the server log has the error)")
    assert time.time() * 1000 - entry.ts_ms < 60_000


# --- images go with the recordings of their day ---------------------------------------------------

def test_images_of_days_without_recordings_go_with_them(db: Database, tmp_path: Path):
    data_dir = tmp_path / "data"
    start = now_ms() - 30 * DAY_MS
    day = lambda ms: time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))  # noqa: E731
    add_recordings(db, data_dir, 2, 100, first_ms=start, step_ms=10 * DAY_MS)  # days 0 and 10
    kept = add_recordings(db, data_dir, 1, 100, first_ms=start + 25 * DAY_MS)  # 5 days old
    recent = add_recordings(db, data_dir, 1, 100, first_ms=now_ms() - DAY_MS)
    folders = {}
    for kind in ("plates", "objects"):
        for ms in (start, start + 10 * DAY_MS, recent[0].begin_ms):
            folder = data_dir / "images" / kind / day(ms) / "ch1"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "1.jpg").write_bytes(b"\xff\xd8\xff")
            folders[(kind, ms)] = folder
    (data_dir / "images" / "plates" / "notes").mkdir()  # not a day folder: left alone
    supervisor = RecorderSupervisor(db, make_settings(data_dir, retention_max_age_days=3.0), EventBus().publish)
    result = supervisor.enforce_retention()
    assert [r.begin_ms for r in result.deleted] == [start, start + 10 * DAY_MS, kept[0].begin_ms]
    assert result.images == [f"images/{kind}/{day(ms)}" for ms in (start, start + 10 * DAY_MS)
                             for kind in ("objects", "plates")]
    assert all(folders[(kind, recent[0].begin_ms)].is_dir() for kind in ("plates", "objects"))
    assert (data_dir / "images" / "plates" / "notes").is_dir()
