"""The ONVIF camera client (recorder/onvif/camera.py) against the ONVIF device simulator
(tests/onvif_sim): what each call told the camera, the capabilities and profiles it read back, and
the guide's device-control codes for a wrong password, a wrong camera clock, a camera that is down
or silent, a busy camera, unknown tokens and missing services."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
import zeep.exceptions
from lxml import etree

from recorder.onvif.address import device_address, device_endpoint
from recorder.onvif.camera import (
    Caps,
    DeviceInfo,
    OnvifCamera,
    Preset,
    Profile,
    aux_command,
    aux_names,
    read_scopes,
)
from recorder.onvif.errors import (
    Busy,
    DeviceError,
    InvalidParameters,
    InvalidRequest,
    InvalidToken,
    NotReady,
    NotSupported,
)
from recorder.onvif.faults import device_error
from tests.onvif_sim.server import OnvifSimulator
from tests.onvif_sim.state import Features

T = TypeVar("T")
TER = "http://www.onvif.org/ver10/error"
ENV = "http://www.w3.org/2003/05/soap-envelope"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


# --- without a camera -------------------------------------------------------------------------


def fault(*subcodes: str, code: str = "Sender") -> zeep.exceptions.Fault:
    return zeep.exceptions.Fault("it failed", code=f"env:{code}",
                                 subcodes=[etree.QName(TER, sub) for sub in subcodes])


@pytest.mark.parametrize(("subcodes", "kind", "code"), [
    (("ActionNotSupported",), NotSupported, -2),
    (("InvalidArgVal", "NoToken"), InvalidToken, -6),
    (("InvalidArgVal", "NoProfile"), InvalidToken, -6),
    (("InvalidArgVal",), InvalidParameters, -8),
    (("InvalidArgVal", "InvalidVelocity"), InvalidParameters, -8),
    (("NotAuthorized",), NotReady, -3),
    (("InvalidArgVal", "MovingPTZ"), Busy, -4),
    (("SomethingElse",), DeviceError, -9),
])
def test_soap_faults_map_onto_the_guide_codes(subcodes: tuple[str, ...], kind: type[DeviceError], code: int) -> None:
    error = device_error(fault(*subcodes), 400)
    assert type(error) is kind
    assert error.code == code
    assert error.device_response_code == 400


def test_transport_failures_map_onto_not_ready_or_device_error() -> None:
    assert type(device_error(TimeoutError())) is NotReady
    assert type(device_error(ConnectionRefusedError())) is NotReady
    unauthorized = device_error(zeep.exceptions.TransportError("no", status_code=401))
    assert (type(unauthorized), unauthorized.device_response_code) == (NotReady, 401)
    broken = device_error(zeep.exceptions.TransportError("no", status_code=502))
    assert (type(broken), broken.code, broken.device_response_code) == (DeviceError, -9, 502)


def test_device_address() -> None:
    assert device_address("onvif://127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert device_address("onvif://cam.local") == ("cam.local", 80)
    assert device_address("https://cam.local") == ("cam.local", 443)
    with pytest.raises(InvalidRequest):
        device_address("rtsp://127.0.0.1:554/x")
    with pytest.raises(InvalidRequest):
        device_address("onvif://127.0.0.1:99999")


@pytest.mark.parametrize(("url", "service"), [
    ("onvif://10.0.0.5:8000", "http://10.0.0.5:8000/onvif/device_service"),
    ("onvif://10.0.0.5", "http://10.0.0.5:80/onvif/device_service"),
    ("onvif://10.0.0.5:81/", "http://10.0.0.5:81/onvif/device_service"),
    ("http://10.0.0.5:81/cgi-bin/onvif/device", "http://10.0.0.5:81/cgi-bin/onvif/device"),
    ("HTTPS://10.0.0.5", "https://10.0.0.5:443/onvif/device_service"),
    ("https://[fe80::1]:8443/onvif/device_service", "https://[fe80::1]:8443/onvif/device_service"),
])
def test_device_endpoints(url: str, service: str) -> None:
    assert device_endpoint(url).url == service


@pytest.mark.parametrize("url", ["ftp://10.0.0.5", "onvif://", "https://10.0.0.5/x?y=1", "onvif://10.0.0.5:0x1"])
def test_bad_device_urls(url: str) -> None:
    with pytest.raises(InvalidRequest):
        device_endpoint(url)


def test_aux_outputs_are_the_command_names() -> None:
    commands = ["tt:Wiper|On", "tt:Wiper|Off", "tt:IRLamp|On", "tt:IRLamp|Off", "tt:IRLamp|Auto", "Heater"]
    assert aux_names(commands) == ["tt:Wiper", "tt:IRLamp", "Heater"]
    assert aux_command(commands, 0, True) == "tt:Wiper|On"
    assert aux_command(commands, 1, False) == "tt:IRLamp|Off"
    assert aux_command(commands, 2, True) == "Heater"
    with pytest.raises(NotSupported):
        aux_command(commands, 2, False)
    with pytest.raises(InvalidParameters):
        aux_command(commands, 3, True)


def test_scopes() -> None:
    info = read_scopes([
        "onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/type/NVT",
        "onvif://www.onvif.org/name/Gate%20Cam", "onvif://www.onvif.org/location/city/seoul",
        "onvif://www.onvif.org/location/country/korea", "onvif://www.onvif.org/hardware/X1",
    ], DeviceInfo(host="h:1"))
    assert (info.name, info.city, info.country, info.location, info.device_type, info.host) == (
        "Gate Cam", "seoul", "korea", "", "NVT", "h:1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_refused_connection_is_not_ready() -> None:
    with pytest.raises(NotReady):
        run(OnvifCamera.connect(f"onvif://127.0.0.1:{free_port()}", "admin", "pw", timeout=2.0))


def test_a_silent_camera_is_not_ready_within_the_timeout() -> None:
    async def silent() -> float:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(1 << 20)
            await asyncio.sleep(30)

        server = await asyncio.start_server(hold, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        started = time.monotonic()
        try:
            with pytest.raises(NotReady):
                await OnvifCamera.connect(f"onvif://127.0.0.1:{port}", "admin", "pw", timeout=0.5)
            return time.monotonic() - started
        finally:
            server.close()

    assert 0.5 <= run(silent()) < 1.5


# --- against the simulator ---------------------------------------------------------------------

MAIN = "rtsp://127.0.0.1:9/onvif-main"
SUB = "rtsp://127.0.0.1:9/onvif-sub"
PASSWORD = "cam-secret"


@pytest.fixture
def sim() -> Iterator[OnvifSimulator]:
    simulator = OnvifSimulator(rtsp_main=MAIN, rtsp_sub=SUB, user="admin", password=PASSWORD).start()
    yield simulator
    simulator.stop()


def with_camera(sim: OnvifSimulator, use: Callable[[OnvifCamera], Awaitable[T]], password: str = PASSWORD,
                timeout: float = 3.0) -> T:
    async def session() -> T:
        camera = await OnvifCamera.connect(sim.url, "admin", password, timeout=timeout)
        try:
            return await use(camera)
        finally:
            await camera.close()

    return run(session())


def test_connect_reads_the_clock_services_and_profiles(sim: OnvifSimulator) -> None:
    sim.clock_offset = -3 * 3600.0  # three hours behind: digests made on our clock would be refused

    async def use(camera: OnvifCamera) -> list[Profile]:
        assert abs(camera.clock_offset_s - sim.clock_offset) <= 1.5
        assert (camera.profile_token, camera.video_source_token) == ("main", "vs0")
        return await camera.profiles()

    profiles = with_camera(sim, use)
    assert [(p.token, p.width, p.height, p.encoding, p.stream_uri) for p in profiles] == [
        ("main", 1920, 1080, "H264", MAIN), ("sub", 640, 360, "H264", SUB)]
    assert [c.operation for c in sim.calls[:2]] == ["GetSystemDateAndTime", "GetServices"]
    assert [c.user for c in sim.calls_of("GetStreamUri")] == ["admin", "admin"]
    assert [c.args["ProfileToken"] for c in sim.calls_of("GetStreamUri")] == ["main", "sub"]
    assert all(c.fault is None for c in sim.calls)


def test_profiles_are_sorted_main_first(sim: OnvifSimulator) -> None:
    sim.profiles.reverse()  # the camera lists the sub stream first
    profiles = with_camera(sim, lambda camera: camera.profiles())
    assert [p.token for p in profiles] == ["main", "sub"]


def test_device_info(sim: OnvifSimulator) -> None:
    info = with_camera(sim, lambda camera: camera.device_info())
    assert info == DeviceInfo(
        name="SimCam", location="", city="Seoul", country="Korea",
        device_type="NetworkVideoTransmitter", host=sim.host, manufacturer=sim.identity.manufacturer,
        model=sim.identity.model, firmware_version=sim.identity.firmware_version,
        serial_number=sim.identity.serial_number, hardware_id=sim.identity.hardware_id,
        mac_address=sim.identity.mac_address)


def test_a_wrong_password_is_not_ready(sim: OnvifSimulator) -> None:
    with pytest.raises(NotReady) as caught:
        with_camera(sim, lambda camera: camera.profiles(), password="wrong")
    assert caught.value.code == -3
    assert any(c.fault is not None and "NotAuthorized" in c.fault for c in sim.calls)


def test_a_slow_camera_is_not_ready_at_the_timeout(sim: OnvifSimulator) -> None:
    sim.delays["GetDeviceInformation"] = 2.0

    async def use(camera: OnvifCamera) -> float:
        started = time.monotonic()
        with pytest.raises(NotReady):
            await camera.device_info()
        return time.monotonic() - started

    assert 0.5 <= with_camera(sim, use, timeout=0.5) < 1.2


def test_a_second_command_while_one_runs_is_busy_at_once(sim: OnvifSimulator) -> None:
    sim.delays["GetDeviceInformation"] = 0.6

    async def use(camera: OnvifCamera) -> tuple[float, str]:
        first = asyncio.create_task(camera.device_info())
        await asyncio.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(Busy) as caught:
            await camera.profiles()
        waited = time.monotonic() - started
        assert caught.value.code == -4
        info = await first  # the first goes on undisturbed
        await camera.profiles()  # and the camera takes commands again
        return waited, info.model

    waited, model = with_camera(sim, use)
    assert waited < 0.05
    assert model == sim.identity.model
    assert len(sim.calls_of("GetDeviceInformation")) == 1


def test_capabilities_from_the_ptz_node_imaging_options_and_device_io() -> None:
    commands = ["tt:Wiper|On", "tt:Wiper|Off", "tt:IRLamp|On", "tt:IRLamp|Off", "tt:Heater|On"]
    with OnvifSimulator(password=PASSWORD, max_presets=24, digital_inputs=3, aux_commands=commands) as sim:
        caps = with_camera(sim, lambda camera: camera.capabilities())
    assert caps == Caps(pantilt=True, zoom=True, focus=True, iris=True, home=True, max_preset=24, aux=3,
                        digital_inputs=3, relay_outputs=2, reboot=True)


def test_capabilities_of_a_camera_without_ptz_imaging_or_device_io_service() -> None:
    features = Features(ptz=False, imaging=False, deviceio=False)
    with OnvifSimulator(password=PASSWORD, features=features, digital_inputs=1) as sim:
        caps = with_camera(sim, lambda camera: camera.capabilities())
        # relays and inputs from the device service (GetRelayOutputs, GetCapabilities' IO)
        assert caps == Caps(digital_inputs=1, relay_outputs=2, reboot=True)
        with pytest.raises(NotSupported) as caught:
            with_camera(sim, lambda camera: camera.move(0.5, 0))
        assert caught.value.code == -2
        assert sim.calls_of("ContinuousMove") == []


def test_pan_tilt_zoom_and_stop_tell_the_camera_the_velocities(sim: OnvifSimulator) -> None:
    async def use(camera: OnvifCamera) -> None:
        await camera.move(0.5, -0.25)
        assert (sim.ptz.pan_speed, sim.ptz.tilt_speed) == (0.5, -0.25)
        await camera.zoom(-0.75)
        assert (sim.ptz.pan_speed, sim.ptz.zoom_speed) == (0.5, -0.75)
        await camera.move(0, 0)  # pan and tilt stop; the zoom goes on
        assert (sim.ptz.pan_speed, sim.ptz.tilt_speed, sim.ptz.zoom_speed) == (0.0, 0.0, -0.75)
        await camera.stop()
        assert sim.ptz.zoom_speed == 0.0
        await camera.home()
        with pytest.raises(InvalidParameters):
            await camera.move(1.5, 0)

    with_camera(sim, use)
    moves = sim.calls_of("ContinuousMove")
    assert [c.args["Velocity"]["PanTilt"] and (c.args["Velocity"]["PanTilt"]["x"], c.args["Velocity"]["PanTilt"]["y"])
            for c in moves] == [(0.5, -0.25), None]
    assert moves[1].args["Velocity"]["Zoom"]["x"] == -0.75
    assert [(c.args["ProfileToken"], c.args["PanTilt"], c.args["Zoom"]) for c in sim.calls_of("Stop")
            if c.service == "ptz"] == [("main", True, False), ("main", True, True)]
    assert [c.args["ProfileToken"] for c in sim.calls_of("GotoHomePosition")] == ["main"]
    assert all(c.fault is None for c in sim.calls)


def test_presets_add_rename_go_remove(sim: OnvifSimulator) -> None:
    async def use(camera: OnvifCamera) -> None:
        token = await camera.set_preset(name="door")
        assert await camera.presets() == [Preset(token, "door")]
        assert await camera.set_preset(token, "gate") == token
        assert await camera.presets() == [Preset(token, "gate")]
        await camera.goto_preset(token)
        with pytest.raises(InvalidToken) as caught:
            await camera.goto_preset("nope")
        assert (caught.value.code, caught.value.device_response_code) == (-6, 400)
        await camera.remove_preset(token)
        assert await camera.presets() == []

    with_camera(sim, use)
    assert [c.args["PresetToken"] for c in sim.calls_of("GotoPreset")] == ["1", "nope"]
    assert [(c.args["PresetName"], c.args["PresetToken"]) for c in sim.calls_of("SetPreset")] == [
        ("door", None), ("gate", "1")]
    assert [c.args["PresetToken"] for c in sim.calls_of("RemovePreset")] == ["1"]


def test_focus_moves_and_iris_steps(sim: OnvifSimulator) -> None:
    async def use(camera: OnvifCamera) -> None:
        await camera.focus(0.3)
        assert sim.focus.speed == 0.3
        await camera.stop()  # stops the focus move too
        assert sim.focus.speed == 0.0
        await camera.iris(-0.5)  # a twentieth of the -22..0 dB range toward closed
        assert sim.focus.iris == pytest.approx(-1.1)
        await camera.iris(1.0)  # open again, no further than fully open
        assert sim.focus.iris == 0.0

    with_camera(sim, use)
    assert [c.args["Focus"]["Continuous"]["Speed"] for c in sim.calls_of("Move")] == [0.3]
    assert [c.args["VideoSourceToken"] for c in sim.calls_of("Stop") if c.service == "imaging"] == ["vs0"]
    assert [c.args["ImagingSettings"]["Exposure"]["Mode"] for c in sim.calls_of("SetImagingSettings")] == [
        "MANUAL", "MANUAL"]


def test_relays_aux_and_reboot(sim: OnvifSimulator) -> None:
    async def use(camera: OnvifCamera) -> None:
        assert [r.token for r in await camera.relays()] == ["relay0", "relay1"]
        await camera.set_relay("relay1", True)
        assert [r.active for r in sim.relays] == [False, True]
        await camera.set_relay("relay1", False)
        with pytest.raises(InvalidToken):
            await camera.set_relay("relay9", True)
        await camera.set_aux(1, False)
        await camera.set_aux(0, True)
        with pytest.raises(InvalidParameters):
            await camera.set_aux(2, True)
        await camera.reboot()

    with_camera(sim, use)
    assert [(c.args["RelayOutputToken"], c.args["LogicalState"]) for c in sim.calls_of("SetRelayOutputState")] == [
        ("relay1", "active"), ("relay1", "inactive"), ("relay9", "active")]
    assert [r.active for r in sim.relays] == [False, False]
    assert [c.args["AuxiliaryData"] for c in sim.calls_of("SendAuxiliaryCommand")] == ["tt:IRLamp|Off", "tt:Wiper|On"]
    assert sim.reboots == 1



def test_a_camera_that_went_down_is_not_ready(sim: OnvifSimulator) -> None:
    async def use(camera: OnvifCamera) -> float:
        await camera.device_info()  # a kept-alive connection to the camera
        sim.stop()
        started = time.monotonic()
        with pytest.raises(NotReady) as caught:
            await camera.device_info()
        assert caught.value.code == -3
        return time.monotonic() - started

    assert with_camera(sim, use, timeout=1.0) < 1.0


def test_a_camera_over_https_with_its_services_elsewhere_than_onvif() -> None:
    with OnvifSimulator(rtsp_main=MAIN, rtsp_sub=SUB, password=PASSWORD, tls=True,
                        service_root="/cgi-bin/onvif") as sim:
        assert sim.url == f"https://{sim.host}/cgi-bin/onvif/device_service"

        async def use(camera: OnvifCamera) -> tuple[list[str], DeviceInfo]:
            await camera.move(0.25, -0.5)
            return [p.stream_uri for p in await camera.profiles()], await camera.device_info()

        uris, info = with_camera(sim, use)
        assert uris == [MAIN, SUB] and info.model == sim.identity.model
        assert (sim.ptz.pan_speed, sim.ptz.tilt_speed) == (0.25, -0.5)
        assert [c.operation for c in sim.calls[:2]] == ["GetSystemDateAndTime", "GetServices"]
        assert all(c.fault is None for c in sim.calls) and all(c.user == "admin" for c in sim.calls_of("GetStreamUri"))
        # the same camera asked over plain HTTP, or at the standard path, does not answer
        for wrong in (sim.url.replace("https://", "http://"), f"https://{sim.host}"):
            with pytest.raises(NotReady):
                run(OnvifCamera.connect(wrong, "admin", PASSWORD, timeout=2.0))


def test_an_older_camera_without_get_services_is_found_through_get_capabilities() -> None:
    with OnvifSimulator(rtsp_main=MAIN, rtsp_sub=SUB, password=PASSWORD,
                        features=Features(get_services=False)) as sim:
        async def use(camera: OnvifCamera) -> tuple[list[str], Caps]:
            await camera.move(0.25, 0.5)
            return [p.stream_uri for p in await camera.profiles()], await camera.capabilities()

        uris, caps = with_camera(sim, use)
        assert uris == [MAIN, SUB]
        assert (caps.pantilt, caps.zoom, caps.focus, caps.relay_outputs) == (True, True, True, 2)
        assert [c.fault for c in sim.calls_of("GetServices")] == ["Receiver/ActionNotSupported"]
        assert (sim.ptz.pan_speed, sim.ptz.tilt_speed) == (0.25, 0.5)
