"""The ONVIF simulator (tests/onvif_sim) against onvif-zeep-async's client, and against raw SOAP
that an ONVIF device must refuse."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import zeep.exceptions
from onvif import ONVIFCamera

from tests.onvif_sim import OnvifSimulator, soap

pytest_plugins = ("tests.onvif_sim.fixture",)

MEDIA = "http://www.onvif.org/ver10/media/wsdl"
DEVICE = "http://www.onvif.org/ver10/device/wsdl"
PTZ = "http://www.onvif.org/ver20/ptz/wsdl"


USER = "admin"  # the fixture's credentials
PASSWORD = "sim-secret"


def run_camera(sim: OnvifSimulator, scenario: Callable[[ONVIFCamera], Awaitable[Any]],
               password: str | None = None, adjust_time: bool = False) -> Any:
    async def main() -> Any:
        camera = ONVIFCamera("127.0.0.1", sim.port, sim.user, password or sim.password, adjust_time=adjust_time)
        try:
            await camera.update_xaddrs()
            return await scenario(camera)
        finally:
            await camera.close()

    return asyncio.run(main())


def test_device_and_media_answers_as_configured(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> dict[str, Any]:
        device = await camera.create_devicemgmt_service()
        media = await camera.create_media_service()
        profiles = await media.GetProfiles()
        uris = [
            (await media.GetStreamUri({
                "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                "ProfileToken": profile.token,
            })).Uri
            for profile in profiles
        ]
        return {
            "info": await device.GetDeviceInformation(),
            "scopes": [scope.ScopeItem for scope in await device.GetScopes()],
            "interfaces": await device.GetNetworkInterfaces(),
            "profiles": [(p.token, p.Name, p.VideoEncoderConfiguration.Encoding,
                          p.VideoEncoderConfiguration.Resolution.Width,
                          p.VideoEncoderConfiguration.Resolution.Height) for p in profiles],
            "uris": uris,
            "xaddrs": dict(camera.xaddrs),
        }

    found = run_camera(onvif_sim, scenario)
    info = found["info"]
    assert (info.Manufacturer, info.Model, info.FirmwareVersion, info.SerialNumber, info.HardwareId) == (
        "TSNVR-Sim", "SimCam 1080", "1.2.3", "SIM0001", "HW-SIM-1")
    assert "onvif://www.onvif.org/name/SimCam" in found["scopes"]
    assert "onvif://www.onvif.org/location/city/Seoul" in found["scopes"]
    assert found["interfaces"][0].Info.HwAddress == "02:00:00:00:00:01"
    assert found["profiles"] == [("main", "MainStream", "H264", 1920, 1080), ("sub", "SubStream", "H264", 640, 360)]
    assert found["uris"] == ["rtsp://127.0.0.1:8554/main", "rtsp://127.0.0.1:8554/sub"]
    assert found["xaddrs"][MEDIA] == f"http://127.0.0.1:{onvif_sim.port}/onvif/media_service"
    assert found["xaddrs"][PTZ] == f"http://127.0.0.1:{onvif_sim.port}/onvif/ptz_service"
    operations = [(call.operation, call.user, call.fault) for call in onvif_sim.calls]
    assert operations[:2] == [("GetServices", None, None), ("GetProfiles", USER, None)]
    uri_calls = onvif_sim.calls_of("GetStreamUri")
    assert [call.args["ProfileToken"] for call in uri_calls] == ["main", "sub"]
    assert uri_calls[0].args["StreamSetup"]["Transport"]["Protocol"] == "RTSP"


def test_stream_uri_can_change(onvif_sim: OnvifSimulator) -> None:
    onvif_sim.set_stream_uri("main", "rtsp://127.0.0.1:9/moved")

    async def scenario(camera: ONVIFCamera) -> str:
        media = await camera.create_media_service()
        answer = await media.GetStreamUri({
            "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}, "ProfileToken": "main"})
        return str(answer.Uri)

    assert run_camera(onvif_sim, scenario) == "rtsp://127.0.0.1:9/moved"


def test_wrong_password_is_not_authorized(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> None:
        device = await camera.create_devicemgmt_service()
        await device.GetDeviceInformation()

    with pytest.raises(zeep.exceptions.Fault) as raised:
        run_camera(onvif_sim, scenario, password="wrong")
    assert "wrong password digest" in str(raised.value.message)
    assert raised.value.subcodes is not None
    assert [code.localname for code in raised.value.subcodes] == ["NotAuthorized"]
    assert onvif_sim.calls_of("GetDeviceInformation")[-1].fault == "Sender/NotAuthorized"


def test_camera_clock_offset_needs_the_client_to_adjust(onvif_sim_factory: Callable[..., OnvifSimulator]) -> None:
    sim = onvif_sim_factory(clock_offset=-3600.0)

    async def scenario(camera: ONVIFCamera) -> str:
        device = await camera.create_devicemgmt_service()
        return str((await device.GetDeviceInformation()).Model)

    with pytest.raises(zeep.exceptions.Fault, match="3600 s from the device's clock"):
        run_camera(sim, scenario)
    assert run_camera(sim, scenario, adjust_time=True) == "SimCam 1080"


def test_stopped_camera_refuses_connections_and_comes_back_on_its_port(onvif_sim: OnvifSimulator) -> None:
    port = onvif_sim.port
    onvif_sim.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.post(onvif_sim.xaddr("device"), content=b"")
    onvif_sim.start()
    assert onvif_sim.port == port
    status, _ = post(onvif_sim, "device", f'<tds:GetSystemDateAndTime xmlns:tds="{DEVICE}"/>', secured=False)
    assert status == 200


# --- raw SOAP --------------------------------------------------------------------------------

def security_header(user: str = USER, password: str = PASSWORD, created: dt.datetime | None = None,
                    nonce: bytes | None = None) -> str:
    nonce = os.urandom(16) if nonce is None else nonce
    stamp = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = soap.password_digest(nonce, stamp, password)
    return (
        f'<env:Header><wsse:Security xmlns:wsse="{soap.WSSE}" xmlns:wsu="{soap.WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="{soap.PASSWORD_DIGEST}">{digest}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{stamp}</wsu:Created></wsse:UsernameToken></wsse:Security></env:Header>"
    )


def post(sim: OnvifSimulator, service: str, body: str, secured: bool = True, header: str | None = None,
         envelope: str | None = None, content_type: str = "application/soap+xml; charset=utf-8") -> tuple[int, str]:
    if header is None:
        header = security_header() if secured else ""
    if envelope is None:
        envelope = f'<env:Envelope xmlns:env="{soap.ENV}">{header}<env:Body>{body}</env:Body></env:Envelope>'
    answer = httpx.post(sim.xaddr(service), content=envelope.encode(), headers={"Content-Type": content_type})
    return answer.status_code, answer.text


GET_PROFILES = f'<trt:GetProfiles xmlns:trt="{MEDIA}"/>'


def test_a_valid_raw_request_is_answered(onvif_sim: OnvifSimulator) -> None:
    status, text = post(onvif_sim, "media", GET_PROFILES)
    assert status == 200
    assert "GetProfilesResponse" in text and 'token="sub"' in text


@pytest.mark.parametrize(("envelope", "status", "code"), [
    ("<env:Envelope", 400, "ter:WellFormed"),
    ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>',
     500, "env:VersionMismatch"),
    (f'<env:Envelope xmlns:env="{soap.ENV}"><env:Body/></env:Envelope>', 400, "ter:Tag"),
    (f'<env:Envelope xmlns:env="{soap.ENV}"><env:Body>{GET_PROFILES}{GET_PROFILES}</env:Body></env:Envelope>',
     400, "ter:Tag"),
    (f'<env:Envelope xmlns:env="{soap.ENV}"><env:Body/><env:Header/></env:Envelope>', 400, "ter:TagMismatch"),
    (f'<!DOCTYPE x [<!ENTITY e "x">]><env:Envelope xmlns:env="{soap.ENV}"><env:Body>{GET_PROFILES}</env:Body>'
     "</env:Envelope>", 400, "ter:WellFormed"),
])
def test_malformed_envelopes_are_refused(onvif_sim: OnvifSimulator, envelope: str, status: int, code: str) -> None:
    answer_status, text = post(onvif_sim, "media", "", envelope=envelope)
    assert answer_status == status
    assert f"<env:Value>{code}</env:Value>" in text
    assert onvif_sim.calls_of("GetProfiles") == []


def test_soap_11_content_type_is_refused(onvif_sim: OnvifSimulator) -> None:
    status, text = post(onvif_sim, "media", GET_PROFILES, content_type="text/xml")
    assert status == 415
    assert "<env:Value>env:VersionMismatch</env:Value>" in text


@pytest.mark.parametrize(("service", "body", "status", "codes"), [
    # an operation of another service, and one that exists nowhere
    ("media", f'<tds:GetDeviceInformation xmlns:tds="{DEVICE}"/>', 500, ["env:Receiver", "ter:ActionNotSupported"]),
    ("media", f'<trt:GetCoffee xmlns:trt="{MEDIA}"/>', 500, ["env:Receiver", "ter:ActionNotSupported"]),
    # not a float, a missing required element, an unknown element, a value outside the enumeration
    ("ptz", f'<tptz:ContinuousMove xmlns:tptz="{PTZ}" xmlns:tt="http://www.onvif.org/ver10/schema">'
     '<tptz:ProfileToken>main</tptz:ProfileToken><tptz:Velocity><tt:PanTilt x="left" y="0"/></tptz:Velocity>'
     "</tptz:ContinuousMove>", 400, ["env:Sender", "ter:InvalidArgVal"]),
    ("ptz", f'<tptz:ContinuousMove xmlns:tptz="{PTZ}" xmlns:tt="http://www.onvif.org/ver10/schema">'
     '<tptz:Velocity><tt:PanTilt x="0.5" y="0"/></tptz:Velocity></tptz:ContinuousMove>',
     400, ["env:Sender", "ter:InvalidArgVal"]),
    ("media", f'<trt:GetProfiles xmlns:trt="{MEDIA}"><trt:All>1</trt:All></trt:GetProfiles>',
     400, ["env:Sender", "ter:InvalidArgVal"]),
    ("media", f'<trt:GetStreamUri xmlns:trt="{MEDIA}" xmlns:tt="http://www.onvif.org/ver10/schema">'
     "<trt:StreamSetup><tt:Stream>RTP-Carrier-Pigeon</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol>"
     "</tt:Transport></trt:StreamSetup><trt:ProfileToken>main</trt:ProfileToken></trt:GetStreamUri>",
     400, ["env:Sender", "ter:InvalidArgVal"]),
    ("media", f'<trt:GetStreamUri xmlns:trt="{MEDIA}" xmlns:tt="http://www.onvif.org/ver10/schema">'
     "<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol>"
     "</tt:Transport></trt:StreamSetup><trt:ProfileToken>nope</trt:ProfileToken></trt:GetStreamUri>",
     400, ["env:Sender", "ter:InvalidArgVal", "ter:NoProfile"]),
])
def test_invalid_requests_get_onvif_faults(onvif_sim: OnvifSimulator, service: str, body: str, status: int,
                                          codes: list[str]) -> None:
    answer_status, text = post(onvif_sim, service, body)
    assert answer_status == status
    assert [f"<env:Value>{code}</env:Value>" in text for code in codes] == [True] * len(codes)
    assert onvif_sim.calls[-1].fault == "/".join(code.split(":")[1] for code in codes)


@pytest.mark.parametrize(("make_header", "reason"), [
    (lambda: "", "no WS-Security UsernameToken"),
    (lambda: security_header(user="root"), "unknown user 'root'"),
    (lambda: security_header(password="guess"), "wrong password digest"),
    (lambda: security_header(created=dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(seconds=60)),
     "s from the device's clock"),  # 60 or 61: a second may begin between the two clocks' reads
    (lambda: f'<env:Header><wsse:Security xmlns:wsse="{soap.WSSE}"><wsse:UsernameToken><wsse:Username>{USER}'
     f'</wsse:Username><wsse:Password Type="{soap.PASSWORD_TEXT}">{PASSWORD}</wsse:Password>'
     "</wsse:UsernameToken></wsse:Security></env:Header>", "password type"),
])
def test_bad_credentials_are_not_authorized(onvif_sim: OnvifSimulator, make_header: Callable[[], str],
                                            reason: str) -> None:
    status, text = post(onvif_sim, "media", GET_PROFILES, header=make_header())
    assert status == 400
    assert "<env:Value>ter:NotAuthorized</env:Value>" in text
    assert reason in text
    assert onvif_sim.calls[-1].fault == "Sender/NotAuthorized"


def test_a_replayed_nonce_is_refused(onvif_sim: OnvifSimulator) -> None:
    header = security_header(nonce=b"0123456789abcdef")
    assert post(onvif_sim, "media", GET_PROFILES, header=header)[0] == 200
    status, text = post(onvif_sim, "media", GET_PROFILES, header=header)
    assert (status, "replay" in text) == (400, True)


def test_pre_auth_operations_need_no_credentials(onvif_sim: OnvifSimulator) -> None:
    status, text = post(onvif_sim, "device", f'<tds:GetSystemDateAndTime xmlns:tds="{DEVICE}"/>', secured=False)
    assert status == 200
    year = dt.datetime.now(dt.UTC).year
    assert f"<ns1:Year>{year}</ns1:Year>" in text or f">{year}</" in text


# --- PTZ, imaging, device IO ----------------------------------------------------------------

def test_ptz_moves_presets_home_and_aux(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> dict[str, Any]:
        ptz = await camera.create_ptz_service()
        node = (await ptz.GetNodes())[0]
        await ptz.ContinuousMove({"ProfileToken": "main", "Velocity": {"PanTilt": {"x": 0.5, "y": -0.25},
                                                                       "Zoom": {"x": 0.0}}})
        moving = await ptz.GetStatus({"ProfileToken": "main"})
        await ptz.Stop({"ProfileToken": "main"})
        await ptz.AbsoluteMove({"ProfileToken": "main", "Position": {"PanTilt": {"x": 0.25, "y": 0.5},
                                                                     "Zoom": {"x": 0.75}}})
        first = await ptz.SetPreset({"ProfileToken": "main", "PresetName": "Gate"})
        second = await ptz.SetPreset({"ProfileToken": "main"})
        await ptz.GotoHomePosition({"ProfileToken": "main"})
        renamed = await ptz.SetPreset({"ProfileToken": "main", "PresetToken": second, "PresetName": "Home lane"})
        await ptz.GotoPreset({"ProfileToken": "main", "PresetToken": first})
        at_preset = await ptz.GetStatus({"ProfileToken": "main"})
        await ptz.RemovePreset({"ProfileToken": "main", "PresetToken": first})
        presets = await ptz.GetPresets({"ProfileToken": "main"})
        aux = await ptz.SendAuxiliaryCommand({"ProfileToken": "main", "AuxiliaryData": "tt:Wiper|On"})
        with pytest.raises(zeep.exceptions.Fault) as no_token:
            await ptz.GotoPreset({"ProfileToken": "main", "PresetToken": first})
        return {
            "node": (node.token, node.MaximumNumberOfPresets, node.HomeSupported, list(node.AuxiliaryCommands)),
            "moving": (moving.MoveStatus.PanTilt, moving.MoveStatus.Zoom),
            "tokens": (first, second, renamed),
            "at_preset": (at_preset.Position.PanTilt.x, at_preset.Position.PanTilt.y, at_preset.Position.Zoom.x,
                          at_preset.MoveStatus.PanTilt),
            "presets": [(preset.token, preset.Name, preset.PTZPosition.PanTilt.x) for preset in presets],
            "aux": aux,
            "no_token": [code.localname for code in no_token.value.subcodes],
        }

    found = run_camera(onvif_sim, scenario)
    assert found["node"] == ("ptz0", 16, True, ["tt:Wiper|On", "tt:Wiper|Off", "tt:IRLamp|On", "tt:IRLamp|Off"])
    assert found["moving"] == ("MOVING", "IDLE")
    assert found["tokens"] == ("1", "2", "2")
    assert found["at_preset"] == (0.25, 0.5, 0.75, "IDLE")
    assert found["presets"] == [("2", "Home lane", 0.0)]  # preset 2 was moved to home, then renamed
    assert found["aux"] == "tt:Wiper|On"
    assert found["no_token"] == ["InvalidArgVal", "NoToken"]
    move = onvif_sim.calls_of("ContinuousMove")[0]
    assert move.args["ProfileToken"] == "main"
    assert move.args["Velocity"]["PanTilt"] == {"x": 0.5, "y": -0.25, "space": None}
    assert [call.args["PresetToken"] for call in onvif_sim.calls_of("GotoPreset")] == ["1", "1"]
    assert [call.fault for call in onvif_sim.calls_of("GotoPreset")] == [None, "Sender/InvalidArgVal/NoToken"]
    assert onvif_sim.aux_states == {"tt:Wiper": "On"}
    assert (onvif_sim.ptz.pan, onvif_sim.ptz.tilt, onvif_sim.ptz.zoom) == (0.25, 0.5, 0.75)
    assert not onvif_sim.ptz.moving


def test_continuous_move_moves_until_its_timeout(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> None:
        ptz = await camera.create_ptz_service()
        await ptz.ContinuousMove({"ProfileToken": "main", "Velocity": {"PanTilt": {"x": 1.0, "y": 0.0}},
                                  "Timeout": dt.timedelta(seconds=0.2)})

    run_camera(onvif_sim, scenario)
    onvif_sim.ptz.settle(onvif_sim.ptz.since + 5.0)  # long after the timeout
    assert not onvif_sim.ptz.moving
    assert onvif_sim.ptz.pan == pytest.approx(0.2 * onvif_sim.ptz.units_per_second, abs=0.005)


def test_too_many_presets_and_duplicate_names(onvif_sim_factory: Callable[..., OnvifSimulator]) -> None:
    sim = onvif_sim_factory(max_presets=1)

    async def scenario(camera: ONVIFCamera) -> list[list[str]]:
        ptz = await camera.create_ptz_service()
        await ptz.SetPreset({"ProfileToken": "sub", "PresetName": "A"})
        faults = []
        for request in ({"ProfileToken": "sub"}, {"ProfileToken": "sub", "PresetToken": "1", "PresetName": "A"},
                        {"ProfileToken": "nope"}):
            try:
                await ptz.SetPreset(request)
                faults.append([])
            except zeep.exceptions.Fault as fault:
                faults.append([fault.code, *(code.localname for code in fault.subcodes)])
        return faults

    assert run_camera(sim, scenario) == [["env:Receiver", "Action", "TooManyPresets"], [],
                                         ["env:Sender", "InvalidArgVal", "NoProfile"]]


def test_imaging_focus_and_iris(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> dict[str, Any]:
        imaging = await camera.create_imaging_service()
        options = await imaging.GetMoveOptions({"VideoSourceToken": "vs0"})
        await imaging.Move({"VideoSourceToken": "vs0", "Focus": {"Continuous": {"Speed": -0.5}}})
        moving = await imaging.GetStatus({"VideoSourceToken": "vs0"})
        await imaging.Stop({"VideoSourceToken": "vs0"})
        iris_range = (await imaging.GetOptions({"VideoSourceToken": "vs0"})).Exposure.Iris
        await imaging.SetImagingSettings({"VideoSourceToken": "vs0",
                                          "ImagingSettings": {"Exposure": {"Mode": "MANUAL", "Iris": -4.0}}})
        settings = await imaging.GetImagingSettings({"VideoSourceToken": "vs0"})
        return {
            "speed": (options.Continuous.Speed.Min, options.Continuous.Speed.Max),
            "moving": moving.FocusStatus20.MoveStatus,
            "iris_range": (iris_range.Min, iris_range.Max),
            "iris": (settings.Exposure.Mode, settings.Exposure.Iris),
        }

    assert run_camera(onvif_sim, scenario) == {
        "speed": (-1.0, 1.0), "moving": "MOVING", "iris_range": (-22.0, 0.0), "iris": ("MANUAL", -4.0)}
    assert onvif_sim.calls_of("Move")[0].args["Focus"]["Continuous"] == {"Speed": -0.5}
    assert (onvif_sim.focus.speed, onvif_sim.focus.iris) == (0.0, -4.0)


def test_unsupported_features(onvif_sim_factory: Callable[..., OnvifSimulator]) -> None:
    from tests.onvif_sim import Features

    sim = onvif_sim_factory(features=Features(ptz=False, iris=False, home=False, reboot=False))

    async def scenario(camera: ONVIFCamera) -> dict[str, Any]:
        device = await camera.create_devicemgmt_service()
        imaging = await camera.create_imaging_service()
        capabilities = await device.GetCapabilities({"Category": "All"})
        faults = {}
        try:
            await imaging.SetImagingSettings({"VideoSourceToken": "vs0",
                                              "ImagingSettings": {"Exposure": {"Mode": "MANUAL", "Iris": 0.0}}})
        except zeep.exceptions.Fault as fault:
            faults["iris"] = [code.localname for code in fault.subcodes]
        try:
            await device.SystemReboot()
        except zeep.exceptions.Fault as fault:
            faults["reboot"] = [code.localname for code in fault.subcodes]
        options = await imaging.GetOptions({"VideoSourceToken": "vs0"})
        return {"ptz": capabilities.PTZ, "xaddr": PTZ in camera.xaddrs, "faults": faults,
                "iris_range": options.Exposure.Iris}

    assert run_camera(sim, scenario) == {"ptz": None, "xaddr": False, "iris_range": None,
                                         "faults": {"iris": ["InvalidArgVal", "SettingsInvalid"],
                                                    "reboot": ["ActionNotSupported"]}}
    status, text = post(sim, "ptz", f'<tptz:GetNodes xmlns:tptz="{PTZ}"/>')
    assert (status, "ter:ActionNotSupported" in text) == (500, True)


def test_relays_digital_inputs_and_reboot(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> dict[str, Any]:
        deviceio = await camera.create_deviceio_service()
        device = await camera.create_devicemgmt_service()
        relays = await deviceio.GetRelayOutputs()
        await deviceio.SetRelayOutputState({"RelayOutputToken": "relay1", "LogicalState": "active"})
        await device.SetRelayOutputState({"RelayOutputToken": "relay0", "LogicalState": "inactive"})
        inputs = await deviceio.GetDigitalInputs()
        capabilities = await deviceio.GetServiceCapabilities()
        message = await device.SystemReboot()
        return {"relays": [(relay.token, relay.Properties.Mode) for relay in relays],
                "inputs": [di.token for di in inputs], "relay_count": capabilities.RelayOutputs,
                "message": message}

    assert run_camera(onvif_sim, scenario) == {
        "relays": [("relay0", "Bistable"), ("relay1", "Bistable")], "inputs": ["di0", "di1"], "relay_count": 2,
        "message": "Rebooting in 0 seconds"}
    assert [(relay.token, relay.active) for relay in onvif_sim.relays] == [("relay0", False), ("relay1", True)]
    assert [(call.service, call.args) for call in onvif_sim.calls_of("SetRelayOutputState")] == [
        ("deviceio", {"RelayOutputToken": "relay1", "LogicalState": "active"}),
        ("device", {"RelayOutputToken": "relay0", "LogicalState": "inactive"}),
    ]
    assert onvif_sim.reboots == 1


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_a_busy_operation_delays_only_itself(onvif_sim: OnvifSimulator) -> None:
    onvif_sim.delays["GotoPreset"] = 1.0
    body = (f'<tptz:GotoPreset xmlns:tptz="{PTZ}"><tptz:ProfileToken>main</tptz:ProfileToken>'
            "<tptz:PresetToken>1</tptz:PresetToken></tptz:GotoPreset>")
    envelope = f'<env:Envelope xmlns:env="{soap.ENV}">{security_header()}<env:Body>{body}</env:Body></env:Envelope>'
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(onvif_sim.xaddr("ptz"), content=envelope.encode(), timeout=0.2,
                   headers={"Content-Type": "application/soap+xml"})
    assert post(onvif_sim, "media", GET_PROFILES)[0] == 200  # answered while GotoPreset still waits
    assert [call.operation for call in onvif_sim.calls] == ["GetProfiles"]
    wait_for(lambda: len(onvif_sim.calls) == 2)
    assert onvif_sim.calls[1].operation == "GotoPreset"


def test_reboot_with_downtime_goes_down_and_comes_back(onvif_sim_factory: Callable[..., OnvifSimulator]) -> None:
    sim = onvif_sim_factory(reboot_downtime=0.3)
    status, _ = post(sim, "device", f'<tds:SystemReboot xmlns:tds="{DEVICE}"/>')
    assert status == 200
    wait_for(lambda: not sim.running)
    with pytest.raises(httpx.ConnectError):
        httpx.post(sim.xaddr("device"), content=b"")
    wait_for(lambda: sim.running)
    assert post(sim, "device", f'<tds:GetSystemDateAndTime xmlns:tds="{DEVICE}"/>', secured=False)[0] == 200
    assert sim.reboots == 1


# --- events ------------------------------------------------------------------------------------

def message_items(notification: Any) -> tuple[str, str, dict[str, str]]:
    """(topic, PropertyOperation, {SimpleItem name: value} of Source and Data) of a notification."""
    message = notification.Message._value_1
    items = {item.Name: item.Value for item in message.Source.SimpleItem + message.Data.SimpleItem}
    return notification.Topic._value_1, message.PropertyOperation, items


def test_pull_point_delivers_the_motion_and_tamper_the_test_triggers(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> dict[str, Any]:
        manager = await camera.create_pullpoint_manager(dt.timedelta(seconds=60), lambda: None)
        pullpoint = manager.get_service()
        initial = await pullpoint.PullMessages({"MessageLimit": 10, "Timeout": dt.timedelta(seconds=0)})
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, onvif_sim.trigger_motion, True)  # arrives while the pull waits
        motion = await pullpoint.PullMessages({"MessageLimit": 10, "Timeout": dt.timedelta(seconds=5)})
        onvif_sim.trigger_tamper(True)
        onvif_sim.trigger_motion(False)
        both = await pullpoint.PullMessages({"MessageLimit": 1, "Timeout": dt.timedelta(seconds=5)})
        rest = await pullpoint.PullMessages({"MessageLimit": 10, "Timeout": dt.timedelta(seconds=5)})
        await manager.shutdown()
        return {"initial": [message_items(n) for n in initial.NotificationMessage],
                "motion": [message_items(n) for n in motion.NotificationMessage],
                "then": [message_items(n) for n in both.NotificationMessage + rest.NotificationMessage]}

    found = run_camera(onvif_sim, scenario)
    motion_source = {"VideoSourceConfigurationToken": "vsc0", "VideoAnalyticsConfigurationToken": "vac0",
                     "Rule": "MyMotionDetectorRule"}
    motion_topic = "tns1:RuleEngine/CellMotionDetector/Motion"
    tamper_topic = "tns1:VideoSource/GlobalSceneChange/ImagingService"
    assert found["initial"] == [
        (motion_topic, "Initialized", motion_source | {"IsMotion": "false"}),
        (tamper_topic, "Initialized", {"Source": "vs0", "State": "false"}),
    ]
    assert found["motion"] == [(motion_topic, "Changed", motion_source | {"IsMotion": "true"})]
    assert found["then"] == [
        (tamper_topic, "Changed", {"Source": "vs0", "State": "true"}),
        (motion_topic, "Changed", motion_source | {"IsMotion": "false"}),
    ]
    assert onvif_sim.subscriptions == {}  # the manager's shutdown unsubscribed
    assert [call.operation for call in onvif_sim.calls if call.service == "pullpoint"][-1] == "Unsubscribe"


def test_event_properties_name_the_two_topics(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> list[tuple[str, str | None, list[str]]]:
        events = await camera.create_events_service()
        properties = await events.GetEventProperties()
        found = []
        for root in properties.TopicSet._value_1:
            for element in root.iter():
                if element.get("{http://docs.oasis-open.org/wsn/t-1}topic") == "true":
                    path = [ancestor.tag.split("}")[1] for ancestor in reversed(list(element.iterancestors()))
                            if ancestor.tag.startswith("{http://www.onvif.org/ver10/topics}")]
                    description = element.find("{http://www.onvif.org/ver10/schema}MessageDescription")
                    found.append(("/".join([*path, element.tag.split("}")[1]]), description.get("IsProperty"),
                                  [item.get("Name") for item in description.iter(
                                      "{http://www.onvif.org/ver10/schema}SimpleItemDescription")]))
        return found

    assert run_camera(onvif_sim, scenario) == [
        ("RuleEngine/CellMotionDetector/Motion", "true",
         ["VideoSourceConfigurationToken", "VideoAnalyticsConfigurationToken", "Rule", "IsMotion"]),
        ("VideoSource/GlobalSceneChange/ImagingService", "true", ["Source", "State"]),
    ]


def test_a_topic_filter_and_an_unknown_subscription(onvif_sim: OnvifSimulator) -> None:
    body = ('<tev:CreatePullPointSubscription xmlns:tev="http://www.onvif.org/ver10/events/wsdl" '
            'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><tev:Filter>'
            '<wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet" '
            'xmlns:tns1="http://www.onvif.org/ver10/topics">tns1:RuleEngine//.</wsnt:TopicExpression>'
            "</tev:Filter><tev:InitialTerminationTime>PT30S</tev:InitialTerminationTime>"
            "</tev:CreatePullPointSubscription>")
    status, text = post(onvif_sim, "events", body)
    assert status == 200
    (subscription,) = onvif_sim.subscriptions.values()
    assert subscription.topics == ("tns1:RuleEngine//.",)
    assert [n.topic for n in subscription.queue] == ["tns1:RuleEngine/CellMotionDetector/Motion"]
    assert 29 <= (subscription.termination - onvif_sim.now()).total_seconds() <= 30
    assert onvif_sim.pullpoint_address(subscription.id) in text
    pull = ('<tev:PullMessages xmlns:tev="http://www.onvif.org/ver10/events/wsdl"><tev:Timeout>PT0S</tev:Timeout>'
            "<tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>")
    answer = httpx.post(onvif_sim.pullpoint_address("999"), headers={"Content-Type": "application/soap+xml"},
                        content=(f'<env:Envelope xmlns:env="{soap.ENV}">{security_header()}<env:Body>{pull}'
                                 "</env:Body></env:Envelope>").encode())
    assert answer.status_code == 400
    assert "<env:Value>ter:ResourceUnknown</env:Value>" in answer.text


def test_a_stopped_camera_answers_nothing_on_kept_alive_connections(onvif_sim: OnvifSimulator) -> None:
    async def scenario(camera: ONVIFCamera) -> list[str]:
        device = await camera.create_devicemgmt_service()
        outcomes = [str((await device.GetDeviceInformation()).Model)]
        onvif_sim.stop()
        try:
            await device.GetDeviceInformation()
            outcomes.append("answered")
        except Exception as error:  # aiohttp's connection errors, wrapped or not
            outcomes.append(type(error).__name__)
        return outcomes

    outcomes = run_camera(onvif_sim, scenario)
    assert outcomes[0] == "SimCam 1080"
    assert outcomes[1] != "answered"
    assert len(onvif_sim.calls_of("GetDeviceInformation")) == 1


def test_the_sub_profile_streams_from_the_rtsp_test_server(onvif_sim_factory: Callable[..., OnvifSimulator]) -> None:
    import av

    from tests.rtsp_server import RtspServerProcess

    with RtspServerProcess() as rtsp:  # /live: 640x360 H.264
        sim = onvif_sim_factory(rtsp_main="rtsp://127.0.0.1:9/no-main-here", rtsp_sub=rtsp.url("live"))

        async def scenario(camera: ONVIFCamera) -> str:
            media = await camera.create_media_service()
            answer = await media.GetStreamUri({
                "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}, "ProfileToken": "sub"})
            return str(answer.Uri)

        uri = run_camera(sim, scenario)
        assert uri == rtsp.url("live")
        with av.open(uri, options={"rtsp_transport": "tcp"}, timeout=5.0) as container:
            codec = container.streams.video[0].codec_context.name
            frame = next(container.decode(video=0))
        assert (codec, frame.width, frame.height) == ("h264", 640, 360)


def test_an_older_camera_without_get_services_is_found_through_get_capabilities(
        onvif_sim_factory: Callable[..., OnvifSimulator]) -> None:
    from tests.onvif_sim import Features

    sim = onvif_sim_factory(features=Features(get_services=False, events=False))

    async def scenario(camera: ONVIFCamera) -> dict[str, str]:
        return dict(camera.xaddrs)

    xaddrs = run_camera(sim, scenario)
    base = f"http://127.0.0.1:{sim.port}/onvif"
    # onvif-zeep-async takes the top-level categories it knows from GetCapabilities
    assert xaddrs == {MEDIA: f"{base}/media_service", PTZ: f"{base}/ptz_service",
                      "http://www.onvif.org/ver20/imaging/wsdl": f"{base}/imaging_service"}
    assert [(call.operation, call.fault) for call in sim.calls] == [
        ("GetServices", "Receiver/ActionNotSupported"), ("GetCapabilities", None)]
    status, text = post(sim, "device", f'<tds:GetCapabilities xmlns:tds="{DEVICE}"/>', secured=False)
    assert status == 200
    assert [f"{base}/{name}_service" in text for name in ("device", "deviceio", "events")] == [True, True, False]


def test_an_address_change_moves_every_service(onvif_sim: OnvifSimulator) -> None:
    old = onvif_sim.xaddr("media")
    onvif_sim.change_address()
    assert onvif_sim.xaddr("media") != old
    with pytest.raises(httpx.ConnectError):
        httpx.post(old, content=b"")
    status, text = post(onvif_sim, "device", f'<tds:GetServices xmlns:tds="{DEVICE}"><tds:IncludeCapability>'
                        "false</tds:IncludeCapability></tds:GetServices>", secured=False)
    assert status == 200
    assert (onvif_sim.xaddr("media") in text, old in text) == (True, False)
