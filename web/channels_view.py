"""How a channel is named in TS-API answers."""

from __future__ import annotations

from typing import Any

from storage.models import Channel

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


def caps(_channel: Channel) -> dict[str, Any]:
    """Camera capabilities; ONVIF control (a later issue) will fill these from the device."""
    return dict(DEFAULT_CAPS)


def stream_sources(_channel: Channel, _base: str) -> list[dict[str, Any]]:
    """Live stream list (staticSrc / src); the recorder (a later issue) adds its HLS outputs here."""
    return []
