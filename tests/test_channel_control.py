"""/api/channel/info and device control (/api/channel/ptz, preset, relay, aux, reboot), and event
backup's presetGo, through the real app: rights, parsing, the guide's response codes, channels that
are no camera; then every command against the ONVIF device simulator (tests/onvif_sim), checking
what the simulated camera was told and its state, a camera down (-3) and a busy camera (-4).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from storage.models import Channel, PresetName
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, free_port, make_runtime, wait_until
from tests.onvif_sim.server import OnvifSimulator
from tests.onvif_sim.state import Features
from tsnvr.server import Runtime

pytest_plugins = ("tests.onvif_sim.fixture",)

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


PTZ_CODES = [
    ("ch=1&home", -2), ("ch=2&move=0.5,0.5", -2), ("ch=2&reboot", -2),
    ("ch=9&home", -5), ("home", -5), ("ch=x&home", -5), ("ch=1,2&home", -5), ("ch=0&stop", -5),
    ("ch=2", -7), ("ch=2&home&stop", -7), ("ch=2&move=1&zoom=1", -7), ("ch=2&pan=1", -7),
    ("ch=2&move=2", -8), ("ch=2&move=0.5,-1.5", -8), ("ch=2&move=a", -8), ("ch=2&move=1,2,3", -8),
    ("ch=2&move=,1", -8), ("ch=2&zoom", -8), ("ch=2&zoom=nan", -8), ("ch=2&focus=inf", -8),
    ("ch=2&iris=1e0", -8), ("ch=2&zoom=-1.01", -8),
]
PRESET_CODES = [
    ("ch=2&add", -2), ("ch=2&add&name=door", -2), ("ch=2&set=1", -2), ("ch=2&rm=1,2", -2), ("ch=2&go=1", -2),
    ("ch=9&go=1", -5), ("go=1", -5), ("ch=2", -7), ("ch=2&go=1&rm=1", -7),
    ("ch=2&go=", -8), ("ch=2&set=", -8), ("ch=2&rm=,", -8), ("ch=2&set=1&name=" + "n" * 257, -8),
]
RELAY_AUX_CODES = [
    ("relay", "ch=2&ls", -2), ("relay", "ch=2&on=a,b", -2), ("relay", "ch=2&off=a", -2),
    ("relay", "ch=2&on=a&off=b", -2), ("relay", "ch=2", -7), ("relay", "ch=2&ls&on=a", -7),
    ("relay", "ch=2&on=", -8), ("relay", "ch=5&on=a", -5),
    ("aux", "ch=2&on=0,1", -2), ("aux", "ch=2&off=1", -2), ("aux", "ch=2", -7), ("aux", "ch=2&on=-1", -8),
    ("aux", "ch=2&on=x", -8), ("aux", "ch=2&off=", -8), ("aux", "ch=5&on=0", -5),
]


def test_codes_found_without_a_camera(nvr):
    _runtime, client = nvr
    for query, expected in PTZ_CODES:
        path = "/api/channel/ptz" if "reboot" not in query else "/api/channel/reboot"
        assert get(client, f"{path}?{query}") == code(expected), query
    for query, expected in PRESET_CODES:
        assert get(client, f"/api/channel/preset?{query}") == code(expected), query
    for path, query, expected in RELAY_AUX_CODES:
        assert get(client, f"/api/channel/{path}?{query}") == code(expected), (path, query)


def test_preset_lists_name_each_channel(nvr):
    _runtime, client = nvr
    not_camera = MESSAGES[-2]
    assert get(client, "/api/channel/preset?list") == [
        {"chid": 1, "code": -2, "message": not_camera}, {"chid": 2, "code": -2, "message": not_camera}]
    assert get(client, "/api/channel/preset?ch=2,7,2&reload") == [
        {"chid": 2, "code": -2, "message": not_camera}, {"chid": 7, "code": -5, "message": MESSAGES[-5]}]
    assert get(client, "/api/channel/preset?ch=a&list") == code(-5)


def test_messages_in_lang(nvr):
    _runtime, client = nvr
    for lang, message in [("es-ES", "Canal no válido"), ("ko_KR", "잘못된 채널"), ("en", "Invalid channel")]:
        assert get(client, "/api/channel/ptz", ch="9", home="", lang=lang) == {"code": -5, "message": message}


def test_answers_are_indented_on_request(nvr):
    _runtime, client = nvr
    r = client.get("/api/channel/ptz?ch=1&home&indent=2", auth=AUTH)
    assert r.text == '{\n  "code": -2,\n  "message": "Features not supported by the device"\n}'


# -- against the ONVIF device simulator ------------------------------------------------------------

SIM_CAPS = {"pantilt": True, "zoom": True, "focus": True, "iris": True, "home": True, "maxPreset": 16, "aux": 2,
            "digitalInputs": 2, "relayOutputs": 2, "reboot": True}


def onvif_channel(chid: int, sim: OnvifSimulator) -> Channel:
    return Channel(chid=chid, name=f"Cam {chid}", type="onvif", source=f"rtsp://127.0.0.1:{free_port()}/main",
                   uid=sim.user, password=sim.password, device_url=sim.url, substream=False, created_ms=1)


@pytest.fixture
def cam_nvr(data_dir: Path, onvif_sim: OnvifSimulator) -> Iterator[tuple[OnvifSimulator, TestClient]]:
    """Channel 1 a file channel, channel 3 an ONVIF channel whose camera is the simulator."""
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        s.add(Channel(chid=1, name="Lobby", type="file", source="control-missing.mp4", created_ms=1))
        s.add(onvif_channel(3, onvif_sim))
    with TestClient(runtime.app, base_url="http://testserver") as client:
        yield onvif_sim, client


def calls(sim: OnvifSimulator, operation: str) -> list[dict[str, Any]]:
    return [c.args for c in sim.calls_of(operation)]


def test_info_enum_and_channel_status_show_the_cameras_caps(cam_nvr):
    sim, client = cam_nvr
    info = get(client, "/api/channel/info")
    assert info == [
        {"chid": 1, "type": "file", "caps": ALL_FALSE},
        {"chid": 3, "type": "onvif", "caps": SIM_CAPS, "onvif": {
            "basic": {"city": "Seoul", "country": "Korea", "deviceType": "NetworkVideoTransmitter",
                      "host": sim.host, "location": "", "name": "SimCam"},
            "product": {"firmwareVersion": "1.2.3", "hardwareId": "HW-SIM-1", "macAddress": "02:00:00:00:00:01",
                        "manufacturer": "TSNVR-Sim", "model": "SimCam 1080", "serialNumber": "SIM0001"}}},
    ]
    reads = len(sim.calls_of("GetDeviceInformation"))
    assert get(client, "/api/channel/info", caps="", ch="3") == [{"chid": 3, "type": "onvif", "caps": SIM_CAPS}]
    assert len(sim.calls_of("GetDeviceInformation")) == reads  # answered from what was read
    sim.identity.firmware_version = "1.2.4"
    reloaded = get(client, "/api/channel/info", ch="3", reload="")
    assert reloaded[0]["onvif"]["product"]["firmwareVersion"] == "1.2.4"
    assert len(sim.calls_of("GetDeviceInformation")) == reads + 1
    channels = get(client, "/api/enum", what="channel", caps="")
    assert [(c["chid"], c["caps"]) for c in channels] == [(1, ALL_FALSE), (3, SIM_CAPS)]
    with client.websocket_connect(f"/wsapi/subscribeEvents?topics=channelStatus&auth={ADMIN_AUTH}") as ws:
        assert "subscriberId" in ws.receive_json()
        first = ws.receive_json()
    assert first["event"] == "currentStatus"
    assert [(c["chid"], c["caps"]) for c in first["channel"]] == [(1, ALL_FALSE), (3, SIM_CAPS)]
    assert [(c["chid"], c["ptzSupported"]) for c in get(client, "/api/vod")] == [(1, False), (3, True)]


@pytest.mark.parametrize("query, operation, args", [
    ("move=0.5,0.5", "ContinuousMove", {"Velocity": {"PanTilt": {"x": 0.5, "y": 0.5}, "Zoom": None}}),
    ("move=-1", "ContinuousMove", {"Velocity": {"PanTilt": {"x": -1.0, "y": 0.0}, "Zoom": None}}),
    ("move=0,0.1", "ContinuousMove", {"Velocity": {"PanTilt": {"x": 0.0, "y": 0.1}, "Zoom": None}}),
    ("zoom=-0.5", "ContinuousMove", {"Velocity": {"PanTilt": None, "Zoom": {"x": -0.5}}}),
    ("move", "Stop", {}),
    ("stop", "Stop", {}),
    ("home", "GotoHomePosition", {}),
    ("focus=-0.5", "Move", {"Focus": {"Continuous": {"Speed": -0.5}}}),
])
def test_ptz_commands_reach_the_camera(cam_nvr, query, operation, args):
    sim, client = cam_nvr
    get(client, "/api/channel/info", ch="3")  # connected
    sim.clear_calls()
    assert get(client, f"/api/channel/ptz?ch=3&{query}") == code(0)
    sent = calls(sim, operation)
    assert len(sent) == 1
    assert subset(sent[0], args), sent[0]


def subset(actual: Any, wanted: Any) -> bool:
    """Whether `actual` has `wanted`'s keys with its values (nested); other keys are not looked at."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(subset(actual.get(k), v) for k, v in wanted.items())
    return bool(actual == wanted)


def test_iris_steps_the_cameras_iris(cam_nvr):
    sim, client = cam_nvr
    before = sim.focus.iris
    assert get(client, "/api/channel/ptz?ch=3&iris=-0.1") == code(0)
    settings = calls(sim, "SetImagingSettings")
    assert len(settings) == 1 and settings[0]["ImagingSettings"]["Exposure"]["Mode"] == "MANUAL"
    assert sim.focus.iris < before


def test_presets_add_set_list_go_and_remove(cam_nvr):
    sim, client = cam_nvr
    assert get(client, "/api/channel/preset?ch=3&list") == [{"chid": 3, **code(0), "preset": []}]
    added = get(client, "/api/channel/preset?ch=3&add&name=door")
    token = added["token"]
    assert added == {"chid": 3, "deviceResponseCode": 200, **code(0), "token": token, "name": "door"}
    assert [(p.token, p.name) for p in sim.presets] == [(token, "door")]
    unnamed = get(client, "/api/channel/preset?ch=3&add")
    assert unnamed["name"] == unnamed["token"] != token
    renamed = get(client, "/api/channel/preset", ch="3", set=token, name="Sweet home ^^")
    assert renamed == {"chid": 3, "deviceResponseCode": 200, **code(0), "token": token, "name": "Sweet home ^^"}
    assert calls(sim, "SetPreset")[-1]["PresetToken"] == token
    korean = get(client, "/api/channel/preset", ch="3", set=unnamed["token"], name="정문")
    assert korean["name"] == "정문"
    assert calls(sim, "SetPreset")[-1]["PresetName"] == unnamed["token"]  # not ASCII: kept by the server only
    listed = [{"name": "Sweet home ^^", "token": token}, {"name": "정문", "token": unnamed["token"]}]
    gets = len(sim.calls_of("GetPresets"))
    assert get(client, "/api/channel/preset?ch=3,1&list") == [
        {"chid": 3, **code(0), "preset": listed}, {"chid": 1, **code(-2)}]
    assert len(sim.calls_of("GetPresets")) == gets  # list answers what was read
    assert get(client, "/api/channel/preset?ch=3&reload") == [{"chid": 3, **code(0), "preset": listed}]
    assert len(sim.calls_of("GetPresets")) == gets + 1
    assert get(client, f"/api/channel/preset?ch=3&go={token}") == code(0)
    assert calls(sim, "GotoPreset")[-1]["PresetToken"] == token
    assert get(client, "/api/channel/preset?ch=3&go=nope") == code(-6)
    removed = get(client, f"/api/channel/preset?ch=3&rm={token},nope")
    assert removed["chid"] == 3
    assert removed["preset"][0] == {"deviceResponseCode": 200, **code(0), "token": token}
    assert {k: v for k, v in removed["preset"][1].items() if k != "deviceResponseCode"} == {
        **code(-6), "token": "nope"}
    assert removed["preset"][1]["deviceResponseCode"] >= 400
    assert [p.token for p in sim.presets] == [unnamed["token"]]
    assert get(client, "/api/channel/preset?ch=3&list")[0]["preset"] == [listed[1]]


def test_relays_list_and_switch(cam_nvr):
    sim, client = cam_nvr
    assert get(client, "/api/channel/relay?ch=3&ls") == {
        "chid": 3, **code(0), "relay": [{"name": "relay0", "token": "relay0"}, {"name": "relay1", "token": "relay1"}]}
    assert get(client, "/api/channel/relay?ch=3&on=relay0,relay1") == code(0)
    assert [r.active for r in sim.relays] == [True, True]
    assert get(client, "/api/channel/relay?ch=3&off=relay1&on=relay0") == code(0)  # on wins, off ignored
    assert [r.active for r in sim.relays] == [True, True]
    assert get(client, "/api/channel/relay?ch=3&off=relay0") == code(0)
    assert [r.active for r in sim.relays] == [False, True]
    assert get(client, "/api/channel/relay?ch=3&on=nope") == code(-6)


def test_aux_outputs_by_index(cam_nvr):
    sim, client = cam_nvr
    assert get(client, "/api/channel/aux?ch=3&on=0,1") == code(0)
    assert sim.aux_states == {"tt:Wiper": "On", "tt:IRLamp": "On"}
    assert get(client, "/api/channel/aux?ch=3&on=0&off=1") == code(0)  # on wins
    assert get(client, "/api/channel/aux?ch=3&off=1") == code(0)
    assert sim.aux_states == {"tt:Wiper": "On", "tt:IRLamp": "Off"}
    assert get(client, "/api/channel/aux?ch=3&on=2") == code(-8)  # two AUX outputs: 0 and 1
    assert [c["AuxiliaryData"] for c in calls(sim, "SendAuxiliaryCommand")] == [
        "tt:Wiper|On", "tt:IRLamp|On", "tt:Wiper|On", "tt:IRLamp|Off"]


def test_reboot(cam_nvr):
    sim, client = cam_nvr
    assert get(client, "/api/channel/reboot?ch=3") == code(0)
    assert sim.reboots == 1
    assert get(client, "/api/channel/ptz?ch=3&home") == code(0)  # connected again


def test_a_camera_down_answers_not_ready_then_comes_back(onvif_sim_factory, data_dir):
    sim = onvif_sim_factory()
    sim.stop()  # down from the start: its port refuses connections
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        s.add(onvif_channel(3, sim))
    with TestClient(runtime.app, base_url="http://testserver") as client:
        assert get(client, "/api/channel/ptz?ch=3&home") == code(-3)
        assert get(client, "/api/channel/ptz?ch=3&move=1") == code(-3)
        assert get(client, "/api/channel/info", ch="3") == [{"chid": 3, "type": "onvif", "caps": ALL_FALSE,
                                                             **code(-3)}]
        assert get(client, "/api/channel/preset?ch=3&list") == [{"chid": 3, **code(-3)}]
        assert get(client, "/api/enum", what="channel", caps="")[0]["caps"] == ALL_FALSE
        sim.start()
        assert get(client, "/api/channel/ptz?ch=3&home") == code(0)  # connected now
        assert len(sim.calls_of("GotoHomePosition")) == 1
        assert get(client, "/api/enum", what="channel", caps="")[0]["caps"] == SIM_CAPS


def test_a_busy_camera_answers_busy_at_once(cam_nvr):
    sim, client = cam_nvr
    get(client, "/api/channel/info", ch="3")
    sim.delays["GotoHomePosition"] = 1.0
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(get, client, "/api/channel/ptz?ch=3&home")
        time.sleep(0.3)  # the home command is at the camera, which takes 1 s over it
        started = time.monotonic()
        assert get(client, "/api/channel/ptz?ch=3&move=0.5,0") == code(-4)
        assert time.monotonic() - started < 0.5
        assert slow.result() == code(0)
    assert calls(sim, "ContinuousMove") == []
    assert get(client, "/api/channel/ptz?ch=3&move=0.5,0") == code(0)


def test_what_the_camera_cannot_do_is_not_supported(onvif_sim_factory, data_dir):
    sim = onvif_sim_factory(features=Features(ptz=False, imaging=False))
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        s.add(onvif_channel(4, sim))
    with TestClient(runtime.app, base_url="http://testserver") as client:
        caps = get(client, "/api/channel/info", ch="4", caps="")[0]["caps"]
        assert caps == {**ALL_FALSE, "digitalInputs": 2, "relayOutputs": 2, "reboot": True}
        sim.clear_calls()
        for query in ("ptz?ch=4&home", "ptz?ch=4&move=1", "ptz?ch=4&zoom=1", "ptz?ch=4&focus=1", "ptz?ch=4&iris=1",
                      "ptz?ch=4&stop", "preset?ch=4&add", "preset?ch=4&set=1", "preset?ch=4&rm=1",
                      "preset?ch=4&go=1", "aux?ch=4&on=0"):
            assert get(client, f"/api/channel/{query}") == code(-2), query
        assert get(client, "/api/channel/preset?ch=4&list") == [{"chid": 4, **code(-2)}]
        assert sim.calls == []  # refused from the caps, the camera never asked


def test_event_backup_preset_go_moves_the_camera(cam_nvr):
    sim, client = cam_nvr
    token = get(client, "/api/channel/preset?ch=3&add&name=gate")["token"]
    r = client.put("/api/event-videos/trigger?lang=es-ES", auth=AUTH, json={
        "chid": 3, "tasks": [{"command": "presetGo", "token": token}, {"command": "presetGo", "token": "nope"}]})
    assert r.status_code == 200, r.text
    assert r.json()["tasks"] == [{"command": "presetGo", "code": 0, "message": "Correcto"},
                                 {"command": "presetGo", "code": -6, "message": "Token no válido"}]
    assert [c["PresetToken"] for c in calls(sim, "GotoPreset")] == [token, "nope"]


def test_a_removed_channel_closes_its_camera(cam_nvr):
    sim, client = cam_nvr
    get(client, "/api/channel/info", ch="3")
    r = client.delete("/api/channel/3", auth=AUTH)
    assert r.status_code == 200, r.text
    assert get(client, "/api/channel/ptz?ch=3&home") == code(-5)
    assert get(client, "/api/enum", what="channel", caps="") == [
        {"chid": 1, "title": "Lobby", "displayName": "CH1. Lobby", "caps": ALL_FALSE}]


def test_a_camera_that_stops_answering_is_not_ready_then_connected_again(cam_nvr):
    sim, client = cam_nvr
    get(client, "/api/channel/info", ch="3")
    cameras = client.app.state.services.cameras
    first = cameras.cached(3).camera
    first.timeout = 0.5  # this connection's bound on each call (5 s in the server)
    sim.delays["GotoHomePosition"] = 1.0  # longer than that: a camera that does not answer
    started = time.monotonic()
    assert get(client, "/api/channel/ptz?ch=3&home") == code(-3)
    assert time.monotonic() - started < 0.9
    del sim.delays["GotoHomePosition"]
    assert get(client, "/api/channel/ptz?ch=3&home") == code(0)
    assert cameras.cached(3).camera is not first  # the connection was made again


def test_a_channel_added_through_the_api_has_its_caps_read(nvr, onvif_sim):
    _runtime, client = nvr
    r = client.post("/api/channel", auth=AUTH, json={
        "chid": 5, "source": f"rtsp://127.0.0.1:{free_port()}/main", "device": {"url": onvif_sim.url},
        "uid": onvif_sim.user, "password": onvif_sim.password})
    assert r.status_code == 200, r.text

    def caps_of_5() -> Any:
        channels = get(client, "/api/enum", what="channel", caps="")
        return next(c["caps"] for c in channels if c["chid"] == 5) == SIM_CAPS

    wait_until(caps_of_5, timeout=10)  # read in the background, before any request names the channel
    assert get(client, "/api/channel/ptz?ch=5&move=0,-1") == code(0)
    assert calls(onvif_sim, "ContinuousMove")[0]["Velocity"]["PanTilt"] == {"x": 0.0, "y": -1.0, "space": None}


def test_a_camera_over_https_at_another_path_is_added_and_controlled(nvr, onvif_sim_factory):
    _runtime, client = nvr
    sim = onvif_sim_factory(rtsp_main="rtsp://127.0.0.1:9/main", tls=True, service_root="/cgi-bin/onvif")
    for wrong in ("ftp://127.0.0.1/x", "https://127.0.0.1/x?y=1", "onvif://127.0.0.1:99999"):
        r = client.post("/api/channel", auth=AUTH, json={"source": "rtsp://127.0.0.1:9/x", "device": {"url": wrong}})
        assert r.status_code == 400 and "device.url must be written onvif://host:port" in r.json()["message"]
    r = client.post("/api/channel", auth=AUTH, json={
        "chid": 6, "source": f"rtsp://127.0.0.1:{free_port()}/main", "device": {"url": sim.url},
        "uid": sim.user, "password": sim.password})
    assert r.status_code == 200, r.text
    assert get(client, "/api/channel/ptz?ch=6&move=1,0") == code(0)
    assert calls(sim, "ContinuousMove")[0]["Velocity"]["PanTilt"] == {"x": 1.0, "y": 0.0, "space": None}
    info = get(client, "/api/channel/info?ch=6")
    assert info[0]["onvif"]["product"]["model"] == sim.identity.model


def test_a_camera_that_goes_down_answers_not_ready_with_its_caps_kept(cam_nvr):
    sim, client = cam_nvr
    assert get(client, "/api/channel/ptz?ch=3&home") == code(0)
    sim.stop()
    assert get(client, "/api/channel/ptz?ch=3&home") == code(-3)
    assert get(client, "/api/channel/relay?ch=3&on=relay0") == code(-3)
    assert get(client, "/api/channel/info", ch="3", caps="", reload="") == [
        {"chid": 3, "type": "onvif", "caps": SIM_CAPS, **code(-3)}]  # the caps last read
    assert get(client, "/api/channel/preset?ch=3&reload") == [{"chid": 3, **code(-3)}]
    sim.start()
    assert get(client, "/api/channel/ptz?ch=3&home") == code(0)
    assert len(sim.calls_of("GotoHomePosition")) == 2
    assert [r.active for r in sim.relays] == [False, False]


def test_a_camera_refusing_the_channels_credentials_is_not_ready(onvif_sim, data_dir):
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        channel = onvif_channel(6, onvif_sim)
        channel.password = "not-" + onvif_sim.password
        s.add(channel)
    with TestClient(runtime.app, base_url="http://testserver") as client:
        assert get(client, "/api/channel/ptz?ch=6&home") == code(-3)
        assert get(client, "/api/channel/info", ch="6", caps="") == [
            {"chid": 6, "type": "onvif", "caps": ALL_FALSE, **code(-3)}]
    assert onvif_sim.calls_of("GotoHomePosition") == []


def test_preset_names_kept_by_the_server_outlive_a_restart_and_go_with_their_channel(onvif_sim, data_dir):
    runtime = make_runtime(data_dir)
    with runtime.db.write() as s:
        s.add(onvif_channel(3, onvif_sim))
    with TestClient(runtime.app, base_url="http://testserver") as client:
        token = get(client, "/api/channel/preset?ch=3&add&name=정문")["token"]
    assert onvif_sim.presets[0].name != "정문"  # not ASCII: the name is the server's alone
    restarted = make_runtime(data_dir)
    with TestClient(restarted.app, base_url="http://testserver") as client:
        assert get(client, "/api/channel/preset?ch=3&reload") == [
            {"chid": 3, **code(0), "preset": [{"name": "정문", "token": token}]}]
        deleted = client.delete("/api/channel/3", auth=AUTH)
        assert deleted.status_code == 200, deleted.text
    with restarted.db.read() as s:
        assert s.exec(select(PresetName)).all() == []
