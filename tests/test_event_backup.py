"""PUT /api/event-videos/trigger, the event-backup scheduler, /event-storage/... and `tsnvr event-storage`.

The first tests run the real app on channels that never record (file channels without their file):
answers, names, event-log rows, bad input, rights, a backup with no recording. The last ones run a
real `tsnvr serve` on a copy of the session's recorded footage (tests/export_footage.py) with a real
WebSocket subscriber, and check the saved file against the recording's frame times with PyAV.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import av
import httpx
import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient
from websockets.sync.client import connect

from recorder.export.clips import Clip
from storage import event_backups
from storage import settings as settings_file
from storage.db import Database
from storage.event_backups import BackupState
from storage.eventlog import EventType, SystemCode
from storage.events import ChannelRecording, RecordingStatusEvent
from storage.models import Channel, EventLogEntry
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, LiveServer, make_runtime, wait_until, write_settings
from tests.export_footage import Footage
from tsnvr.cli import main as tsnvr_main
from tsnvr.event_backup import EventBackupScheduler, kept_clip
from tsnvr.server import Runtime
from web.core.timefmt import format_ms, to_datetime

TZ_NAME = "America/New_York"  # the data_dir fixture's and the footage's zone
NY = ZoneInfo(TZ_NAME)
TRIGGER = "/api/event-videos/trigger"
AUTH = ("admin", ADMIN_PASSWORD)


@pytest.fixture
def nvr(data_dir: Path) -> Iterator[tuple[Runtime, TestClient]]:
    """The real app with channels 1, 2 and 3, file channels whose files do not exist (never recording)."""
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        for chid in (1, 2, 3):
            s.add(Channel(chid=chid, name=f"Gate {chid}", type="file", source=f"missing-{chid}.mp4", created_ms=1))
    with TestClient(runtime.app, base_url="http://testserver") as client:
        yield runtime, client


def rows(db: Database, code: SystemCode) -> list[EventLogEntry]:
    """The System log rows of this code, oldest first."""
    query = select(EventLogEntry).where(EventLogEntry.type == int(EventType.SYSTEM),
                                        EventLogEntry.code == int(code))
    with db.read() as s:
        return list(s.exec(query.order_by(col(EventLogEntry.id))))


def test_the_answer_names_each_channels_file_and_numbers_repeats(nvr):
    runtime, client = nvr
    body = {"chid": 2, "timestamp": "2022-11-29T10:13:09.646", "title": "fire outbreak",
            "comment": {"location": "Building 101, 5th floor", "tel": "119"},
            "tasks": [{"command": "presetGo", "token": "preset1"},
                      {"command": "eventBackup", "preAlarm": "5s", "postAlarm": "1m", "chids": [3, 2, 1, 3]}]}
    r = client.put(TRIGGER, json=body, auth=AUTH)
    assert r.status_code == 200, r.text
    first = r.json()
    folder = "/event-storage/e/20221129/101309"
    assert first == {
        "eventId": first["eventId"],
        "videoURLs": [f"{folder}/ch2-20221129-101309.mp4", f"{folder}/ch3-20221129-101309.mp4",
                      f"{folder}/ch1-20221129-101309.mp4"],
        "tasks": [{"command": "presetGo", "code": -2, "message": "Features not supported by the device"},
                  {"command": "eventBackup", "code": 0, "message": "Success"}],
    }
    second = client.put(TRIGGER, json=body, auth=AUTH).json()
    assert second["videoURLs"] == [f"{folder}/ch2-20221129-101309(2).mp4", f"{folder}/ch3-20221129-101309(2).mp4",
                                   f"{folder}/ch1-20221129-101309(2).mp4"]
    # the same second in UTC, one channel: its plain name is taken, so the event gets the next free numbering
    third = client.put(TRIGGER, auth=AUTH, json={"chid": 1, "timestamp": "2022-11-29T15:13:09Z", "tasks": [
        {"command": "eventBackup", "preAlarm": 0, "postAlarm": "2.5"}]}).json()
    assert third == {"eventId": third["eventId"], "videoURLs": [f"{folder}/ch1-20221129-101309(3).mp4"],
                     "tasks": [{"command": "eventBackup", "code": 0, "message": "Success"}]}
    assert first["eventId"] < second["eventId"] < third["eventId"]

    # the event-log row, as /api/find?what=eventLog lists it
    found = client.get("/api/find", params={"what": "eventLog", "type": 0, "maxCount": 50}, auth=AUTH).json()
    item = next(i for i in found["data"] if i["id"] == first["eventId"])
    assert item == {
        "id": first["eventId"], "type": 0, "typeName": "System log", "code": 40, "codeName": "Event triggered",
        "timeRange": ["2022-11-29T10:13:09.646-05:00"],
        "param": {"chid": 2, "uid": "admin", "title": "fire%20outbreak", "comment": body["comment"],
                  "videoURLs": first["videoURLs"], "preAlarm": 5, "postAlarm": 60, "notRecording": [2, 3, 1]},
        "comment": "fire outbreak",
    }
    param = json.loads(rows(runtime.db, SystemCode.EVENT_TRIGGERED)[2].param)
    assert (param["preAlarm"], param["postAlarm"], "title" in param) == (0, 2.5, False)

    # nothing was recorded then: each backup fails at once (its recording time is long past), and says why
    failed = wait_until(lambda: len(rows(runtime.db, SystemCode.EVENT_BACKUP_FAILED)) == 7
                        and rows(runtime.db, SystemCode.EVENT_BACKUP_FAILED))
    assert sorted((e.chid, json.loads(e.param)["videoURL"], json.loads(e.param)["reason"], e.comment)
                  for e in failed) == sorted(
        (int(url.split("/ch")[1].split("-")[0]), url, "no recording",
         f"CH{url.split('/ch')[1].split('-')[0]}: no recording")
        for url in first["videoURLs"] + second["videoURLs"] + third["videoURLs"])
    assert {json.loads(e.param)["eventId"] for e in failed} == {first["eventId"], second["eventId"], third["eventId"]}
    states = [(b.path, b.state, b.reason, b.size) for b in event_backups.all_backups(runtime.db)]
    assert states == [(url.removeprefix("/event-storage/"), "failed", "no recording", 0)
                      for url in first["videoURLs"] + second["videoURLs"] + third["videoURLs"]]
    assert not (runtime.settings.data_dir / "event-storage" / "e").exists()


def test_without_a_timestamp_the_reception_time_names_the_files_in_server_time(nvr):
    runtime, client = nvr
    before = int(time.time() * 1000)
    answer = client.put(TRIGGER, auth=AUTH, json={"chid": 3, "tasks": [
        {"command": "eventBackup", "preAlarm": 1, "postAlarm": "1h"}]}).json()
    after = int(time.time() * 1000)
    [entry] = rows(runtime.db, SystemCode.EVENT_TRIGGERED)
    assert entry.id == answer["eventId"] and before <= entry.ts_ms <= after
    assert (entry.comment, entry.chid) == (None, 3)
    local = format_ms(entry.ts_ms, NY)  # e.g. 2026-12-06T01:02:03.456-05:00
    stamp = local[:10].replace("-", "") + "-" + local[11:19].replace(":", "")
    assert answer["videoURLs"] == [f"/event-storage/e/{stamp[:8]}/{stamp[9:]}/ch3-{stamp}.mp4"]
    assert "tasks" in answer
    [backup] = event_backups.all_backups(runtime.db)
    assert (backup.state, backup.begin_ms, backup.end_ms) == ("pending", entry.ts_ms - 1000, entry.ts_ms + 3_600_000)
    # a trigger alone (no tasks): an event, no backup
    plain = client.put(TRIGGER, auth=AUTH, json={"chid": 1, "title": "door open"}).json()
    assert plain == {"eventId": plain["eventId"], "videoURLs": []}
    assert len(event_backups.all_backups(runtime.db)) == 1


BAD_BODIES = [
    (b"", "the body is empty"),
    (b"{", "not valid JSON"),
    (b"[1]", "must be a JSON object"),
    (b'{"title": "x"}', "chid is required"),
    (b'{"chid": "1"}', "chid must be a channel number"),
    (b'{"chid": true}', "chid must be a channel number"),
    (b'{"chid": 0}', "chid must be a channel number"),
    (b'{"chid": 9}', "chid: no channel 9"),
    (b'{"chid": 1, "timestamp": "yesterday"}', "timestamp: 'yesterday' is not an ISO 8601"),
    (b'{"chid": 1, "timestamp": 5}', "timestamp must be an ISO 8601"),
    (b'{"chid": 1, "timestamp": "2999-01-01T00:00:00Z"}', "more than 5 minutes ahead"),
    (b'{"chid": 1, "title": 5}', "title must be text"),
    (b'{"chid": 1, "title": "' + b"x" * 257 + b'"}', "title must be text of at most 256"),
    (b'{"chid": 1, "tasks": {}}', "tasks must be an array"),
    (b'{"chid": 1, "tasks": [1]}', "tasks[0] must be a JSON object"),
    (b'{"chid": 1, "tasks": [{"command": "reboot"}]}', "tasks[0].command must be presetGo or eventBackup"),
    (b'{"chid": 1, "tasks": [{"command": "presetGo"}]}', "tasks[0].token must be a preset token"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "postAlarm": "1m"}]}', "tasks[0].preAlarm is required"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": "1m"}]}', "tasks[0].postAlarm is required"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": "5x", "postAlarm": 1}]}',
     "tasks[0].preAlarm must be a duration"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": -1, "postAlarm": 1}]}',
     "tasks[0].preAlarm must be from 0 to 1 hour"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": 1, "postAlarm": "61m"}]}',
     "tasks[0].postAlarm must be from 0 to 1 hour"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": 1, "postAlarm": true}]}',
     "tasks[0].postAlarm must be a duration"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": "0s", "postAlarm": 0}]}', "nothing to back up"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": 1, "postAlarm": 1, "chids": 2}]}',
     "tasks[0].chids must be an array"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": 1, "postAlarm": 1, "chids": [2, "x"]}]}',
     "tasks[0].chids[1] must be a channel number"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": 1, "postAlarm": 1, "chids": [2, 7, 8]}]}',
     "eventBackup.chids: no channel 7, 8"),
    (b'{"chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": 1, "postAlarm": 1}, '
     b'{"command": "eventBackup", "preAlarm": 1, "postAlarm": 1}]}', "tasks[1]: only one eventBackup task"),
]


def test_bad_input_is_a_400_and_stores_nothing(nvr):
    runtime, client = nvr
    for body, message in BAD_BODIES:
        r = client.put(TRIGGER, content=body, auth=AUTH, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.text)
        assert r.json()["code"] == 400 and message in r.json()["message"], (body, r.json())
    assert rows(runtime.db, SystemCode.EVENT_TRIGGERED) == [] and event_backups.all_backups(runtime.db) == []


def test_rights_remote_and_playback(nvr, add_user):
    _runtime, client = nvr
    body = {"chid": 1}
    r = client.put(TRIGGER, json=body)
    assert (r.status_code, r.json()["code"]) == (401, 401)
    assert client.put(f"{TRIGGER}?auth={add_user('lpr', rights='LPR,Remote,Control,DataExport')}",
                      json=body).status_code == 403
    assert client.put(f"{TRIGGER}?auth={add_user('nothere', rights='Playback')}", json=body).status_code == 403
    assert client.put(f"{TRIGGER}?auth={add_user('viewer', rights='Playback,Remote')}", json=body).status_code == 200
    assert client.get(TRIGGER, auth=AUTH).status_code == 405


def test_event_storage_serves_only_its_files(nvr, add_user):
    runtime, client = nvr
    storage = runtime.settings.data_dir / "event-storage"
    (storage / "e/20221129/101309").mkdir(parents=True)
    (storage / "e/20221129/101309/ch1-20221129-101309(2).mp4").write_bytes(b"0123456789" * 10)
    (storage / ".work").mkdir()
    (storage / ".work/7-1.mp4").write_bytes(b"being written")
    (runtime.settings.data_dir / "outside.mp4").write_bytes(b"outside")
    (storage / "e/20221129/101309/link.mp4").symlink_to(runtime.settings.data_dir / "outside.mp4")
    url = "/event-storage/e/20221129/101309/ch1-20221129-101309(2).mp4"
    r = client.get(url, auth=AUTH, headers={"Range": "bytes=10-19"})
    assert (r.status_code, r.content, r.headers["content-range"]) == (206, b"0123456789", "bytes 10-19/100")
    assert client.get(url, auth=AUTH).headers["content-type"] == "video/mp4"
    r = client.get(url)
    assert (r.status_code, r.headers["www-authenticate"]) == (401, 'Basic realm="tsnvr"')
    assert client.get(f"{url}?auth={add_user('lpr', rights='LPR,Remote')}").status_code == 403
    for path in (".work/7-1.mp4", "e/20221129/101309/link.mp4", "e/..%2F..%2Ftsnvr.db", "e/%2E%2E/%2E%2E/tsnvr.db",
                 "e//20221129/x.mp4", "e\\..\\x.mp4", "tsnvr.db", "e/20221129/101309/missing.mp4", "e",
                 "e/" + "/".join(["a" * 200] * 30) + ".mp4", "e/" + "a" * 300 + ".mp4"):
        r = client.get(f"/event-storage/{path}", auth=AUTH)
        assert (r.status_code, r.json()["code"]) == (404, 404), path


def test_a_pending_backup_survives_a_restart(data_dir):
    """Stored while the server runs, made by the next server's scheduler (here: failing, nothing recorded)."""
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        s.add(Channel(chid=1, type="file", source="missing.mp4", created_ms=1))
    with TestClient(runtime.app) as client:
        answer = client.put(TRIGGER, auth=AUTH, json={"chid": 1, "tasks": [
            {"command": "eventBackup", "preAlarm": "1m", "postAlarm": 30}]}).json()
    [backup] = event_backups.all_backups(runtime.db)
    assert backup.state == BackupState.PENDING  # its post-alarm time has not come
    runtime.db.dispose()
    again = make_runtime(data_dir)
    scheduler = EventBackupScheduler(again.db, lambda: again.settings, again.eventlog)
    assert scheduler.run_due(backup.end_ms - 1) == 0  # nothing recorded up to its end yet: it waits
    assert scheduler.run_due(backup.end_ms + 2 * 60_000 + 10_000) == 1  # the grace (2 segments + 10 s) is over
    [failed] = rows(again.db, SystemCode.EVENT_BACKUP_FAILED)
    assert json.loads(failed.param) == {"eventId": answer["eventId"], "chid": 1, "reason": "no recording",
                                        "videoURL": answer["videoURLs"][0]}
    again.db.dispose()


def test_cli_lists_and_deletes_rows_and_files(nvr, capsys):
    runtime, client = nvr
    data = runtime.settings.data_dir
    answers = [client.put(TRIGGER, auth=AUTH, json={
        "chid": 1, "timestamp": "2022-11-29T10:13:09", "title": "gate", "tasks": [
            {"command": "eventBackup", "preAlarm": "5s", "postAlarm": "5s", "chids": [2]}]}).json() for _ in range(2)]
    wait_until(lambda: all(b.state == "failed" for b in event_backups.all_backups(runtime.db)))
    # a saved file of the second event (as if made), and a stray file no row names
    paths = [url.removeprefix("/event-storage/") for url in answers[1]["videoURLs"]]
    for path in paths:
        (data / "event-storage" / path).parent.mkdir(parents=True, exist_ok=True)
        (data / "event-storage" / path).write_bytes(b"mp4")
    stray = "e/20221129/101309/stray.mp4"
    (data / "event-storage" / stray).write_bytes(b"stray")
    capsys.readouterr()
    assert tsnvr_main(["--data", str(data), "event-storage", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(b["eventId"], b["chid"], b["state"], b["path"], b["title"], b["reason"]) for b in listed] == [
        (answers[e]["eventId"], chid, "failed", url.removeprefix("/event-storage/"), "gate", "no recording")
        for e in (0, 1) for chid, url in zip((1, 2), answers[e]["videoURLs"], strict=True)]
    assert listed[0]["timestamp"] == "2022-11-29T10:13:09.000-05:00"
    assert listed[0]["timeRange"] == ["2022-11-29T10:13:04.000-05:00", "2022-11-29T10:13:14.000-05:00"]
    assert tsnvr_main(["--data", str(data), "event-storage", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"{answers[0]['eventId']}\tCH1\tfailed\t0\t2022-11-29T10:13:09.000-05:00\t"
                        "e/20221129/101309/ch1-20221129-101309.mp4\tno recording")
    assert len(lines) == 4

    assert tsnvr_main(["--data", str(data), "event-storage", "delete", str(answers[1]["eventId"]),
                       "/event-storage/" + stray, "e/20221129/101309/none.mp4", "999"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"deleted {paths[0]} (event {answers[1]['eventId']}, CH1, failed)",
                                f"deleted {paths[1]} (event {answers[1]['eventId']}, CH2, failed)",
                                f"deleted {stray}"]
    assert err.splitlines() == ["tsnvr: no event backup 999", "tsnvr: no event backup e/20221129/101309/none.mp4"]
    assert [b.event_id for b in event_backups.all_backups(runtime.db)] == [answers[0]["eventId"]] * 2
    assert list((data / "event-storage" / "e").iterdir()) == []  # the day's and second's folders went too
    assert tsnvr_main(["--data", str(data), "event-storage", "delete", answers[0]["videoURLs"][1]]) == 0
    assert [b.chid for b in event_backups.all_backups(runtime.db)] == [1]


def expected_frames(footage: Footage, chid: int, begin: int, end: int) -> list[int]:
    """Wall-clock times of the frames a backup of [begin, end) holds: from the keyframe at or before begin."""
    first = max(k for k in footage.keyframes(chid) if k <= begin)
    return [t for t in footage.frames(chid) if first <= t < end]


def file_frames(path: Path) -> tuple[list[int], int]:
    """(each packet's time in ms from the file's start, frames decoded from the first packet on)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.time_base is not None
        ms = float(stream.time_base * 1000)
        times = [round(p.pts * ms) for p in container.demux(stream) if p.size and p.pts is not None]
    with av.open(str(path)) as container:
        decoded = sum(1 for _ in container.decode(video=0))
    return sorted(times), decoded


def system_messages(ws: Any, code: int, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The next `count` systemEvent messages of this code (others skipped)."""
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        message = json.loads(ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
        if message.get("topic") == "systemEvent" and message["code"] == code:
            out.append(message)
    return out


def test_a_backup_of_recorded_footage_on_a_live_server(footage: Footage, tmp_path: Path, capsys):
    """Trigger inside the recorded footage (over by now, so the copies run at once): the systemEvent, the
    saved files holding the pre- and post-alarm frames, served with auth and Range, the event log, the
    numbering of a second trigger, the CLI, and the size limit."""
    data = tmp_path / "data"
    shutil.copytree(footage.data_dir, data)
    ts = max(footage.span(chid)[0] for chid in footage.chids) + 6_000 + 123
    pre, post = 2_000, 3_000
    stamp = format_ms(ts, NY)
    server = LiveServer(data)
    try:
        url = f"ws://127.0.0.1:{server.port}/wsapi/subscribeEvents?topics=systemEvent&auth={quote(ADMIN_AUTH)}"
        with connect(url) as ws:
            assert json.loads(ws.recv(timeout=5))["topics"] == ["systemEvent"]
            body = {"chid": 1, "timestamp": stamp, "title": "fire outbreak", "comment": {"tel": "119"},
                    "tasks": [{"command": "eventBackup", "preAlarm": "2s", "postAlarm": 3, "chids": [2]}]}
            r = httpx.put(f"{server.url}{TRIGGER}", json=body, auth=AUTH)
            assert r.status_code == 200, r.text
            answer = r.json()
            local = to_datetime(ts, NY)
            folder, name = f"/event-storage/e/{local:%Y%m%d}/{local:%H%M%S}", f"{local:%Y%m%d-%H%M%S}"
            assert answer == {"eventId": answer["eventId"], "tasks": [
                {"command": "eventBackup", "code": 0, "message": "Success"}],
                "videoURLs": [f"{folder}/ch1-{name}.mp4", f"{folder}/ch2-{name}.mp4"]}
            [triggered] = system_messages(ws, 40, 1)
            assert triggered == {
                "topic": "systemEvent", "id": answer["eventId"], "type": 0, "typeName": "System log", "code": 40,
                "codeName": "Event triggered", "timeRange": [stamp], "comment": "fire outbreak",
                "param": {"chid": 1, "uid": "admin", "title": "fire%20outbreak", "comment": {"tel": "119"},
                          "videoURLs": answer["videoURLs"], "preAlarm": 2, "postAlarm": 3, "notRecording": [1, 2]}}
            saved = sorted(system_messages(ws, 41, 2), key=lambda m: m["param"]["chid"])

            for chid, message, video_url in zip((1, 2), saved, answer["videoURLs"], strict=True):
                frames = expected_frames(footage, chid, ts - pre, ts + post)
                assert frames[0] <= ts - pre < frames[0] + footage.gop_frames * footage.frame_ms  # pre-alarm, one GOP
                assert frames[-1] < ts + post <= frames[-1] + footage.frame_ms  # post-alarm up to its last frame
                got = httpx.get(server.url + video_url, auth=AUTH)
                assert (got.status_code, got.headers["content-type"]) == (200, "video/mp4")
                assert message["param"] == {
                    "eventId": answer["eventId"], "chid": chid, "videoURL": quote(video_url, safe=""),
                    "size": len(got.content),
                    "timeRange": [format_ms(frames[0], NY), format_ms(frames[-1] + footage.frame_ms, NY)]}
                assert message["comment"] == video_url.rsplit("/", 1)[1]
                path = tmp_path / f"got{chid}.mp4"
                path.write_bytes(got.content)
                times, decoded = file_frames(path)
                assert decoded == len(frames)  # every frame, playable from the first
                assert times == [t - frames[0] for t in frames]  # the recording's timeline, from its keyframe
                ranged = httpx.get(server.url + video_url, auth=AUTH, headers={"Range": "bytes=0-99"})
                assert (ranged.status_code, ranged.content) == (206, got.content[:100])
                assert httpx.get(server.url + video_url).status_code == 401

            found = httpx.get(f"{server.url}/api/find", auth=AUTH,
                              params={"what": "eventLog", "type": 0, "maxCount": 50}).json()["data"]
            # newest first: the saved rows now, the event at its time (the footage's, before this start)
            assert [(i["id"], i["code"], i.get("comment")) for i in found if i["code"] in (40, 41)] == [
                (m["id"], 41, m["comment"]) for m in sorted(saved, key=lambda m: -m["id"])] + [
                (answer["eventId"], 40, "fire outbreak")]
            assert next(i for i in found if i["code"] == 40) == {
                k: v for k, v in triggered.items() if k != "topic"}

            # the same second again: "(2)"; then a storage limit the next backup would pass
            again = httpx.put(f"{server.url}{TRIGGER}", auth=AUTH, json={
                "chid": 2, "timestamp": stamp, "tasks": [{"command": "eventBackup", "preAlarm": 1, "postAlarm": 1}]})
            assert again.json()["videoURLs"] == [f"{folder}/ch2-{name}(2).mp4"]
            [saved_again] = system_messages(ws, 41, 1)
            assert saved_again["param"]["eventId"] == again.json()["eventId"]
            write_settings(data, event_storage_max_bytes=sum(m["param"]["size"] for m in saved) + 1000)
            system_messages(ws, 10, 1)  # settings reloaded
            full = httpx.put(f"{server.url}{TRIGGER}", auth=AUTH, json={
                "chid": 1, "tasks": [{"command": "eventBackup", "preAlarm": "1m", "postAlarm": 0}],
                "timestamp": format_ms(ts + 1000, NY)}).json()
            [failed] = system_messages(ws, 42, 1)
            assert failed["param"] == {"eventId": full["eventId"], "chid": 1, "reason": "event%20storage%20full",
                                       "videoURL": quote(full["videoURLs"][0], safe="")}
            assert failed["comment"] == "CH1: event storage full"

        capsys.readouterr()
        assert tsnvr_main(["--data", str(data), "event-storage", "list", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(b["eventId"], b["chid"], b["state"], b["size"]) for b in listed] == [
            (answer["eventId"], 1, "saved", saved[0]["param"]["size"]),
            (answer["eventId"], 2, "saved", saved[1]["param"]["size"]),
            (again.json()["eventId"], 2, "saved", saved_again["param"]["size"]),
            (full["eventId"], 1, "failed", 0)]
        assert tsnvr_main(["--data", str(data), "event-storage", "delete", str(answer["eventId"])]) == 0
        for video_url in answer["videoURLs"]:
            assert httpx.get(server.url + video_url, auth=AUTH).status_code == 404
        assert httpx.get(server.url + again.json()["videoURLs"][0], auth=AUTH).status_code == 200
    finally:
        server.stop()


def test_a_channel_that_records_is_not_listed_as_not_recording(nvr):
    runtime, client = nvr
    with runtime.db.write() as s:  # added behind the recorder's back, so only this test reports its state
        s.add(Channel(chid=9, type="file", source="missing-9.mp4", created_ms=1))
    runtime.bus.publish(RecordingStatusEvent((ChannelRecording(9, streaming=True, recording=True),)))
    answer = client.put(TRIGGER, auth=AUTH, json={"chid": 9, "tasks": [
        {"command": "eventBackup", "preAlarm": 1, "postAlarm": 1, "chids": [1]}]}).json()
    [entry] = rows(runtime.db, SystemCode.EVENT_TRIGGERED)
    assert entry.id == answer["eventId"] and json.loads(entry.param)["notRecording"] == [1]


def test_the_clip_holding_the_event_is_kept_when_a_gap_splits_the_copy(tmp_path: Path):
    def clip(begin: int, end: int) -> Clip:
        return Clip(path=tmp_path / f"{begin}.mp4", chid=1, begin_ms=begin, end_ms=end, size=1, frames=1)

    first, second, third = clip(0, 4_000), clip(20_000, 30_000), clip(45_000, 50_000)
    assert kept_clip([first, second, third], 25_000) is second
    assert kept_clip([first, second, third], 4_000) is first  # none holds it: the nearest
    assert kept_clip([first, second, third], 40_000) is third


def test_a_backup_that_would_pass_the_storage_limit_is_deleted(footage: Footage, tmp_path: Path, monkeypatch):
    """The limit is checked again with the file's real size (the estimate made 0 here, so only that check
    can refuse it): the file is deleted, nothing is left, and the event log says why."""
    data = tmp_path / "data"
    shutil.copytree(footage.data_dir, data)
    write_settings(data, event_storage_max_bytes=1)
    monkeypatch.setattr("tsnvr.event_backup.estimated_bytes", lambda *_args: 0)
    runtime = Runtime(settings_file.load(data, env={}))
    ts = footage.span(1)[0] + 6_000
    with TestClient(runtime.app) as client:
        answer = client.put(TRIGGER, auth=AUTH, json={"chid": 1, "timestamp": format_ms(ts, NY), "tasks": [
            {"command": "eventBackup", "preAlarm": 2, "postAlarm": 2}]}).json()
        [failed] = wait_until(lambda: rows(runtime.db, SystemCode.EVENT_BACKUP_FAILED))
    assert json.loads(failed.param) == {"eventId": answer["eventId"], "chid": 1, "reason": "event storage full",
                                        "videoURL": answer["videoURLs"][0]}
    assert [p for p in (data / "event-storage").rglob("*") if p.is_file()] == []
    runtime.db.dispose()
