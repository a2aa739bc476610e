"""The ONVIF simulator (tests/onvif_sim) against onvif-zeep-async's client, and against raw SOAP
that an ONVIF device must refuse."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
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
