"""/wsapi/dataExport and /download/{task}/{file}: a real server (uvicorn in a thread) on a copy of the
session's recorded footage, a real WebSocket client speaking the guide's protocol the way its ex4
page does, and the downloaded files checked with PyAV, pyzipper and md5."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import av
import httpx
import pytest
import pyzipper  # type: ignore[import-untyped]  # ships no type information
from sqlmodel import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

import recorder.export.task as task_module
from storage import users
from storage.models import EventLogEntry
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, b64, make_runtime, served, write_settings
from tests.export_footage import Footage
from tsnvr.server import Runtime
from web.core.timefmt import format_ms
from web.export.live_tasks import live_tasks, tasks_root

NY = ZoneInfo("America/New_York")
TTL_S = 2.2  # timeoutAlert 0.2 s after fileEnd, timeout at 2.2 s
ALERT = {"request": "timeoutAlert", "ttl": 2000, "stage": "timeoutAlert"}  # the guide's, and ex4's msg.stage


@pytest.fixture(scope="module")
def server(footage: Footage, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("ws_export") / "data"
    shutil.copytree(footage.data_dir, data_dir)
    write_settings(data_dir, export_file_ttl_seconds=TTL_S)
    runtime = make_runtime(data_dir)
    with served(runtime) as port:
        yield Server(runtime, port, footage)


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
    """Presentation times (s) of every decoded frame, which must play from the first: a keyframe at 0."""
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(video=0))
    assert frames and frames[0].key_frame
    times = [float(f.time or 0) for f in frames]
    assert times[0] == 0.0
    return times


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
        assert ready == {"stage": "ready", "status": {"code": 0, "message": "Correcto"}, "task": {
            "id": client.task, "ch": [1, 2], "timeRange": [format_ms(begin, NY), format_ms(end, NY)],
            "mediaSize": 524288, "subtitleFormat": "VTT", "language": "es-ES"}}
        assert uuid.UUID(client.task).version == 4
        assert client.recv() == {"stage": "begin", "overallProgress": "0%", "timestamp": format_ms(begin, NY)}
        files: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for chid in (1, 2):
            channel_begin = client.until("channelBegin")
            assert channel_begin["channel"] == {"chid": chid, "progress": "0%"}
            before = sum(covered(footage, c, begin, end) for c in (1, 2) if c < chid)
            assert channel_begin["overallProgress"] == f"{before * 100 // total}%"
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
            done = before + covered(footage, chid, begin, end)
            assert message["overallProgress"] == f"{done * 100 // total}%"  # the channel counted once
            assert message["timestamp"] == format_ms(end, NY)
        end_message = client.stage()
        assert end_message == {"stage": "end", "overallProgress": "100%", "timestamp": format_ms(end, NY),
                               "status": {"code": 0, "message": "Correcto"}}  # lang=es-ES
        assert client.closed_code() == 1000
    for chid in (1, 2):
        assert len(files[chid]) == 3  # about 1 MB recorded per channel, 512 KB per file
        decoded = [frames_of(f["body"]) for f in files[chid]]
        first = max(k for k in footage.keyframes(chid) if k <= begin)
        expected = [t for t in footage.frames(chid) if first <= t < end]
        assert sum(len(d) for d in decoded) == len(expected)
        for times in decoded:  # each frame where the recording has it (within half a frame): no gap
            chunk, expected = expected[:len(times)], expected[len(times):]
            recorded = [(wall - chunk[0]) / 1000 for wall in chunk]
            assert all(abs(t - r) < footage.frame_ms / 2000 for t, r in zip(times, recorded, strict=True))
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


# -- commands: wait, next twice, garbage, silence ----------------------------------------------------

def test_a_second_next_skips_nothing_wait_restarts_the_ttl_and_silence_times_out(
        server: Server, slow_files: Callable[[float], None]) -> None:
    slow_files(0.25)
    begin, end = server.footage.span(1)
    with server.export(timeBegin=format_ms(begin, NY), timeEnd=format_ms(end, NY), ch="1", mediaSize="512KB",
                       statusInterval="100ms") as client:
        assert client.recv()["status"]["code"] == 0
        assert [client.recv()["stage"] for _ in range(3)] == ["begin", "channelBegin", "fileBegin"]
        writing = client.recv()
        assert writing["stage"] == "fileWriting" and writing["channel"]["file"] == {"fid": 1}
        assert client.until("fileEnd")["channel"]["file"]["fid"] == 1
        for garbage in ("not json", "{", "[]", json.dumps({"task": str(uuid.uuid4()), "cmd": "next"}),
                        json.dumps({"task": client.task, "cmd": "skip"})):
            client.ws.send(garbage)
        client.command("next")
        client.command("next")  # as ex4 may: it arrives while the second file is being made
        assert client.until("fileBegin")["channel"]["file"]["fid"] == 2
        second_end = client.until("fileEnd")
        assert second_end["channel"]["file"]["fid"] == 2
        ended_at = time.monotonic()
        src = second_end["channel"]["file"]["download"][0]["src"]
        assert download(server, src).status_code == 200
        assert client.recv() == ALERT
        assert 0.1 < time.monotonic() - ended_at < 1.0
        time.sleep(max(0.0, ended_at + TTL_S - 0.4 - time.monotonic()))
        client.command("wait")  # 0.4 s before the ttl runs out: it starts again
        waited_at = time.monotonic()
        assert client.recv() == ALERT  # the new ttl's
        assert client.stage() == {"stage": "end", "overallProgress": second_end["overallProgress"],
                                  "timestamp": second_end["timestamp"],
                                  "status": {"code": -1004, "message": "Task terminated by timeout: no command "
                                                                       "within the ttl"}}
        assert TTL_S - 0.1 < time.monotonic() - waited_at < TTL_S + 1  # the second ttl, not the first
        assert client.closed_code() == 1000
    assert download(server, src).status_code == 404
    assert server.no_task_left()


# -- cancel, and a client that goes away ------------------------------------------------------------

def test_cancel_mid_file_and_after_a_file_and_a_closed_socket_leave_nothing(
        server: Server, slow_files: Callable[[float], None]) -> None:
    slow_files(0.5)
    begin, end = server.footage.span(2)
    params = {"timeBegin": local(begin), "timeEnd": local(end + 1000), "ch": "2", "mediaSize": "512KB",
              "subtitleFormat": "SRT"}
    with server.export(**params) as client:
        client.until("fileBegin")
        asked = time.monotonic()
        client.command("cancel")  # while the file is being written
        end_message = client.stage()
        assert end_message["stage"] == "end" and end_message["status"]["code"] == -1003
        assert time.monotonic() - asked < 0.5 + 0.3
        assert client.closed_code() == 1000
    assert wait_for(server.no_task_left)

    with server.export(**params) as client:
        file_end = client.until("fileEnd")
        video, subtitles = file_end["channel"]["file"]["download"]
        assert subtitles["fileName"] == video["fileName"][:-4] + ".srt"
        srt = download(server, subtitles["src"]).content
        assert srt.startswith(b"1") and b" --> " in srt
        assert download(server, video["src"]).status_code == 200
        work_dir = tasks_root(server.data_dir) / client.task
        assert sorted(p.name for p in work_dir.iterdir()) == sorted([video["fileName"], subtitles["fileName"]])
        client.command("cancel")
        assert client.stage()["status"]["code"] == -1003
    assert download(server, video["src"]).status_code == 404
    assert not work_dir.exists() and wait_for(server.no_task_left)

    with server.export(**params) as client:
        client.until("fileBegin")
        assert server.work_dirs() == [client.task]
        client.ws.close()  # mid-file
    assert wait_for(server.no_task_left)


def wait_for(check: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# -- password ---------------------------------------------------------------------------------------

def test_a_password_seals_each_file_in_an_aes_zip_with_its_md5(server: Server) -> None:
    keyframes = server.footage.keyframes(2)
    password = "pässwörd 1+2/3"
    secret = base64.b64encode(password.encode()).decode()
    with server.export(timeBegin=format_ms(keyframes[1], NY), timeEnd=format_ms(keyframes[4], NY), ch="2",
                       subtitleFormat="SMI", md5="true", password=secret, lang="zh-TW") as client:
        file_end = client.until("fileEnd")
        downloads = file_end["channel"]["file"]["download"]
        stem = name_of(2, keyframes[1])[:-4]
        assert [d["fileName"] for d in downloads] == [f"{stem}.mp4.zip", f"{stem}.smi.zip"]
        bodies = []
        for item in downloads:
            assert item["src"].endswith("/" + item["fileName"])
            body = download(server, item["src"]).content
            assert hashlib.md5(body).hexdigest() == item["md5"]
            bodies.append(body)
        client.command("next")
        assert client.until("end")["status"]["code"] == 0
    for body, inner in zip(bodies, (f"{stem}.mp4", f"{stem}.smi"), strict=True):
        with pyzipper.AESZipFile(io.BytesIO(body)) as archive:
            assert archive.namelist() == [inner]
            with pytest.raises(RuntimeError):
                archive.read(inner)  # no password
            with pytest.raises(RuntimeError):
                archive.read(inner, pwd=b"wrong")
            content = archive.read(inner, pwd=password.encode())
        if inner.endswith(".mp4"):
            assert len(frames_of(content)) == 3 * server.footage.gop_frames
        else:  # lang=zh-TW, one of the ex4 page's languages without a message catalogue: Chinese subtitles
            year = datetime.fromtimestamp(keyframes[1] / 1000, NY).year
            text = content.decode()
            assert "<SAMI>" in text.upper() and f"{year}年" in text and "月" in text and "日" in text, text


# -- refusals, parameters, codes --------------------------------------------------------------------

def refusal(server: Server, **params: str) -> tuple[int, str]:
    """An accepted socket closed at once, with nothing sent before."""
    url = f"ws://127.0.0.1:{server.port}/wsapi/dataExport?{urlencode(params)}"
    with connect(url, open_timeout=5) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_users_without_the_rights_are_refused(server: Server) -> None:
    begin, end = server.footage.span(1)
    times = {"timeBegin": format_ms(begin, NY), "timeEnd": format_ms(end, NY)}
    assert refusal(server, **times) == (1008, "authentication required: sign in, or pass auth= or HTTP "
                                              "Basic credentials")
    assert refusal(server, auth=b64("nobody", "wrong"), **times) == (1008, "wrong user id or password")
    viewer = server.add_user("viewer", "Remote,Playback")
    assert refusal(server, auth=viewer, **times) == (1008, "user 'viewer' lacks the DataExport right")
    clerk = server.add_user("clerk", "Remote,DataExport")  # may play no channel
    assert refusal(server, auth=clerk, ch="1", **times) == (1008, "user 'clerk' lacks the Playback right")


def test_each_socket_signs_in_by_basic_or_session_too(server: Server) -> None:
    times = urlencode({"timeBegin": "2001-01-01T00:00:00", "timeEnd": "2001-01-01T01:00:00"})
    url = f"ws://127.0.0.1:{server.port}/wsapi/dataExport?{times}"
    with connect(url, additional_headers={"Authorization": f"Basic {ADMIN_AUTH}"}, open_timeout=5) as ws:
        assert json.loads(ws.recv(5))["status"]["code"] == -1
    signed_in = httpx.get(f"{server.url}/api/auth", params={"login": ADMIN_AUTH})
    token = signed_in.cookies["tsnvr_session"]
    with connect(f"{url}&session={token}", open_timeout=5) as ws:
        assert json.loads(ws.recv(5))["status"]["code"] == -1


def ready_of(server: Server, **params: str) -> dict[str, Any]:
    with server.export(**params) as client:
        ready = client.recv()
        assert ready["stage"] == "ready"
        if ready["status"]["code"] != 0:
            assert client.closed_code() == 1000
        else:
            client.command("cancel")
            assert client.stage()["stage"] == "begin"
            assert client.until("end")["status"]["code"] == -1003
    return ready


@pytest.mark.parametrize(("params", "says"), [
    ({"timeBegin": ""}, "timeBegin is required"),
    ({"timeEnd": "yesterday"}, "timeEnd: 'yesterday' is not an ISO 8601 date-time"),
    ({"timeBegin": "2026-02-30T00:00:00"}, "timeBegin: '2026-02-30T00:00:00': day is out of range"),
    ({"timeEnd": "BEGIN"}, "timeEnd must be later than timeBegin"),
    ({"ch": "99"}, "ch: no channel 99"),
    ({"ch": "1,x"}, "ch must be numbers separated by commas"),
    ({"subtitleFormat": "ASS"}, "subtitleFormat 'ASS': one of VTT, SRT, SMI, None"),
    ({"mediaSize": "12XB"}, "mediaSize '12XB': a size such as 500MB"),
    ({"mediaSize": "63KB"}, "mediaSize '63KB': at least 64KB"),
    ({"statusInterval": "0ms"}, "statusInterval '0ms': more than 0"),
    ({"statusInterval": "soon"}, "statusInterval 'soon': an interval such as 1s or 500ms"),
    ({"password": "%%%"}, "password must be the password in base64"),
    ({"md5": "maybe"}, "md5 must be true or false"),
    ({"purpose": "x" * 4097}, "purpose is longer than 4096 characters"),
])
def test_invalid_parameters_are_answered_minus_2(server: Server, params: dict[str, str], says: str) -> None:
    begin, end = server.footage.span(1)
    query = {"timeBegin": format_ms(begin, NY), "timeEnd": format_ms(end, NY), **params}
    if query["timeEnd"] == "BEGIN":
        query["timeEnd"] = query["timeBegin"]
    ready = ready_of(server, **query)
    assert ready["status"]["code"] == -2 and "task" not in ready
    assert ready["status"]["message"].startswith(f"Invalid parameters: {says}"), ready


def test_times_in_each_iso_form_no_data_and_no_space(server: Server) -> None:
    begin, end = server.footage.span(1)
    utc = datetime.fromtimestamp(begin / 1000, ZoneInfo("UTC"))
    seoul = datetime.fromtimestamp(end / 1000 + 1, ZoneInfo("Asia/Seoul"))
    ready = ready_of(server, timeBegin=utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 10000:02d}Z",
                     timeEnd=seoul.strftime("%Y-%m-%d %H:%M:%S+09:00") + "\r\n", ch="2", subtitleFormat="none",
                     mediaSize="1.5GB", statusInterval="2s", lang="ko")
    assert ready["status"]["code"] == 0
    assert ready["task"]["timeRange"] == [format_ms(begin // 10 * 10, NY), format_ms((end // 1000 + 1) * 1000, NY)]
    assert ready["task"]["timeRange"][0].endswith("-05:00")  # the server's offset, whatever the client wrote
    assert (ready["task"]["ch"], ready["task"]["mediaSize"]) == ([2], 1610612736)
    assert (ready["task"]["subtitleFormat"], ready["task"]["language"]) == ("None", "ko-KR")

    chinese = ready_of(server, timeBegin=format_ms(begin, NY), timeEnd=format_ms(end, NY), lang="zh-CN")
    assert (chinese["task"]["language"], chinese["status"]["message"]) == ("zh-CN", "Success")

    nothing = ready_of(server, timeBegin="2001-01-01T00:00:00", timeEnd="2001-01-01T01:00:00")
    assert nothing["status"] == {"code": -1, "message": "No data in the requested time range and channels: no "
                                                        "recorded video in the time range on the requested channels"}
    assert nothing["task"]["ch"] == [1, 2]  # none asked: every channel
    assert server.no_task_left()

    settings = server.runtime.services.settings
    server.runtime.services.settings = settings.model_copy(update={"retention_min_free_bytes": 1 << 62})
    try:
        full = ready_of(server, timeBegin=format_ms(begin, NY), timeEnd=format_ms(end, NY))
    finally:
        server.runtime.services.settings = settings
    assert full["status"]["code"] == -5 and full["status"]["message"].startswith("Out of storage space: ")
    assert server.no_task_left()


def test_downloads_need_a_live_task_a_well_formed_name_and_credentials(server: Server) -> None:
    task = str(uuid.uuid4())
    assert httpx.get(f"{server.url}/download/{task}/CH1.mp4?auth={ADMIN_AUTH}").status_code == 404
    answer = httpx.get(f"{server.url}/download/not-a-task/CH1.mp4?auth={ADMIN_AUTH}")
    assert answer.status_code == 400 and answer.json() == {"code": 400, "message": "'not-a-task' is not an export "
                                                                                   "task id"}
    assert httpx.get(f"{server.url}/download/{task}/.hidden?auth={ADMIN_AUTH}").status_code == 400
    assert httpx.get(f"{server.url}/download/{task}/..%2Ftsnvr.db?auth={ADMIN_AUTH}").status_code in (400, 404)
    unsigned = httpx.get(f"{server.url}/download/{task}/CH1.mp4")
    assert unsigned.status_code == 401 and unsigned.headers["www-authenticate"].startswith("Basic")
    begin, end = server.footage.span(1)
    with server.export(timeBegin=format_ms(begin, NY), timeEnd=format_ms(begin + 2000, NY), ch="1") as client:
        video = client.until("fileEnd")["channel"]["file"]["download"][0]
        # the guide's own form of the link: "&auth=" straight after the name
        assert httpx.get(f"{video['src']}&auth={ADMIN_AUTH}").status_code == 200
        basic = httpx.get(video["src"], auth=("admin", ADMIN_PASSWORD))
        assert basic.status_code == 200 and basic.headers["content-type"] == "video/mp4"
        other = server.add_user("other", "Remote,Playback,DataExport")
        assert httpx.get(f"{video['src']}?auth={other}").status_code == 404  # not their task
        client.command("next")
        assert client.until("end")["status"]["code"] == 0


def test_tasks_past_the_concurrency_limit_wait_their_turn_and_a_disk_filling_up_ends_minus_1001(
        server: Server, slow_files: Callable[[float], None]) -> None:
    slow_files(0.6)
    limiter = live_tasks(server.runtime.app).limiter
    limiter.total_tokens = 1
    stack = ExitStack()
    begin, end = server.footage.span(1)
    params = {"timeBegin": format_ms(begin, NY), "timeEnd": format_ms(end, NY), "ch": "1", "mediaSize": "512KB"}
    try:
        with server.export(**params) as first:
            first.until("fileBegin")  # it holds the one token while its file is made (0.6 s)
            second = stack.enter_context(server.export(**params))
            third = stack.enter_context(server.export(**params))
            for waiting in (second, third):
                assert waiting.until("channelBegin")["channel"]["chid"] == 1
            second.command("cancel")  # while it waits for its turn
            assert second.stage()["status"]["code"] == -1003
            with pytest.raises(TimeoutError):
                third.recv(0.1)  # still waiting
            file_end = first.until("fileEnd")
            assert third.until("fileBegin")["channel"]["file"]["fid"] == 1  # the turn passed on
            third.command("cancel")
            assert third.stage()["status"]["code"] == -1003

            task = live_tasks(server.runtime.app).tasks[first.task].task
            task.settings = task.settings.model_copy(update={"retention_min_free_bytes": 1 << 62})
            first.command("next")
            stopped = first.stage()
            assert stopped["stage"] == "end" and stopped["status"]["code"] == -1001
            assert stopped["timestamp"] == file_end["timestamp"]
            assert stopped["status"]["message"].startswith("Not enough space to save: ")
    finally:
        stack.close()
        limiter.total_tokens = server.runtime.settings.export_concurrent_tasks
    assert wait_for(server.no_task_left)
