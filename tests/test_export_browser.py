"""The guide's ex4 export page in a real browser: Debian's headless Chromium (driven by playwright-core from
npm, tests/browser/ex4_export.mjs) runs tests/browser/ex4_export.html, the guide's page with test hooks,
served from another origin than the server, against a real `tsnvr serve` on a copy of the session's
recorded footage. It exports two channels with SRT subtitles and md5 sums in several files each, downloads
every file by XMLHttpRequest across origins (CORS) and saves it as the browser's download."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import httpx
import pytest

from storage import segments
from storage import settings as settings_file
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, REPO, LiveServer
from tests.export_footage import Footage
from tests.needs import needs_browser, needs_rtsp
from tsnvr.database import open_database
from web.core.context import local_zone

PAGE_DIR = REPO / "tests" / "browser"
DRIVER = PAGE_DIR / "ex4_export.mjs"
MEDIA_SIZE = 800 << 10  # mediaSize=800KB: a channel's footage (about 1.1 MB) takes two files, no more (time)
FILE_NAME = re.compile(r"^CH(\d+)\.\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d\.mp4$")

pytestmark = [needs_browser, needs_rtsp]


class PageHandler(SimpleHTTPRequestHandler):
    """Serves tests/browser/ quietly; no favicon (204), so the browser logs no 404 for it."""

    def do_GET(self) -> None:
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_origin() -> Iterator[str]:
    """tests/browser/ served by another HTTP server than tsnvr: another origin, as the vendor's page is."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(PageHandler, directory=str(PAGE_DIR)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def encode_uri_component(text: str) -> str:
    """JavaScript's encodeURIComponent."""
    return quote(text, safe="!'()*")


def local_input(ms: int, tz: ZoneInfo) -> str:
    """A datetime-local input's value for the whole second `ms` (Chromium leaves out ":00" seconds)."""
    value = datetime.fromtimestamp(ms / 1000, tz).strftime("%Y-%m-%dT%H:%M:%S")
    return value.removesuffix(":00")


def ms_of(iso: str) -> int:
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def percent(text: str) -> int:
    assert re.fullmatch(r"\d{1,3}%", text), text
    return int(text[:-1])


def recorded_range(data_dir: Path, chids: list[int]) -> tuple[int, int, int, ZoneInfo]:
    """Whole seconds around all the channels' recordings (begin_ms, end_ms), the fewest bytes a channel
    recorded, and the server's time zone (datetime-local values are in it)."""
    settings = settings_file.load(data_dir, env={})
    db = open_database(settings)
    try:
        rows = {chid: segments.channel_segments(db, chid) for chid in chids}
    finally:
        db.dispose()
    assert all(rows.values()), {chid: len(r) for chid, r in rows.items()}
    begin_ms = min(r[0].begin_ms for r in rows.values()) // 1000 * 1000
    end_ms = -(-max(r[-1].end_ms for r in rows.values()) // 1000) * 1000
    tz = ZoneInfo(settings.timezone) if settings.timezone else local_zone()
    return begin_ms, end_ms, min(sum(s.size for s in r) for r in rows.values()), tz


def run_page(page_url: str, out_dir: Path, form: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(["node", str(DRIVER), page_url, str(out_dir), json.dumps(form)], cwd=REPO,
                          capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stderr
    (out_dir.parent / "ex4-report.json").write_text(done.stdout)  # for a look after a failure
    return json.loads(done.stdout)


def check_stage_order(messages: list[dict[str, Any]], chids: list[int]) -> list[dict[str, Any]]:
    """The stages in the guide's order: ready, begin, per channel channelBegin, (fileBegin, fileWriting...,
    fileEnd) one or more times, channelEnd, then end. Returns the fileEnd messages."""
    stages = [m.get("stage", m.get("request")) for m in messages]
    assert stages[:2] == ["ready", "begin"], stages
    assert stages[-1] == "end", stages
    file_ends: list[dict[str, Any]] = []
    i = 2
    for chid in chids:
        assert (stages[i], messages[i]["channel"]["chid"]) == ("channelBegin", chid), (i, stages)
        i += 1
        while stages[i] == "fileBegin":
            fid = messages[i]["channel"]["file"]["fid"]
            assert messages[i]["channel"]["chid"] == chid, messages[i]
            i += 1
            while stages[i] == "fileWriting":
                assert (messages[i]["channel"]["chid"], messages[i]["channel"]["file"]["fid"]) == (chid, fid)
                i += 1
            assert stages[i] == "fileEnd", (i, stages)
            assert (messages[i]["channel"]["chid"], messages[i]["channel"]["file"]["fid"]) == (chid, fid)
            file_ends.append(messages[i])
            i += 1
        assert (stages[i], messages[i]["channel"]["chid"]) == ("channelEnd", chid), (i, stages)
        i += 1
    assert i == len(stages) - 1, stages
    return file_ends


def check_progress(messages: list[dict[str, Any]], chids: list[int], begin_ms: int, end_ms: int) -> None:
    """Overall progress only grows, to 100% at end; each channel's from 0% at channelBegin to 100% at
    channelEnd, its timestamps (the position in the recording) growing within the requested range."""
    overall = [percent(m["overallProgress"]) for m in messages if "overallProgress" in m]
    assert overall == sorted(overall) and overall[-1] == 100, overall
    for chid in chids:
        of_channel = [m for m in messages if m.get("channel", {}).get("chid") == chid]
        progress = [percent(m["channel"]["progress"]) for m in of_channel if "progress" in m["channel"]]
        assert progress == sorted(progress) and (progress[0], progress[-1]) == (0, 100), (chid, progress)
        times = [ms_of(m["timestamp"]) for m in of_channel]
        assert times == sorted(times) and begin_ms <= times[0] and times[-1] <= end_ms, (chid, times)


def test_ex4_page_exports_and_downloads_every_file(footage: Footage, tmp_path: Path, page_origin: str):
    chids = list(footage.chids[:2])
    assert len(chids) == 2, footage.chids
    data_dir = tmp_path / "data"
    shutil.copytree(footage.data_dir, data_dir)
    begin_ms, end_ms, fewest_bytes, tz = recorded_range(data_dir, chids)
    assert fewest_bytes > MEDIA_SIZE * 11 // 10, fewest_bytes  # so each channel's export takes two files

    server = LiveServer(data_dir)
    try:
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        form = {
            "host-name": f"127.0.0.1:{server.port}", "user-id": "admin", "password": ADMIN_PASSWORD,
            "timeBegin": local_input(begin_ms, tz), "timeEnd": local_input(end_ms, tz), "channels": chids,
            "mediaSize": "800KB", "subtitleFormat": "SRT", "submitter": "Det. Kim",
            "recipient": "Court of A & B", "purpose": "case 12/7\nplates on Main St.", "statusInterval": "1s",
            "lang": "en-US", "md5": True,
        }
        report = run_page(f"{page_origin}/ex4_export.html", downloads, form)
        summary = {k: v for k, v in report.items() if k != "ex4"}
        assert not report["timedOut"] and not report["errors"] and not report["dialogs"], summary

        # the page built the URL the guide's way: encodeURIComponent of every value as the browser holds it
        held = report["form"]
        assert (held["timeBegin"], held["timeEnd"]) == (form["timeBegin"], form["timeEnd"])
        expected_url = (f"ws://127.0.0.1:{server.port}/wsapi/dataExport?auth={encode_uri_component(ADMIN_AUTH)}"
                        + "".join(f"&{key}={encode_uri_component(str(value))}" for key, value in (
                            ("timeBegin", form["timeBegin"]), ("timeEnd", form["timeEnd"]),
                            ("ch", ",".join(map(str, chids))), ("subtitleFormat", "SRT"),
                            ("mediaSize", form["mediaSize"]), ("statusInterval", "1s"),
                            ("submitter", form["submitter"]), ("recipient", form["recipient"]),
                            ("purpose", form["purpose"]), ("lang", "en-US")))
                        + "&md5=true")
        assert report["url"] == expected_url

        ex4 = report["ex4"]
        messages = [json.loads(text) for text in ex4["messages"]]
        ready, end = messages[0], messages[-1]
        assert ready["status"]["code"] == 0, ready
        task = ready["task"]
        assert (task["ch"], task["mediaSize"], task["subtitleFormat"], task["language"]) == (
            chids, MEDIA_SIZE, "SRT", "en-US")
        assert [ms_of(t) for t in task["timeRange"]] == [begin_ms, end_ms]
        assert ex4["ended"] and end["status"]["code"] == 0, end
        assert ex4["closeCode"] == 1000  # the server closed the socket after end
        assert end["overallProgress"] == "100%"
        check_progress(messages, chids, begin_ms, end_ms)

        file_ends = check_stage_order(messages, chids)
        announced: list[dict[str, Any]] = []
        names = [m["channel"]["file"]["name"] for m in messages if m.get("stage") == "fileBegin"]
        for name, file_end in zip(names, file_ends, strict=True):
            chid = file_end["channel"]["chid"]
            match = FILE_NAME.match(name)
            assert match and int(match.group(1)) == chid, name
            listed = file_end["channel"]["file"]["download"]
            assert [d["fileName"] for d in listed] == [name, name.removesuffix(".mp4") + ".srt"], listed
            for d in listed:
                assert d["src"] == f"{server.url}/download/{task['id']}/{d['fileName']}", d
                assert re.fullmatch(r"[0-9a-f]{32}", d["md5"]), d
            announced += listed
        per_channel = [sum(1 for n in names if n.startswith(f"CH{chid}.")) for chid in chids]
        assert max(per_channel) >= 2, names
        assert len({d["fileName"] for d in announced}) == len(announced)

        # "next" after each file's downloads, nothing else: the downloads are quicker than the ttl, so no
        # timeoutAlert came (tests/test_export_ws.py answers one)
        assert [json.loads(c) for c in ex4["commands"]] == [{"task": task["id"], "cmd": "next"}] * len(file_ends)
        assert "timeoutAlert" not in [m.get("request") for m in messages]
        # every download ended once, by loadend, with 200 (onerror would have called onFinish a second time)
        assert ex4["finishes"] == [{"fileName": d["fileName"], "by": "loadend", "status": 200} for d in announced]

        # what the browser received and saved is what the server announced
        received = {r["fileName"]: r for r in ex4["received"]}
        assert sorted(report["saved"]) == sorted(received) == sorted(d["fileName"] for d in announced)
        for d in announced:
            saved = downloads / d["fileName"]
            assert saved.stat().st_size == received[d["fileName"]]["size"] > 0, d
            assert md5_of(saved) == d["md5"], d
            assert sha256_of(saved) == received[d["fileName"]]["sha256"], d
            if saved.suffix == ".mp4":
                assert saved.stat().st_size <= MEDIA_SIZE, d
            else:  # SubRip: the first cue starts at the clip's time 0
                assert re.match(r"1\r?\n00:00:00,000 --> 00:00:0\d,\d{3}\r?\n", saved.read_text(encoding="utf-8")), d

        # the task is over: its files are no longer served
        r = httpx.get(announced[0]["src"], params={"auth": ADMIN_AUTH}, timeout=10)
        assert r.status_code == 404, r.text

        # the privacy row has the form's texts as typed (the purpose's line break too)
        r = httpx.get(f"{server.url}/api/find", params={"what": "eventLog", "type": "1", "maxCount": "1",
                                                       "auth": ADMIN_AUTH}, timeout=10)
        assert r.status_code == 200, r.text
        row = r.json()["data"][0]
        param = row["param"]
        assert (row["code"], param["task"], param["ch"]) == (12, task["id"], chids), row
        assert [unquote(param[key]) for key in ("submitter", "recipient", "purpose")] == [
            form["submitter"], form["recipient"], form["purpose"]], row
    finally:
        server.stop()
