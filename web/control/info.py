"""GET /api/channel/info[?caps][&ch=1,2,3][&reload]: each channel's type, its camera's caps and, for
ONVIF channels, the "onvif" device information (GetDeviceInformation, GetNetworkInterfaces, scopes).

What was read at the camera's connection is answered (the camera is connected now when it was
not); `reload` reads it from the camera again. RTSP and file channels are {"chid", "type", "caps"}
with all caps false. An ONVIF camera that cannot be read gets its last known caps (all false when
never read) and, beside them, the device-control "code" and "message" saying why (-3 unreachable).
`caps` leaves the "onvif" object out. Unknown channels of `ch` are left out. Right: Remote only,
as for the other listings of channels.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from recorder.onvif.camera import DeviceInfo
from recorder.onvif.errors import DeviceError
from storage.channels import all_channels
from storage.models import Channel
from web.control.codes import status
from web.core.answers import ts_json
from web.core.auth import require
from web.core.cameras import CameraRegistry, is_onvif
from web.core.channel_view import caps_json
from web.core.context import services_of
from web.core.params import Query


def onvif_json(info: DeviceInfo) -> dict[str, Any]:
    return {
        "basic": {"city": info.city, "country": info.country, "deviceType": info.device_type, "host": info.host,
                  "location": info.location, "name": info.name},
        "product": {"firmwareVersion": info.firmware_version, "hardwareId": info.hardware_id,
                    "macAddress": info.mac_address, "manufacturer": info.manufacturer, "model": info.model,
                    "serialNumber": info.serial_number},
    }


async def channel_info(cameras: CameraRegistry, channel: Channel, only_caps: bool, reload: bool,
                       lang: str) -> dict[str, Any]:
    item: dict[str, Any] = {"chid": channel.chid, "type": channel.type}
    if not is_onvif(channel):
        return item | {"caps": caps_json(None)}
    failure: DeviceError | None = None
    try:
        await cameras.connected(channel, reload=reload)
    except DeviceError as exc:
        failure = exc
    known = cameras.cached(channel.chid)
    item["caps"] = caps_json(known.caps if known else None)
    if not only_caps and known is not None and known.info is not None:
        item["onvif"] = onvif_json(known.info)
    if failure is not None:
        item |= status(lang, failure.code)
    return item


def wanted_channels(query: Query, channels: list[Channel]) -> list[Channel]:
    chids = query.int_list("ch", high=999_999_999)
    if chids is None:
        return channels
    known = {c.chid: c for c in channels}
    return [known[chid] for chid in chids if chid in known]


async def info_endpoint(request: Request) -> Response:
    await run_in_threadpool(require, request)
    services = services_of(request)
    query = Query(request)
    lang = query.lang(services.settings.language)
    only_caps, reload = query.flag("caps"), query.flag("reload")
    channels = wanted_channels(query, await run_in_threadpool(all_channels, services.db))
    items = await asyncio.gather(*(channel_info(services.cameras, c, only_caps, reload, lang) for c in channels))
    return ts_json(request, list(items))
