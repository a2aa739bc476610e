"""One ONVIF camera, as tsnvr uses it, on onvif-zeep-async (its ONVIFCamera finds the services and
signs every request with a WS-Security UsernameToken digest).

    camera = await OnvifCamera.connect("onvif://192.168.0.20:80", "admin", "secret", timeout=5.0)
    info = await camera.device_info()       # GetDeviceInformation, GetNetworkInterfaces, GetScopes
    caps = await camera.capabilities()      # PTZ node, imaging options, relays, AUX, reboot
    profiles = await camera.profiles()      # main first, then sub; each with its RTSP stream URI
    await camera.move(0.5, 0.5) ... await camera.stop()
    await camera.close()

Every call is bounded by `timeout` (a dead camera raises NotReady, never hangs); WS-Security
UsernameToken digests use the camera's clock (the offset to it is read at connect with
GetSystemDateAndTime: cameras whose clocks are wrong refuse digests made with ours). One command at
a time per camera: a call made while another runs raises Busy at once instead of queueing. Errors
are recorder.onvif.errors' (SOAP faults mapped by recorder.onvif.faults). A camera object belongs
to the event loop that connected it (its HTTP sessions do).

Where ONVIF and the guide differ:
- iris: ONVIF has no continuous iris move, only an absolute iris (imaging Exposure.Iris, an
  attenuation in dB, 0 = open); `iris(speed)` steps it by speed x a tenth of the camera's range
  from its current value (exposure set to MANUAL), so each command is one step and stop has
  nothing to stop. caps.iris: GetOptions lists an Exposure.Iris range.
- aux: the PTZ node's AuxiliaryCommands ("tt:Wiper|On", "tt:Wiper|Off", ...) grouped by the name
  before "|": each name is one AUX output, numbered in the node's order; on/off send "<name>|On" /
  "<name>|Off" as the node lists them (a command without "|" can only be turned on).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import zeep.exceptions

from recorder.onvif.address import device_endpoint
from recorder.onvif.errors import Busy, DeviceError, InvalidParameters, NotSupported
from recorder.onvif.faults import device_error
from recorder.onvif.library import SERVICES, ONVIFCamera, ONVIFService, connect_camera

IRIS_STEP = 0.1  # of the iris range, per iris command at speed 1
SCOPE_PREFIX = "onvif://www.onvif.org/"
STREAM_SETUP = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}


@dataclass(frozen=True)
class DeviceInfo:
    """The guide's "onvif" object of /api/channel/info: basic (scopes, address) and product."""

    name: str = ""             # scope onvif://www.onvif.org/name/...
    location: str = ""         # scope .../location/... (other than city and country)
    city: str = ""             # scope .../location/city/...
    country: str = ""          # scope .../location/country/...
    device_type: str = ""      # scope .../type/... (NVT when listed, else the first)
    host: str = ""             # host:port connected to
    manufacturer: str = ""
    model: str = ""
    firmware_version: str = ""
    serial_number: str = ""
    hardware_id: str = ""
    mac_address: str = ""      # of the first network interface


@dataclass(frozen=True)
class Caps:
    """The guide's "caps" object."""

    pantilt: bool = False
    zoom: bool = False
    focus: bool = False
    iris: bool = False
    home: bool = False
    max_preset: int = 0
    aux: int = 0               # number of AUX outputs (AuxiliaryCommands of the PTZ node, by name)
    digital_inputs: int = 0
    relay_outputs: int = 0
    reboot: bool = False


@dataclass(frozen=True)
class Profile:
    token: str
    name: str
    encoding: str              # H264, H265, JPEG...
    width: int
    height: int
    stream_uri: str            # rtsp://..., as the camera gave it (no credentials in it)


@dataclass(frozen=True)
class Preset:
    token: str
    name: str


@dataclass(frozen=True)
class Relay:
    token: str
    name: str
    active: bool | None = None  # None: the camera does not say (ONVIF has no "get relay state")


def _area(profile: Any) -> int:
    encoder = profile.VideoEncoderConfiguration
    if encoder is None or encoder.Resolution is None:
        return 0
    return int(encoder.Resolution.Width) * int(encoder.Resolution.Height)


def _main_first(profiles: list[Any]) -> list[Any]:
    """The profiles with video, the largest first (a stable sort: the camera's order among equals)."""
    return sorted((p for p in profiles if p.VideoEncoderConfiguration is not None), key=_area, reverse=True)


def aux_names(commands: list[str]) -> list[str]:
    """The AUX outputs of a PTZ node's AuxiliaryCommands: the names before "|", in order, once each."""
    names: list[str] = []
    for command in commands:
        name = command.partition("|")[0]
        if name not in names:
            names.append(name)
    return names


def aux_command(commands: list[str], index: int, on: bool) -> str:
    names = aux_names(commands)
    if not 0 <= index < len(names):
        raise InvalidParameters(f"AUX {index}: the camera has {len(names)} AUX outputs")
    name = names[index]
    wanted = f"{name}|{'On' if on else 'Off'}"
    for command in commands:
        if command.lower() == wanted.lower():
            return command
    if on and name in commands:
        return name
    raise NotSupported(f"the camera has no {wanted} command")


def read_scopes(items: list[str], info: DeviceInfo) -> DeviceInfo:
    """info with the name, location, city, country and type the scope URIs give."""
    values: dict[str, str] = {}
    types: list[str] = []
    for item in items:
        if not item.startswith(SCOPE_PREFIX):
            continue
        kind, _, rest = item[len(SCOPE_PREFIX):].partition("/")
        rest = unquote(rest)
        if kind == "type":
            types.append(rest)
        elif kind == "location":
            sub, _, value = rest.partition("/")
            key = sub if sub in ("city", "country") and value else "location"
            values.setdefault(key, value if key != "location" else rest)
        elif kind == "name":
            values.setdefault("name", rest)
    device_type = "NVT" if "NVT" in types else (types[0] if types else "")
    return DeviceInfo(**{**info.__dict__, **values, "device_type": device_type})


@dataclass(eq=False)
class OnvifCamera:
    host: str
    port: int
    profile_token: str = ""     # the profile PTZ commands act on (the main one, or the first with PTZ)
    extra: dict[str, object] = field(default_factory=dict)
    timeout: float = 5.0        # seconds, for each call
    video_source_token: str = ""  # the main profile's video source: imaging commands act on it
    _onvif: ONVIFCamera | None = field(default=None, repr=False)
    _busy: bool = field(default=False, repr=False)
    _http_status: int | None = field(default=None, repr=False)  # of the latest answer
    _ptz_node_token: str = field(default="", repr=False)
    _aux_commands: list[str] | None = field(default=None, repr=False)  # read with the PTZ node
    _focus_moving: bool = field(default=False, repr=False)

    @classmethod
    async def connect(cls, url: str, user: str | None, password: str | None, timeout: float = 5.0) -> OnvifCamera:
        """url: onvif://host:port (the device service at /onvif/device_service; other forms in
        recorder.onvif.address). Reads the camera's clock, its services and its profiles; NotReady
        when it cannot be reached or refuses the credentials within the timeout."""
        endpoint = device_endpoint(url)
        camera = cls(endpoint.host, endpoint.port, timeout=timeout)
        # adjust_time: GetSystemDateAndTime (unauthenticated, as the ONVIF core spec allows) and
        # digests made on the camera's clock from then on.
        camera._onvif = connect_camera(endpoint, user, password)
        try:
            async with camera._command():
                await camera._onvif.update_xaddrs()
                await camera._read_profile_tokens()
        except BaseException:
            await camera._onvif.close()
            raise
        return camera

    @property
    def clock_offset_s(self) -> float:
        """The camera's clock minus ours, as read at connect (whole seconds, as the camera gives them)."""
        offset = self._camera.dt_diff
        return offset.total_seconds() if offset is not None else 0.0

    async def device_info(self) -> DeviceInfo:
        async with self._command():
            device = await self._service("devicemgmt")
            product = await device.GetDeviceInformation()
            info = DeviceInfo(
                host=f"{self.host}:{self.port}", manufacturer=product.Manufacturer or "",
                model=product.Model or "", firmware_version=product.FirmwareVersion or "",
                serial_number=product.SerialNumber or "", hardware_id=product.HardwareId or "")
            scopes = await _optional(device.GetScopes())
            interfaces = await _optional(device.GetNetworkInterfaces())
        if interfaces:
            first = interfaces[0].Info
            info = DeviceInfo(**{**info.__dict__, "mac_address": (first.HwAddress or "") if first else ""})
        return read_scopes([str(scope.ScopeItem) for scope in scopes or []], info)

    async def capabilities(self) -> Caps:
        async with self._command():
            ptz = await self._ptz_caps()
            focus, iris = await self._imaging_caps()
            relays = await self._relay_outputs()
            inputs = await self._digital_inputs()
        return Caps(pantilt=ptz[0], zoom=ptz[1], home=ptz[2], max_preset=ptz[3], aux=ptz[4], focus=focus,
                    iris=iris, relay_outputs=len(relays), digital_inputs=inputs, reboot=True)

    async def profiles(self) -> list[Profile]:
        """The media profiles with video, the main (largest) first, each with its RTSP stream URI."""
        async with self._command():
            media = await self._service("media")
            out = []
            for raw in _main_first(await media.GetProfiles() or []):
                answer = await media.GetStreamUri({"StreamSetup": STREAM_SETUP, "ProfileToken": raw.token})
                encoder = raw.VideoEncoderConfiguration
                resolution = encoder.Resolution
                out.append(Profile(
                    token=str(raw.token), name=str(raw.Name or ""), encoding=str(encoder.Encoding or ""),
                    width=int(resolution.Width) if resolution else 0,
                    height=int(resolution.Height) if resolution else 0, stream_uri=str(answer.Uri)))
        return out

    async def move(self, pan: float, tilt: float) -> None:
        """ContinuousMove at these velocities (-1..1); (0, 0) is a Stop of pan and tilt."""
        _check_speed(pan, "pan")
        _check_speed(tilt, "tilt")
        async with self._command():
            ptz = await self._service("ptz")
            if pan == 0 and tilt == 0:
                await ptz.Stop({"ProfileToken": self.profile_token, "PanTilt": True, "Zoom": False})
            else:
                await ptz.ContinuousMove({"ProfileToken": self.profile_token,
                                          "Velocity": {"PanTilt": {"x": pan, "y": tilt}}})

    async def zoom(self, speed: float) -> None:
        """ContinuousMove of the zoom (-1..1, + is in); 0 is a Stop of the zoom."""
        _check_speed(speed, "zoom")
        async with self._command():
            ptz = await self._service("ptz")
            if speed == 0:
                await ptz.Stop({"ProfileToken": self.profile_token, "PanTilt": False, "Zoom": True})
            else:
                await ptz.ContinuousMove({"ProfileToken": self.profile_token, "Velocity": {"Zoom": {"x": speed}}})

    async def focus(self, speed: float) -> None:
        """Imaging Move (continuous focus), -1..1; 0 is an imaging Stop."""
        _check_speed(speed, "focus")
        async with self._command():
            imaging = await self._service("imaging")
            if speed == 0:
                await imaging.Stop({"VideoSourceToken": self.video_source_token})
                self._focus_moving = False
            else:
                await imaging.Move({"VideoSourceToken": self.video_source_token,
                                    "Focus": {"Continuous": {"Speed": speed}}})
                self._focus_moving = True

    async def iris(self, speed: float) -> None:
        """One step of the iris, open (+) or close (-): see the module's docstring. NotSupported where
        the camera has no iris control."""
        _check_speed(speed, "iris")
        async with self._command():
            imaging = await self._service("imaging")
            source = {"VideoSourceToken": self.video_source_token}
            options = await imaging.GetOptions(source)
            limits = options.Exposure.Iris if options is not None and options.Exposure is not None else None
            if limits is None:
                raise NotSupported("the camera has no iris control")
            low, high = float(limits.Min), float(limits.Max)
            settings = await imaging.GetImagingSettings(source)
            exposure = settings.Exposure if settings is not None else None
            now = float(exposure.Iris) if exposure is not None and exposure.Iris is not None else high
            value = min(high, max(low, now + speed * IRIS_STEP * (high - low)))
            await imaging.SetImagingSettings({**source, "ImagingSettings": {"Exposure": {
                "Mode": "MANUAL", "Iris": value}}, "ForcePersistence": False})

    async def stop(self) -> None:
        """Stop pan, tilt, zoom (and a focus move)."""
        async with self._command():
            ptz = await self._service("ptz")
            await ptz.Stop({"ProfileToken": self.profile_token, "PanTilt": True, "Zoom": True})
            if self._focus_moving:
                imaging = await self._service("imaging")
                await imaging.Stop({"VideoSourceToken": self.video_source_token})
                self._focus_moving = False

    async def home(self) -> None:
        async with self._command():
            ptz = await self._service("ptz")
            await ptz.GotoHomePosition({"ProfileToken": self.profile_token})

    async def presets(self) -> list[Preset]:
        async with self._command():
            ptz = await self._service("ptz")
            raw = await ptz.GetPresets({"ProfileToken": self.profile_token})
        return [Preset(token=str(p.token), name=str(p.Name or "")) for p in raw or []]

    async def set_preset(self, token: str | None = None, name: str | None = None) -> str:
        """SetPreset at the current position: a new preset when token is None; returns the token."""
        request: dict[str, object] = {"ProfileToken": self.profile_token}
        if name is not None:
            request["PresetName"] = name
        if token is not None:
            request["PresetToken"] = token
        async with self._command():
            ptz = await self._service("ptz")
            answer = await ptz.SetPreset(request)
        return str(answer if isinstance(answer, str) else getattr(answer, "PresetToken", answer))

    async def remove_preset(self, token: str) -> None:
        async with self._command():
            ptz = await self._service("ptz")
            await ptz.RemovePreset({"ProfileToken": self.profile_token, "PresetToken": token})

    async def goto_preset(self, token: str) -> None:
        async with self._command():
            ptz = await self._service("ptz")
            await ptz.GotoPreset({"ProfileToken": self.profile_token, "PresetToken": token})

    async def relays(self) -> list[Relay]:
        async with self._command():
            return await self._relay_outputs()

    async def set_relay(self, token: str, active: bool) -> None:
        """SetRelayOutputState (device IO service, or the device service where there is none)."""
        async with self._command():
            service = await self._service("deviceio" if self._has("deviceio") else "devicemgmt")
            await service.SetRelayOutputState({"RelayOutputToken": token,
                                               "LogicalState": "active" if active else "inactive"})

    async def set_aux(self, index: int, on: bool) -> None:
        """The index-th AUX output (see the module's docstring), on or off: SendAuxiliaryCommand."""
        async with self._command():
            ptz = await self._service("ptz")
            if self._aux_commands is None:
                await self._ptz_caps()
            command = aux_command(self._aux_commands or [], index, on)
            await ptz.SendAuxiliaryCommand({"ProfileToken": self.profile_token, "AuxiliaryData": command})

    async def reboot(self) -> None:
        async with self._command():
            device = await self._service("devicemgmt")
            await device.SystemReboot()

    async def close(self) -> None:
        if self._onvif is not None:
            await self._onvif.close()

    # -- the machinery

    @property
    def _camera(self) -> ONVIFCamera:
        if self._onvif is None:
            raise RuntimeError("OnvifCamera.connect() makes cameras")
        return self._onvif

    @asynccontextmanager
    async def _command(self) -> AsyncIterator[None]:
        """One call to the camera: Busy at once while another runs; bounded by the timeout; every
        failure raised as a DeviceError."""
        if self._busy:
            raise Busy("the camera is still processing the previous command")
        self._busy = True
        self._http_status = None
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except DeviceError:
            raise
        except Exception as exc:
            raise device_error(exc, self._http_status) from exc
        finally:
            self._busy = False

    def _has(self, name: str) -> bool:
        return name == "devicemgmt" or SERVICES[name]["ns"] in self._camera.xaddrs

    async def _service(self, name: str) -> ONVIFService:
        if not self._has(name):
            raise NotSupported(f"the camera has no {name} service")
        service = await self._camera.create_onvif_service(name)
        self._watch_status(service)
        return service

    def _watch_status(self, service: ONVIFService) -> None:
        """Keep the HTTP status of the service's answers: zeep's Fault does not carry it, and a
        device response error reports it (device_response_code). The transport is wrapped once
        per service (onvif-zeep-async makes one per service and keeps it)."""
        transport = service.transport
        if getattr(transport, "tsnvr_watched", False):
            return
        post_xml = transport.post_xml

        async def watched(address: str, envelope: Any, headers: dict[str, str]) -> Any:
            response = await post_xml(address, envelope, headers)
            self._http_status = int(response.status_code)
            return response

        transport.post_xml = watched
        transport.tsnvr_watched = True

    async def _read_profile_tokens(self) -> None:
        if not self._has("media"):
            return
        media = await self._service("media")
        profiles = _main_first(await media.GetProfiles() or [])
        if not profiles:
            return
        main = profiles[0]
        with_ptz = next((p for p in profiles if p.PTZConfiguration is not None), None)
        ptz_profile = main if main.PTZConfiguration is not None or with_ptz is None else with_ptz
        self.profile_token = str(ptz_profile.token)
        if ptz_profile.PTZConfiguration is not None:
            self._ptz_node_token = str(ptz_profile.PTZConfiguration.NodeToken or "")
        if main.VideoSourceConfiguration is not None:
            self.video_source_token = str(main.VideoSourceConfiguration.SourceToken or "")

    async def _ptz_caps(self) -> tuple[bool, bool, bool, int, int]:
        """pantilt, zoom, home, maxPreset, aux of the PTZ node of the profile (all false without PTZ)."""
        if not self._has("ptz"):
            self._aux_commands = []
            return False, False, False, 0, 0
        ptz = await self._service("ptz")
        nodes = await _optional(ptz.GetNodes()) or []
        node = next((n for n in nodes if str(n.token) == self._ptz_node_token), nodes[0] if nodes else None)
        if node is None:
            self._aux_commands = []
            return False, False, False, 0, 0
        spaces = node.SupportedPTZSpaces
        pantilt = bool(spaces is not None and spaces.ContinuousPanTiltVelocitySpace)
        zoom = bool(spaces is not None and spaces.ContinuousZoomVelocitySpace)
        self._aux_commands = [str(c) for c in node.AuxiliaryCommands or []]
        return (pantilt, zoom, bool(node.HomeSupported), int(node.MaximumNumberOfPresets or 0),
                len(aux_names(self._aux_commands)))

    async def _imaging_caps(self) -> tuple[bool, bool]:
        """focus (GetMoveOptions lists a continuous move), iris (GetOptions lists an iris range)."""
        if not self._has("imaging") or not self.video_source_token:
            return False, False
        imaging = await self._service("imaging")
        source = {"VideoSourceToken": self.video_source_token}
        move = await _optional(imaging.GetMoveOptions(source))
        options = await _optional(imaging.GetOptions(source))
        focus = move is not None and move.Continuous is not None
        iris = options is not None and options.Exposure is not None and options.Exposure.Iris is not None
        return focus, iris

    async def _relay_outputs(self) -> list[Relay]:
        service = await self._service("deviceio" if self._has("deviceio") else "devicemgmt")
        raw = await _optional(service.GetRelayOutputs())
        return [Relay(token=str(r.token), name=str(r.token)) for r in raw or []]

    async def _digital_inputs(self) -> int:
        if self._has("deviceio"):
            deviceio = await self._service("deviceio")
            inputs = await _optional(deviceio.GetDigitalInputs())
            if inputs is not None:
                return len(inputs)
        device = await self._service("devicemgmt")
        caps = await _optional(device.GetCapabilities({"Category": "Device"}))
        io = caps.Device.IO if caps is not None and caps.Device is not None else None
        return int(io.InputConnectors or 0) if io is not None else 0


async def _optional(call: Awaitable[Any]) -> Any:
    """What the call answers, or None when the camera answers it with a SOAP fault (an optional
    operation it lacks); failing to answer at all still raises."""
    try:
        return await call
    except zeep.exceptions.Fault:
        return None


def _check_speed(value: float, label: str) -> None:
    if not -1.0 <= value <= 1.0:
        raise InvalidParameters(f"{label} speed {value} is not within -1..1")
