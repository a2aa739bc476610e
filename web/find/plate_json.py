"""One plate-log row as /api/find?what=carNo answers it (the guide's field order and omissions)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from storage.models import PlateRead
from storage.plates import channels_of, images_of
from storage.settings import Settings
from web.core.timefmt import format_ms
from web.core.urls import storage_url, watch_url


def score_of(row: PlateRead) -> int | None:
    """The recognition score on the guide's 0-100 scale."""
    return None if row.score is None else max(0, min(100, round(row.score)))


def roi_of(row: PlateRead) -> tuple[int, int, int, int] | None:
    if row.roi_x is None or row.roi_y is None or row.roi_w is None or row.roi_h is None:
        return None
    return row.roi_x, row.roi_y, row.roi_w, row.roi_h


def image_urls(row: PlateRead, base: str) -> list[str]:
    return [p if p.startswith(("http://", "https://")) else storage_url(base, p) for p in images_of(row)]


def linked_channels(row: PlateRead) -> list[int]:
    return channels_of(row.channels) or ([row.chid] if row.chid is not None else [])


def source_name(row: PlateRead, settings: Settings) -> str:
    """The name stored with the read, else the configured device's name, else its code."""
    if row.src_name:
        return row.src_name
    device = settings.lpr_device_by_code(row.src_code)
    return device.display_name if device else row.src_code


def plate_json(row: PlateRead, base: str, tz: ZoneInfo, settings: Settings) -> dict[str, Any]:
    item: dict[str, Any] = {"id": row.id, "plateNo": row.plate_no}
    score = score_of(row)
    if score is not None:
        item["score"] = score
    roi = roi_of(row)
    if roi is not None:
        item["roi"] = {"offset": [roi[0], roi[1]], "size": [roi[2], roi[3]]}
    images = image_urls(row, base)
    if images:
        item["image"] = images
    item["timeRange"] = [format_ms(row.begin_ms, tz), format_ms(row.end_ms, tz)]
    item["srcCode"] = row.src_code
    item["srcName"] = quote(source_name(row, settings), safe="")
    if row.direction:
        item["direction"] = row.direction
    item["vod"] = [{"chid": c, "videoSrc": watch_url(base, c, row.begin_ms, tz)} for c in linked_channels(row)]
    return item
