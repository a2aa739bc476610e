"""/api/channel/info and device control (/api/channel/ptz, preset, relay, aux, reboot), and event
backup's presetGo, through the real app: rights, parsing, the guide's response codes, channels that
are no camera; then every command against the ONVIF device simulator (tests/onvif_sim), checking
what the simulated camera was told and its state, a camera down (-3) and a busy camera (-4).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from storage.models import Channel
from tests.conftest import ADMIN_PASSWORD, free_port, make_runtime
from tsnvr.server import Runtime

AUTH = ("admin", ADMIN_PASSWORD)
ALL_FALSE = {"pantilt": False, "zoom": False, "focus": False, "iris": False, "home": False, "maxPreset": 0,
             "aux": 0, "digitalInputs": 0, "relayOutputs": 0, "reboot": False}
MESSAGES = {0: "Success", -1: "No user rights", -2: "Features not supported by the device",
            -3: "The device is not ready to execute the command",
            -4: "The device is still processing a previous command", -5: "Invalid channel", -6: "Invalid token",
            -7: "Invalid request", -8: "Invalid parameters", -9: "Device response error"}


def code(value: int) -> dict[str, Any]:
    return {"code": value, "message": MESSAGES[value]}


@pytest.fixture
def nvr(data_dir: Path) -> Iterator[tuple[Runtime, TestClient]]:
    """Channel 1 a file channel (its file missing), 2 a plain RTSP channel; no camera behind either."""
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        s.add(Channel(chid=1, name="Lobby", type="file", source="control-missing.mp4", created_ms=1))
        s.add(Channel(chid=2, name="Gate", type="rtsp", source=f"rtsp://127.0.0.1:{free_port()}/gate", created_ms=1))
    with TestClient(runtime.app, base_url="http://testserver") as client:
        yield runtime, client


def get(client: TestClient, path: str, auth: Any = AUTH, **params: str) -> Any:
    r = client.get(path, params=params or None, auth=auth)
    assert r.status_code == 200, r.text
    return r.json()


# -- without a camera ------------------------------------------------------------------------------

def test_info_of_channels_that_are_no_camera(nvr):
    _runtime, client = nvr
    expected = [{"chid": 1, "type": "file", "caps": ALL_FALSE}, {"chid": 2, "type": "rtsp", "caps": ALL_FALSE}]
    assert get(client, "/api/channel/info") == expected
    assert get(client, "/api/channel/info", caps="") == expected
    assert get(client, "/api/channel/info", ch="2,9", caps="", reload="") == expected[1:]
    r = client.get("/api/channel/info", params={"ch": "x"}, auth=AUTH)
    assert r.status_code == 400 and r.json()["code"] == 400
    assert client.get("/api/channel/info").status_code == 401


@pytest.mark.parametrize("path", ["/api/channel/ptz?home", "/api/channel/preset?ch=1&go=1",
                                  "/api/channel/relay?ls", "/api/channel/aux?on=0", "/api/channel/reboot"])
def test_control_needs_the_control_right(nvr, add_user, path):
    _runtime, client = nvr
    viewer = add_user("control-viewer", "Remote,Playback,LPR,DataExport,Settings")
    operator = add_user("control-operator", "Remote,Control")
    remote_less = add_user("control-norem", "Control")
    sep = "&" if "?" in path else "?"
    assert get(client, f"{path}{sep}ch=2&auth={viewer}", auth=None) == code(-1)
    assert get(client, f"{path}{sep}ch=2&auth={remote_less}", auth=None) == code(-1)
    assert get(client, f"{path}{sep}ch=2&auth={operator}", auth=None) == code(-2)  # an RTSP channel: no camera
    r = client.get(f"{path}{sep}ch=2")
    assert r.status_code == 401 and r.json()["code"] == 401


@pytest.mark.parametrize("query, expected", [
    ("ch=1&home", -2), ("ch=2&move=0.5,0.5", -2), ("ch=2&reboot", -2),
    ("ch=9&home", -5), ("home", -5), ("ch=x&home", -5), ("ch=1,2&home", -5), ("ch=0&stop", -5),
    ("ch=2", -7), ("ch=2&home&stop", -7), ("ch=2&move=1&zoom=1", -7), ("ch=2&pan=1", -7),
    ("ch=2&move=2", -8), ("ch=2&move=0.5,-1.5", -8), ("ch=2&move=a", -8), ("ch=2&move=1,2,3", -8),
    ("ch=2&move=,1", -8), ("ch=2&zoom", -8), ("ch=2&zoom=nan", -8), ("ch=2&focus=inf", -8),
    ("ch=2&iris=1e0", -8), ("ch=2&zoom=-1.01", -8),
])
def test_ptz_codes_without_a_camera(nvr, query, expected):
    _runtime, client = nvr
    path = "/api/channel/ptz" if "reboot" not in query else "/api/channel/reboot"
    assert get(client, f"{path}?{query}") == code(expected)


@pytest.mark.parametrize("query, expected", [
    ("ch=2&add", -2), ("ch=2&add&name=door", -2), ("ch=2&set=1", -2), ("ch=2&rm=1,2", -2), ("ch=2&go=1", -2),
    ("ch=9&go=1", -5), ("go=1", -5), ("ch=2", -7), ("ch=2&go=1&rm=1", -7),
    ("ch=2&go=", -8), ("ch=2&set=", -8), ("ch=2&rm=,", -8), ("ch=2&set=1&name=" + "n" * 257, -8),
])
def test_preset_codes_without_a_camera(nvr, query, expected):
    _runtime, client = nvr
    assert get(client, f"/api/channel/preset?{query}") == code(expected)


def test_preset_lists_name_each_channel(nvr):
    _runtime, client = nvr
    not_camera = MESSAGES[-2]
    assert get(client, "/api/channel/preset?list") == [
        {"chid": 1, "code": -2, "message": not_camera}, {"chid": 2, "code": -2, "message": not_camera}]
    assert get(client, "/api/channel/preset?ch=2,7,2&reload") == [
        {"chid": 2, "code": -2, "message": not_camera}, {"chid": 7, "code": -5, "message": MESSAGES[-5]}]
    assert get(client, "/api/channel/preset?ch=a&list") == code(-5)


@pytest.mark.parametrize("path, query, expected", [
    ("relay", "ch=2&ls", -2), ("relay", "ch=2&on=a,b", -2), ("relay", "ch=2&off=a", -2),
    ("relay", "ch=2&on=a&off=b", -2), ("relay", "ch=2", -7), ("relay", "ch=2&ls&on=a", -7),
    ("relay", "ch=2&on=", -8), ("relay", "ch=5&on=a", -5),
    ("aux", "ch=2&on=0,1", -2), ("aux", "ch=2&off=1", -2), ("aux", "ch=2", -7), ("aux", "ch=2&on=-1", -8),
    ("aux", "ch=2&on=x", -8), ("aux", "ch=2&off=", -8), ("aux", "ch=5&on=0", -5),
])
def test_relay_and_aux_codes_without_a_camera(nvr, path, query, expected):
    _runtime, client = nvr
    assert get(client, f"/api/channel/{path}?{query}") == code(expected)


@pytest.mark.parametrize("lang, message", [("es-ES", "Canal no válido"), ("ko_KR", "잘못된 채널"),
                                           ("en", "Invalid channel")])
def test_messages_in_lang(nvr, lang, message):
    _runtime, client = nvr
    assert get(client, "/api/channel/ptz", ch="9", home="", lang=lang) == {"code": -5, "message": message}


def test_answers_are_indented_on_request(nvr):
    _runtime, client = nvr
    r = client.get("/api/channel/ptz?ch=1&home&indent=2", auth=AUTH)
    assert r.text == '{\n  "code": -2,\n  "message": "Features not supported by the device"\n}'
