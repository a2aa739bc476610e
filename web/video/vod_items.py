"""The items of /api/vod answers: a channel's live sources, and one recorded file."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from storage.models import Channel, Segment
from web.core.cameras import CameraRegistry
from web.core.channel_view import caps, display_name, stream_sources
from web.core.timefmt import format_ms
from web.core.urls import encode_all, storage_url

RECORDED_LABELS = ((2160, "4K UHD"), (1440, "1440p QHD"), (1080, "1080p FHD"), (720, "720p HD"),
                   (576, "576p SD"), (480, "VGA"), (360, "360p"), (240, "QVGA"))


def recorded_label(width: int, height: int) -> str:
    """The guide's names for a recorded file's resolution: 1080p FHD, 720p HD, VGA, ..."""
    for lines, label in RECORDED_LABELS:
        if height >= lines:
            return label
    return f"{width}x{height}"


def live_item(channel: Channel, base: str, size: tuple[int, int] | None, protocol: str | None = None,
              stream: str | None = None, name_only: bool = False,
              cameras: CameraRegistry | None = None, sub_size: tuple[int, int] | None = None) -> dict[str, Any]:
    """{"chid", "title", "display", "ptzSupported", "src"}; `src` only the sources of `protocol`
    and `stream` (profile) when given, and left out with name_only. `size`, `sub_size`: the
    resolutions of the live main and sub streams, None for a stream not served."""
    channel_caps = caps(channel, cameras)
    item: dict[str, Any] = {"chid": channel.chid, "title": channel.name,
                            "display": display_name(channel.chid, channel.name),
                            "ptzSupported": bool(channel_caps["pantilt"] or channel_caps["zoom"])}
    if not name_only:
        item["src"] = [source for source in stream_sources(channel, base, size, sub_size)
                       if (protocol is None or source["protocol"] == protocol.lower())
                       and (stream is None or source["profile"] == stream.lower())]
    return item


def recorded_item(segment: Segment, title: str, base: str, tz: ZoneInfo) -> dict[str, Any]:
    """One recorded file; `label` and `size` only when the recorder noted the resolution."""
    source: dict[str, Any] = {"src": storage_url(base, segment.path), "type": "video/mp4"}
    if segment.width > 0 and segment.height > 0:
        source["label"] = recorded_label(segment.width, segment.height)
        source["size"] = [segment.width, segment.height]
    source["timeRange"] = [format_ms(segment.begin_ms, tz), format_ms(segment.end_ms, tz)]
    return {"chid": segment.chid, "title": encode_all(title), "fileId": segment.id, "src": [source]}
