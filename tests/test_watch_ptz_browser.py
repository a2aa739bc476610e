"""/watch's PTZ controls in a real browser: Debian's headless Chromium driven by playwright-core
(tests/browser/ptz.mjs), against a real `tsnvr serve` whose channel 1 is an ONVIF camera (the
simulator, tests/onvif_sim, streaming from the GStreamer RTSP test server). Holding an arrow, zoom
or arrow key and clicking home or a preset must reach the camera as the ONVIF calls they stand
for; a user without Control, a channel without a camera and recorded video get no controls. One
browser run covers it all (Chromium starts slowly)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.testclient import TestClient

from storage.models import Channel
from tests.conftest import ADMIN_AUTH, REPO, LiveServer, b64, write_settings
from tests.needs import needs_browser, needs_rtsp
from tests.onvif_sim.server import OnvifSimulator
from tests.rtsp_server import RtspServerProcess
from tsnvr.server import Runtime

PTZ = REPO / "tests" / "browser" / "ptz.mjs"
CAM_USER, CAM_PASSWORD = "cam", "ptz-s3cret"
VIEWER, VIEWER_PASSWORD = "viewer", "pw-viewer-123"
MOVES = ("ContinuousMove", "Stop", "GotoHomePosition", "GotoPreset")

@pytest.fixture
def stream() -> Iterator[RtspServerProcess]:
    with RtspServerProcess() as srv:
        yield srv


@pytest.fixture
def camera(stream: RtspServerProcess) -> Iterator[OnvifSimulator]:
    """The ONVIF camera, its stream the GStreamer RTSP test server's (so the page plays video)."""
    with OnvifSimulator(rtsp_main=stream.url("live"), user=CAM_USER, password=CAM_PASSWORD) as sim:
        yield sim


@pytest.fixture
def server(tmp_path: Path, stream: RtspServerProcess, camera: OnvifSimulator) -> Iterator[LiveServer]:
    """tsnvr with channel 1 the ONVIF camera, channel 2 a plain RTSP channel (no camera to control)
    on the same stream, and a user without Control."""
    data_dir = tmp_path / "watch-ptz-data"
    data_dir.mkdir()
    write_settings(data_dir, lpr_enabled=False)
    srv = LiveServer(data_dir)
    try:
        channels = [{"chid": 1, "name": "Dome", "source": "rtsp://127.0.0.1:1/unused", "uid": CAM_USER,
                     "password": CAM_PASSWORD, "device": {"name": "Dome", "url": camera.url}},
                    {"chid": 2, "name": "Lobby", "source": stream.url("live")}]
        for channel in channels:
            r = httpx.post(f"{srv.url}/api/channel?auth={ADMIN_AUTH}", json=channel, timeout=10)
            assert r.status_code == 200, r.text
        subprocess.run([sys.executable, "-m", "tsnvr", "user", "add", VIEWER, "--password", VIEWER_PASSWORD,
                        "--rights", "Remote", "--data", str(data_dir)], cwd=REPO, check=True, capture_output=True)
        yield srv
    finally:
        srv.stop()


def run_browser(control_url: str, *other_urls: str) -> dict[str, Any]:
    done = subprocess.run(["node", str(PTZ), control_url, *other_urls], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    print("browser timings (ms):", report["timings"])
    return report


def api(server: LiveServer, path: str) -> Any:
    r = httpx.get(f"{server.url}{path}&auth={quote(ADMIN_AUTH)}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


@needs_browser
@needs_rtsp
def test_ptz_controls_move_the_camera_only_for_users_with_control(server: LiveServer, camera: OnvifSimulator):
    added = api(server, "/api/channel/preset?ch=1&add&name=Gate%20view")
    assert added["code"] == 0
    token = added["token"]
    camera.clear_calls()

    admin, viewer = quote(ADMIN_AUTH), quote(b64(VIEWER, VIEWER_PASSWORD))
    report = run_browser(f"{server.url}/watch?ch=1&auth={admin}",
                         f"{server.url}/watch?ch=1&auth={viewer}",
                         f"{server.url}/watch?ch=2&auth={admin}",
                         f"{server.url}/watch?ch=1&when=today&auth={admin}")
    assert not report["errors"], report["errors"]

    control = report["control"]
    assert control["arrows"] == ["-1,1", "0,1", "1,1", "-1,0", "1,0", "-1,-1", "0,-1", "1,-1"]
    assert control["zoom"] and control["home"]
    assert control["presets"] == [{"name": "Gate view", "token": token}]
    assert control["answers"] == [
        {"request": "/api/channel/ptz?ch=1&move=0.5,0.5", "code": 0},  # the up-right arrow held
        {"request": "/api/channel/ptz?ch=1&stop", "code": 0},  # and let go
        {"request": "/api/channel/ptz?ch=1&zoom=0.5", "code": 0},
        {"request": "/api/channel/ptz?ch=1&stop", "code": 0},
        {"request": "/api/channel/ptz?ch=1&move=0,0.5", "code": 0},  # the Up arrow key
        {"request": "/api/channel/ptz?ch=1&stop", "code": 0},
        {"request": "/api/channel/ptz?ch=1&home", "code": 0},
        {"request": f"/api/channel/preset?ch=1&go={token}", "code": 0},
    ]

    told = [(c.operation, c.args) for c in camera.calls if c.operation in MOVES]
    assert [operation for operation, _ in told] == ["ContinuousMove", "Stop", "ContinuousMove", "Stop",
                                                    "ContinuousMove", "Stop", "GotoHomePosition", "GotoPreset"]
    assert all(args["ProfileToken"] == "main" for _, args in told)
    velocities = [args["Velocity"] for operation, args in told if operation == "ContinuousMove"]
    assert velocities == [{"PanTilt": {"x": 0.5, "y": 0.5, "space": None}, "Zoom": None},
                          {"PanTilt": None, "Zoom": {"x": 0.5, "space": None}},
                          {"PanTilt": {"x": 0.0, "y": 0.5, "space": None}, "Zoom": None}]
    assert told[-1][1]["PresetToken"] == token
    assert all(c.user == CAM_USER and c.fault is None for c in camera.calls)

    viewer_page, no_camera, recorded = report["others"]
    # No Control: the page is told so and asks nothing about the camera.
    assert viewer_page == {"url": "/watch?ch=1", "configControl": False, "shown": False, "asked": []}
    # Control, but channel 2 is plain RTSP: its caps are all false, so no controls.
    assert no_camera == {"url": "/watch?ch=2", "configControl": True, "shown": False,
                         "asked": ["/api/channel/info?ch=2&caps"]}
    assert recorded == {"url": "/watch?ch=1&when=today", "configControl": False, "shown": False, "asked": []}


def test_the_page_offers_control_only_to_control_users_watching_live(client: TestClient, runtime: Runtime,
                                                                     add_user: Callable[..., str]):
    """Without a browser: the config's "control" flag, which decides whether the page asks for caps."""
    with runtime.db.write() as s:
        s.add(Channel(chid=5, name="Yard", type="file", source="watch-ptz-missing.mp4", created_ms=1))
    controller = add_user("controller", rights="Remote,Playback,Control")
    watcher = add_user("watcher", rights="Remote,Playback")

    def control(query: str) -> bool:
        r = client.get(f"/watch?ch=5&{query}")
        assert r.status_code == 200, r.text
        m = re.search(r'<script type="application/json" id="watch-config">(.*?)</script>', r.text, re.S)
        assert m is not None and '<script src="/static/watch-ptz.js"></script>' in r.text
        return bool(json.loads(m.group(1))["control"])

    assert control(f"auth={controller}") is True
    assert control(f"auth={ADMIN_AUTH}") is True
    assert control(f"auth={watcher}") is False
    assert control(f"auth={controller}&when=today") is False  # recorded video: no camera to steer
