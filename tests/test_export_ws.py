"""/wsapi/dataExport and /download/{task}/{file}: a real server (uvicorn in a thread) on a copy of the
session's recorded footage, a real WebSocket client speaking the guide's protocol the way its ex4
page does, and the downloaded files checked with PyAV, pyzipper and md5."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import av
import httpx
import pytest
import uvicorn
from sqlmodel import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

import recorder.export.task as task_module
from storage import users
from storage.models import EventLogEntry
from tests.conftest import ADMIN_AUTH, b64, free_port, make_runtime, write_settings
from tests.export_footage import Footage
from tsnvr.server import Runtime
from web.core.timefmt import format_ms
from web.export.live_tasks import live_tasks, tasks_root

NY = ZoneInfo("America/New_York")
TTL_S = 2.2  # timeoutAlert 0.2 s after fileEnd, timeout at 2.2 s
MB = 1 << 20


@pytest.fixture(scope="module")
def server(footage: Footage, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("ws_export") / "data"
    shutil.copytree(footage.data_dir, data_dir)
    write_settings(data_dir, export_file_ttl_seconds=TTL_S)
    runtime = make_runtime(data_dir)
    port = free_port()
    config = uvicorn.Config(runtime.app, host="127.0.0.1", port=port, log_config=None, lifespan="on",
                            ws_ping_interval=None)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield Server(runtime, port, footage)
    finally:
        uv.should_exit = True
        thread.join(10)


class Server:
    def __init__(self, runtime: Runtime, port: int, footage: Footage) -> None:
        self.runtime, self.port, self.footage = runtime, port, footage
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = runtime.settings.data_dir

    @contextmanager
    def export(self, **params: str) -> Iterator[Exporter]:
        query = {"auth": ADMIN_AUTH, **params}
        with connect(f"ws://127.0.0.1:{self.port}/wsapi/dataExport?{urlencode(query)}", open_timeout=5) as ws:
            yield Exporter(ws)

    def add_user(self, uid: str, rights: str) -> str:
        users.add(self.runtime.db, uid, "pw-" + "x" * 8, users.rights_mask(rights))
        return b64(uid, "pw-" + "x" * 8)

    def work_dirs(self) -> list[str]:
        root = tasks_root(self.data_dir)
        return sorted(p.name for p in root.iterdir()) if root.is_dir() else []

    def no_task_left(self) -> bool:
        return not self.work_dirs() and not live_tasks(self.runtime.app).tasks


class Exporter:
    """A client of one export, as the guide's ex4 page: it answers timeoutAlert with wait."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.task = ""
        self.seen: list[dict[str, Any]] = []

    def recv(self, timeout: float = 10) -> dict[str, Any]:
        message = json.loads(self.ws.recv(timeout))
        self.seen.append(message)
        if message.get("stage") == "ready" and "task" in message:
            self.task = message["task"]["id"]
        return message

    def stage(self) -> dict[str, Any]:
        """The next stage message; a timeoutAlert on the way (the downloads here may take longer than
        the 0.2 s before it) is passed over."""
        while True:
            message = self.recv()
            if message.get("request") != "timeoutAlert":
                return message

    def until(self, stage: str) -> dict[str, Any]:
        while True:
            message = self.stage()
            if message["stage"] == stage:
                return message
            assert message["stage"] != "end", message

    def command(self, cmd: str, task: str | None = None) -> None:
        self.ws.send(json.dumps({"task": self.task if task is None else task, "cmd": cmd}))

    def closed_code(self) -> int:
        with pytest.raises(ConnectionClosed) as closed:
            self.recv(5)
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code


def local(ms: int) -> str:
    """The ex4 page's datetime-local value: server-local time, no offset, whole seconds."""
    return datetime.fromtimestamp(ms / 1000, NY).strftime("%Y-%m-%dT%H:%M:%S")


def whole_second(ms: int) -> int:
    return ms // 1000 * 1000


def covered(footage: Footage, chid: int, begin_ms: int, end_ms: int) -> int:
    return sum(max(0, min(s.end_ms, end_ms) - max(s.begin_ms, begin_ms)) for s in footage.segments[chid])


def name_of(chid: int, ms: int) -> str:
    return f"CH{chid}.{datetime.fromtimestamp(ms / 1000, NY).strftime('%Y-%m-%dT%H.%M.%S')}.mp4"


def download(server: Server, src: str, **headers: str) -> httpx.Response:
    # as ex4 asks for it: the src with ?auth=
    return httpx.get(f"{src}?auth={ADMIN_AUTH}", headers=headers, timeout=10)


def frames_of(data: bytes) -> list[float]:
    """Presentation times (s) of every decoded frame; the first must decode."""
    with av.open(io.BytesIO(data)) as container:
        return [float(f.time or 0) for f in container.decode(video=0)]


@pytest.fixture
def slow_files(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Each file takes at least `seconds` to make (a slow disk): time for fileWriting, and for a
    cancel or a close to land while a file is being written."""

    def slow(seconds: float) -> None:
        real = task_module.write_clips

        def write_clips(*args: Any, name: Callable[[int, int], str], **kwargs: Any) -> Iterator[Any]:
            def slow_name(chid: int, first_ms: int) -> str:
                chosen = name(chid, first_ms)  # fileBegin has gone out
                time.sleep(seconds)
                return chosen

            return real(*args, name=slow_name, **kwargs)

        monkeypatch.setattr(task_module, "write_clips", write_clips)

    return slow


# -- a whole export --------------------------------------------------------------------------------

def test_a_whole_export_through_every_stage_with_next(server: Server) -> None:
    footage = server.footage
    span_begin, span_end = footage.span(1)
    begin = whole_second(footage.keyframes(1)[0]) + 1000  # between the first two keyframes
    end = whole_second(span_end) + 1000
    first_frame = max(k for k in footage.keyframes(1) if k <= begin)
    total = covered(footage, 1, begin, end) + covered(footage, 2, begin, end)
    purpose = "cold\r\nand hungry"
    with server.export(timeBegin=local(begin) + "\r\n", timeEnd=local(end) + "\r\n", ch="1,2",
                       subtitleFormat="vtt", mediaSize="512KB", md5="true", lang="es-ES",
                       submitter="Begger", recipient="Prince", purpose=purpose) as client:
        ready = client.recv()
        assert ready == {"stage": "ready", "status": {"code": 0, "message": "Success"}, "task": {
            "id": client.task, "ch": [1, 2], "timeRange": [format_ms(begin, NY), format_ms(end, NY)],
            "mediaSize": 524288, "subtitleFormat": "VTT", "language": "es-ES"}}
        assert uuid.UUID(client.task).version == 4
        assert client.recv() == {"stage": "begin", "overallProgress": "0%", "timestamp": format_ms(begin, NY)}
        files: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for chid in (1, 2):
            channel_begin = client.until("channelBegin")
            assert channel_begin["channel"] == {"chid": chid, "progress": "0%"}
            assert channel_begin["timestamp"] == format_ms(begin, NY)
            while True:
                message = client.stage()
                if message["stage"] == "channelEnd":
                    break
                assert message["stage"] == "fileBegin", message
                fid = message["channel"]["file"]["fid"]
                assert fid == sum(len(f) for f in files.values()) + 1
                if chid == 1 and not files[1]:
                    assert message["timestamp"] == format_ms(first_frame, NY)
                    assert message["channel"]["file"]["name"] == name_of(1, first_frame)
                file_end = client.until("fileEnd")
                file = file_end["channel"]["file"]
                assert file["fid"] == fid and file["ttl"] == round(TTL_S * 1000)
                position = datetime.fromisoformat(file_end["timestamp"]).timestamp() * 1000
                done = sum(covered(footage, c, begin, end) for c in (1, 2) if c < chid) + covered(
                    footage, chid, begin, min(round(position), end))
                assert file_end["overallProgress"] == f"{done * 100 // total}%"
                video, subtitles = file["download"]
                stem = message["channel"]["file"]["name"][:-4]
                assert [video["fileName"], subtitles["fileName"]] == [f"{stem}.mp4", f"{stem}.vtt"]
                for item in (video, subtitles):
                    assert item["src"] == f"{server.url}/download/{client.task}/{item['fileName']}"
                    body = download(server, item["src"])
                    assert body.status_code == 200, body.text
                    assert hashlib.md5(body.content).hexdigest() == item["md5"]
                    item["body"] = body.content
                assert len(video["body"]) <= 512 * 1024
                assert subtitles["body"].startswith(b"WEBVTT")
                partial = download(server, video["src"], Range="bytes=100-199")
                assert partial.status_code == 206 and partial.content == video["body"][100:200]
                files[chid].append(video)
                client.command("next")
            assert message["channel"] == {"chid": chid, "progress": "100%"}
            assert message["timestamp"] == format_ms(end, NY)
        end_message = client.stage()
        assert end_message == {"stage": "end", "overallProgress": "100%", "timestamp": format_ms(end, NY),
                               "status": {"code": 0, "message": "Success"}}
        assert client.closed_code() == 1000
    for chid in (1, 2):
        assert len(files[chid]) == 3  # about 1 MB recorded per channel, 512 KB per file
        decoded = [frames_of(f["body"]) for f in files[chid]]
        expected = [t for t in footage.frames(chid) if first_frame <= t < end]
        assert sum(len(d) for d in decoded) == len(expected)
    assert download(server, files[1][0]["src"]).status_code == 404  # the task has ended
    assert server.no_task_left()
    with server.runtime.db.read() as s:
        row = s.exec(select(EventLogEntry).where(EventLogEntry.type == 1, EventLogEntry.code == 12)
                     .order_by(EventLogEntry.id.desc())).first()  # type: ignore[union-attr]
    assert row is not None
    param = json.loads(row.param or "{}")
    assert param["uid"] == "admin" and param["ch"] == [1, 2] and param["task"] == client.task
    assert (param["submitter"], param["recipient"], param["purpose"]) == ("Begger", "Prince", purpose)
    assert param["timeRange"] == [format_ms(begin, NY), format_ms(end, NY)]
