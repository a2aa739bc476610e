"""How a channel is named in TS-API answers."""

from __future__ import annotations

from typing import Any

from recorder.onvif.camera import Caps
from storage.models import Channel
from web.core.cameras import CameraRegistry

DEFAULT_CAPS = {
    "pantilt": False,
    "zoom": False,
    "focus": False,
    "iris": False,
    "home": False,
    "maxPreset": 0,
    "aux": 0,
    "digitalInputs": 0,
    "relayOutputs": 0,
    "reboot": False,
}


def display_name(chid: int, title: str) -> str:
    return f"CH{chid}. {title}" if title else f"CH{chid}"


def summary(channel: Channel) -> dict[str, Any]:
    """{"chid", "title", "displayName"}: the part every channel listing starts with."""
    return {"chid": channel.chid, "title": channel.name, "displayName": display_name(channel.chid, channel.name)}


def caps_json(known: Caps | None) -> dict[str, Any]:
    """The guide's "caps" object; all false and 0 when nothing was read (or the channel is no camera)."""
    if known is None:
        return dict(DEFAULT_CAPS)
    return {"pantilt": known.pantilt, "zoom": known.zoom, "focus": known.focus, "iris": known.iris,
            "home": known.home, "maxPreset": known.max_preset, "aux": known.aux,
            "digitalInputs": known.digital_inputs, "relayOutputs": known.relay_outputs, "reboot": known.reboot}


def caps(channel: Channel, cameras: CameraRegistry | None = None) -> dict[str, Any]:
    """The channel's camera capabilities as last read from its ONVIF device (web.core.cameras)."""
    return caps_json(cameras.cached_caps(channel.chid) if cameras is not None else None)


LIVE_LABELS = ((2160, "4K"), (1440, "1440p"), (1080, "1080p"), (720, "720p"), (576, "576p"), (480, "VGA"),
               (360, "360p"), (240, "QVGA"))


def resolution_label(width: int, height: int) -> str:
    """The guide's names for a live stream's resolution: 1080p, 720p, VGA, ..."""
    for lines, label in LIVE_LABELS:
        if height >= lines:
            return label
    return f"{width}x{height}"


def hls_path(chid: int, profile: str = "main") -> str:
    return f"/live/ch{chid}{profile}/index.m3u8"


def stream_sources(channel: Channel, base: str, size: tuple[int, int] | None = None,
                   sub_size: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """Live stream list (staticSrc / src): the HLS playlists the recorder makes from the camera's
    packets: "main" once the recorder has reported the recorded stream (`size`), and "sub" for an
    ONVIF camera's sub stream (`sub_size`); before that nothing serves them."""
    return live_sources(channel.chid, base, size, sub_size)


def live_sources(chid: int, base: str, size: tuple[int, int] | None = None,
                 sub_size: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """stream_sources for a channel known by its number."""
    out = []
    for profile, known in (("main", size), ("sub", sub_size)):
        if known:
            out.append({"protocol": "hls", "profile": profile, "src": base + hls_path(chid, profile),
                        "type": "application/x-mpegurl", "label": resolution_label(*known),
                        "size": [known[0], known[1]]})
    return out
