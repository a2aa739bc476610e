"""What the simulated camera is and what it has been told: its configuration (set by a test
before or while it runs) and its state (PTZ position, presets, relays, focus, the calls log)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StreamProfile:
    """A media profile: an H.264 stream of this size at this RTSP address."""

    token: str
    name: str
    width: int
    height: int
    uri: str
    encoding: str = "H264"
    fps: int = 25
    bitrate_kbps: int = 4096


@dataclass
class Relay:
    token: str
    name: str  # kept for tests; ONVIF's RelayOutput has no name
    mode: str = "Bistable"  # or Monostable
    idle_state: str = "open"  # or closed
    active: bool = False


@dataclass
class Features:
    """What the camera can do; a missing service is absent from GetServices/GetCapabilities and
    its address answers ActionNotSupported."""

    ptz: bool = True
    pantilt: bool = True
    zoom: bool = True
    home: bool = True
    imaging: bool = True
    focus: bool = True
    iris: bool = True
    deviceio: bool = True
    events: bool = True
    reboot: bool = True
    get_services: bool = True  # False: an older camera, discovered through GetCapabilities only


@dataclass
class Identity:
    manufacturer: str = "TSNVR-Sim"
    model: str = "SimCam 1080"
    firmware_version: str = "1.2.3"
    serial_number: str = "SIM0001"
    hardware_id: str = "HW-SIM-1"
    mac_address: str = "02:00:00:00:00:01"
    ipv4_address: str = "127.0.0.1"
    hostname: str = "simcam"
    scopes: tuple[str, ...] = (
        "onvif://www.onvif.org/type/NetworkVideoTransmitter",
        "onvif://www.onvif.org/type/video_encoder",
        "onvif://www.onvif.org/type/ptz",
        "onvif://www.onvif.org/Profile/Streaming",
        "onvif://www.onvif.org/name/SimCam",
        "onvif://www.onvif.org/location/city/Seoul",
        "onvif://www.onvif.org/location/country/Korea",
        "onvif://www.onvif.org/hardware/SimCam1080",
    )


@dataclass(frozen=True)
class Call:
    """One request the camera answered (or refused): its service, operation and parsed arguments
    (zeep.helpers.serialize_object of the request: dicts, lists, plain values). A valid request is
    recorded when the camera acts on it (after its busy delay), a refused one when refused."""

    service: str
    operation: str
    args: dict[str, Any]
    time: float  # time.time() when it arrived
    user: str | None  # the UsernameToken's user, None without one
    fault: str | None = None  # the fault's subcodes joined by "/", None when it was answered


@dataclass
class PtzState:
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 0.0
    pan_speed: float = 0.0
    tilt_speed: float = 0.0
    zoom_speed: float = 0.0
    since: float = field(default_factory=time.monotonic)  # when the position was last brought up to date
    until: float | None = None  # a ContinuousMove's Timeout: the speeds fall to 0 then
    home: tuple[float, float, float] = (0.0, 0.0, 0.0)
    units_per_second: float = 0.5  # position change per second at speed 1

    @property
    def moving(self) -> bool:
        return any((self.pan_speed, self.tilt_speed, self.zoom_speed))

    def settle(self, now: float | None = None) -> None:
        """Bring the position up to date with the speeds (pan and tilt stay in -1..1, zoom in 0..1)."""
        now = time.monotonic() if now is None else now
        end = min(now, self.until) if self.until is not None else now
        elapsed = max(0.0, end - self.since) * self.units_per_second
        self.pan = _clamp(self.pan + self.pan_speed * elapsed, -1.0, 1.0)
        self.tilt = _clamp(self.tilt + self.tilt_speed * elapsed, -1.0, 1.0)
        self.zoom = _clamp(self.zoom + self.zoom_speed * elapsed, 0.0, 1.0)
        self.since = now
        if self.until is not None and now >= self.until:
            self.pan_speed = self.tilt_speed = self.zoom_speed = 0.0
            self.until = None

    def set_speeds(self, pan: float, tilt: float, zoom: float) -> None:
        self.settle()
        self.pan_speed, self.tilt_speed, self.zoom_speed = pan, tilt, zoom
        self.until = None

    def go(self, pan: float, tilt: float, zoom: float) -> None:
        self.settle()
        self.pan, self.tilt, self.zoom = pan, tilt, zoom
        self.pan_speed = self.tilt_speed = self.zoom_speed = 0.0
        self.until = None


@dataclass
class PtzPreset:
    token: str
    name: str
    position: tuple[float, float, float]


@dataclass
class FocusState:
    position: float = 0.5
    speed: float = 0.0  # a continuous focus move in progress
    iris: float = 0.0  # dB, tt:Exposure's Iris (0: fully open)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def utc_now(offset_seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_seconds)
