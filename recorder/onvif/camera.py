"""One ONVIF camera, as tsnvr uses it: INTERFACE, not written yet (the client part writes it).

    camera = await OnvifCamera.connect("onvif://192.168.0.20:80", "admin", "secret", timeout=5.0)
    info = await camera.device_info()       # GetDeviceInformation, GetNetworkInterfaces, GetScopes
    caps = await camera.capabilities()      # PTZ node, imaging options, relays, AUX, reboot
    profiles = await camera.profiles()      # main first, then sub; each with its RTSP stream URI
    await camera.move(0.5, 0.5) ... await camera.stop()
    await camera.close()

Every call is bounded by `timeout` (a dead camera raises NotReady, never hangs); WS-Security
UsernameToken digests use the camera's clock (the offset to it is read at connect: cameras whose
clocks are wrong refuse digests made with ours). One command at a time per camera: a call made
while another runs raises Busy at once instead of queueing. Errors are recorder.onvif.errors'.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DeviceInfo:
    """The guide's "onvif" object of /api/channel/info: basic (scopes, address) and product."""

    name: str = ""             # scope onvif://www.onvif.org/name/...
    location: str = ""         # scope .../location/...
    city: str = ""             # scope .../location/city/...
    country: str = ""          # scope .../location/country/...
    device_type: str = ""      # scope .../type/... (NVT)
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
    aux: int = 0               # number of AUX outputs (AuxiliaryCommands of the PTZ node)
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
    active: bool | None = None  # None: the camera does not say


@dataclass
class OnvifCamera:
    host: str
    port: int
    profile_token: str = ""     # the profile PTZ and imaging commands act on (the main profile)
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    async def connect(cls, url: str, user: str, password: str, timeout: float = 5.0) -> OnvifCamera:
        """url: onvif://host:port (the device service at /onvif/device_service)."""
        raise NotImplementedError

    async def device_info(self) -> DeviceInfo:
        raise NotImplementedError

    async def capabilities(self) -> Caps:
        raise NotImplementedError

    async def profiles(self) -> list[Profile]:
        """The media profiles, the main (largest) first, each with its RTSP stream URI."""
        raise NotImplementedError

    async def move(self, pan: float, tilt: float) -> None:
        """ContinuousMove at these velocities (-1..1); (0, 0) is stop."""
        raise NotImplementedError

    async def zoom(self, speed: float) -> None:
        raise NotImplementedError

    async def focus(self, speed: float) -> None:
        """Imaging Move (continuous focus), -1..1."""
        raise NotImplementedError

    async def iris(self, speed: float) -> None:
        """Iris open (+) or close (-); NotSupported where the camera has no iris control."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Stop pan, tilt, zoom (and a focus move)."""
        raise NotImplementedError

    async def home(self) -> None:
        raise NotImplementedError

    async def presets(self) -> list[Preset]:
        raise NotImplementedError

    async def set_preset(self, token: str | None = None, name: str | None = None) -> str:
        """SetPreset at the current position: a new preset when token is None; returns the token."""
        raise NotImplementedError

    async def remove_preset(self, token: str) -> None:
        raise NotImplementedError

    async def goto_preset(self, token: str) -> None:
        raise NotImplementedError

    async def relays(self) -> list[Relay]:
        raise NotImplementedError

    async def set_relay(self, token: str, active: bool) -> None:
        raise NotImplementedError

    async def set_aux(self, index: int, on: bool) -> None:
        """The index-th AuxiliaryCommand of the PTZ node, on or off."""
        raise NotImplementedError

    async def reboot(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError
