"""/watch in a real browser: Debian's headless Chromium, driven by playwright-core from npm
(tests/browser/play.mjs), against a real `tsnvr serve` recording a real RTSP camera (GStreamer's
test server). Live video plays over the WebSocket path and over HLS (hls.js), and recorded video
plays on across the boundaries of its 3-second files."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import ADMIN_AUTH, REPO, LiveServer, wait_until, write_settings
from tests.needs import needs_browser, needs_rtsp
from tests.rtsp_server import RtspServerProcess

PLAY = REPO / "tests" / "browser" / "play.mjs"
SEGMENT_S = 3.0


pytestmark = [needs_browser, needs_rtsp]


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspServerProcess]:
    with RtspServerProcess() as srv:
        yield srv


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, camera: RtspServerProcess) -> Iterator[LiveServer]:
    """tsnvr with channel 1 recording the camera's /live mount into 3-second files."""
    data_dir = tmp_path_factory.mktemp("watch") / "data"
    data_dir.mkdir()
    write_settings(data_dir, timezone="America/New_York", segment_seconds=SEGMENT_S)
    srv = LiveServer(data_dir)
    try:
        r = httpx.post(f"{srv.url}/api/channel?auth={ADMIN_AUTH}",
                       json={"chid": 1, "name": "Gate", "source": camera.url("live")}, timeout=10)
        assert r.status_code == 200, r.text
        yield srv
    finally:
        srv.stop()


def play(url: str, seconds: float) -> dict[str, Any]:
    done = subprocess.run(["node", str(PLAY), url, str(seconds)], cwd=REPO, capture_output=True, text=True,
                          timeout=seconds + 60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def advanced(report: dict[str, Any]) -> float:
    samples = report["samples"]
    return samples[-1]["currentTime"] - samples[0]["currentTime"]


def assert_plays(report: dict[str, Any], seconds: float = 5.0) -> None:
    summary = {k: v for k, v in report.items() if k != "samples"}
    assert report["started"], summary
    assert advanced(report) >= seconds, report
    samples = report["samples"]
    assert samples[-1]["frames"] > samples[0]["frames"], samples
    times = [s["currentTime"] for s in samples]
    assert all(b >= a for a, b in zip(times, times[1:], strict=False)), times  # never went back
    assert not report["errors"], report["errors"]


def recorded_files(server: LiveServer) -> list[dict[str, Any]]:
    r = httpx.get(f"{server.url}/api/vod", params={"ch": "1", "when": "today", "duration": "1d", "limit": "50",
                                                   "auth": ADMIN_AUTH}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def to_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def test_live_over_websocket(server: LiveServer):
    report = play(f"{server.url}/watch?ch=1&auth={quote(ADMIN_AUTH)}", 8)
    assert report["mode"] == "ws", report
    assert_plays(report)
    wall = [s["wallMs"] for s in report["samples"] if s["wallMs"]]
    assert wall and abs(wall[-1] - time.time() * 1000) < 60_000  # the overlay shows about now
    assert report["copyTexts"]["url"] == f"{server.url}/watch?ch=1"
    assert "auth=" not in report["copyTexts"]["embed"]
    assert report["copyTexts"]["embed"].startswith(f"<iframe src='{server.url}/watch?ch=1' width='640'")


def test_live_over_hls(server: LiveServer):
    report = play(f"{server.url}/watch?ch=1&auth={quote(ADMIN_AUTH)}&transport=hls", 8)
    assert report["mode"] == "hls", report
    assert_plays(report)


def test_recorded_plays_across_files(server: LiveServer):
    files = wait_until(lambda: (f := recorded_files(server)) and len(f) >= 3 and f, timeout=40)
    first = files[0]["src"][0]
    begin, first_end = first["timeRange"]
    report = play(f"{server.url}/watch?ch=1&auth={quote(ADMIN_AUTH)}&when={quote(begin, safe='')}&lang=ko-KR",
                  8)
    assert report["mode"] == "mse-recorded", report
    assert_plays(report)
    samples = [s for s in report["samples"] if s["wallMs"] is not None]
    assert len(samples) >= 10, report["samples"]
    begin_ms, end_ms = (to_ms(t) for t in (begin, first_end))
    assert samples[0]["wallMs"] < begin_ms + 2000, (samples[0], begin_ms)  # it started where asked
    assert samples[-1]["wallMs"] > end_ms + 1000, (samples[-1], end_ms)  # and went on into the next files
    for a, b in zip(samples, samples[1:], strict=False):  # the clock ran on smoothly across the files
        assert -300 < b["wallMs"] - a["wallMs"] < (b["t"] - a["t"]) * 1000 + 1000, (a, b)
    assert "오후" in report["samples"][-1]["clock"] or "오전" in report["samples"][-1]["clock"]

