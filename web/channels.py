"""POST /api/channel (add channels) and DELETE /api/channel/{id} (delete channels), TS-API @0.9.7.

Both need the Settings (administrator) right; `auth=` signs in and `lang=` picks the language of
the status message.

POST takes one channel object or an array of them. The type follows from the item: `device`
present -> "onvif" (the device URL and name are stored; there is no ONVIF control yet), a source
starting with rtsp:// or rtsps:// -> "rtsp", anything else -> "file" (a video file path). A body
that is not JSON, not an object or array, or has an item with a wrongly typed value is refused as
a whole with 400 {"code", "message"} and nothing is stored. Otherwise every item is tried:

    status.code  0  all added              HTTP 200  {"status", "added"}
    status.code -5  some added             HTTP 200  {"status", "added", "failed"}
    status.code -6  none added             HTTP 400  {"status", "failed"}

Each "failed" item is {"source"} as the guide shows it, plus "chid" when the request named one and
the item's own "code" and "message": -1 the number is in use, -2 no source, -3 a device without
url, -4 over the `max_channels` setting. Channels that name their number claim it before others
are numbered from the front. "added" items are {"chid", "name", "type", "source", ...} as the guide
shows them (the RTSP URL carries uid:password); "sharedFrameBuffer" is left out because this
server has no shared-memory frame buffer. A channel without a name is stored with "" (an ONVIF one
takes its device name); listings then call it "CH<n>".

DELETE /api/channel/1,2,3 or /api/channel/all stops the captures and deletes the rows (the
recordings stay):

    status.code  0  all deleted              HTTP 200  {"status", "deleted"}
    status.code -5  some of them not found   HTTP 200  {"status", "deleted", "failed"}
    status.code -7  no channel number given  HTTP 400  {"status"}
    status.code -8  none of them exists      HTTP 404  {"status", "failed"}

A number that is not a whole number is a 400 {"code", "message"}. /api/channel/all on a server
without channels answers 0 with an empty "deleted" list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from recorder.onvif.address import device_endpoint
from recorder.onvif.errors import InvalidRequest
from recorder.source import with_credentials
from storage.channel_store import AddFailure, add_channels, all_chids, delete_channels
from storage.clock import now_ms
from storage.eventlog import ChannelCode, EventType
from storage.events import ChannelEvent, ChannelStatusEvent
from storage.models import ANY_FREE_CHID, Channel
from web.core import i18n
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import Services
from web.core.errors import bad_request
from web.core.json_body import read_json
from web.core.numbers import channel_number
from web.core.params import Query

MAX_CHID = 100_000
SOURCE_MISSING, DEVICE_URL_MISSING = -2, -3
LIMITS = {"name": 256, "source": 4096, "uid": 128, "password": 256, "url": 512, "playback": 8}


@dataclass
class NewChannel:
    """One item of the POST body, checked for types; `problem` is its -2/-3 code, if any."""

    chid: int | None
    name: str
    type: str
    source: str | None
    tcp: bool
    substream: bool
    uid: str | None
    password: str | None
    device_url: str | None
    device_name: str | None
    playback: str | None
    problem: int | None

    @property
    def shown_source(self) -> str | None:
        if self.source and self.type != "file":
            return with_credentials(self.source, self.uid, self.password)
        return self.source

    def row(self) -> Channel:
        return Channel(chid=ANY_FREE_CHID if self.chid is None else self.chid, name=self.name, type=self.type,
                       source=self.source or "", tcp=self.tcp, uid=self.uid, password=self.password,
                       substream=self.substream, device_url=self.device_url, device_name=self.device_name,
                       playback=self.playback)


def _value(item: dict[str, Any], key: str, kind: type, label: str) -> Any:
    value = item.get(key)
    if value is None:
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise bad_request(f"{label}{key} must be a whole number")
    if not isinstance(value, kind):
        raise bad_request(f"{label}{key} must be {'true or false' if kind is bool else 'a string'}")
    if isinstance(value, str) and len(value) > LIMITS[key]:
        raise bad_request(f"{label}{key} is longer than {LIMITS[key]} characters")
    return value


def read_item(item: Any, label: str) -> NewChannel:
    if not isinstance(item, dict):
        raise bad_request(f"{label}a channel must be a JSON object")
    chid = _value(item, "chid", int, label)
    if chid is not None and not 1 <= chid <= MAX_CHID:
        raise bad_request(f"{label}chid must be from 1 to {MAX_CHID}")
    source = _value(item, "source", str, label) or None
    device = item.get("device")
    if device is not None and not isinstance(device, dict):
        raise bad_request(f"{label}device must be a JSON object")
    device_url = _value(device, "url", str, f"{label}device.") if device is not None else None
    device_name = _value(device, "name", str, f"{label}device.") if device is not None else None
    if device_url:
        try:
            device_endpoint(device_url)
        except InvalidRequest:
            raise bad_request(f"{label}device.url must be written onvif://host:port "
                              "(or http:// or https:// and the device service's address)") from None
    if device is not None:
        kind = "onvif"
    elif source and source.lower().startswith(("rtsp://", "rtsps://")):
        kind = "rtsp"
    else:
        kind = "file"
    playback = _value(item, "playback", str, label)
    if playback is not None and playback not in ("once", "repeat"):
        raise bad_request(f"{label}playback must be once or repeat")
    tcp, substream = _value(item, "tcp", bool, label), _value(item, "substream", bool, label)
    problem = None
    if not source:
        problem = SOURCE_MISSING
    elif device is not None and not device_url:
        problem = DEVICE_URL_MISSING
    return NewChannel(
        chid=chid,
        name=_value(item, "name", str, label) or (device_name or ""),
        type=kind,
        source=source,
        tcp=True if tcp is None else tcp,
        substream=(True if substream is None else substream) if kind == "onvif" else False,
        uid=_value(item, "uid", str, label) or None,
        password=_value(item, "password", str, label) or None,
        device_url=device_url or None,
        device_name=device_name or None,
        playback=(playback or "repeat") if kind == "file" else None,
        problem=problem,
    )


def read_body(body: bytes) -> list[NewChannel]:
    data = read_json(body)
    if isinstance(data, dict):
        return [read_item(data, "")]
    if not isinstance(data, list):
        raise bad_request("the request body must be a channel object or an array of them")
    if not data:
        raise bad_request("the request lists no channels")
    return [read_item(item, f"item {i}: ") for i, item in enumerate(data, 1)]


def added_json(channel: NewChannel, row: Channel) -> dict[str, Any]:
    out: dict[str, Any] = {"chid": row.chid, "name": row.name, "type": row.type}
    if row.type == "onvif":
        out["device"] = row.device_url
    out["source"] = channel.shown_source
    if row.type == "file":
        out["playback"] = row.playback
    else:
        out["tcp"] = row.tcp
    if row.type == "onvif":
        out["substream"] = row.substream
    return out


def failed_json(channel: NewChannel, code: int, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {"chid": channel.chid} if channel.chid is not None else {}
    out |= {"source": channel.shown_source, "code": code, "message": i18n.text(lang, f"channelAdd.{code}")}
    return out


def status(lang: str, area: str, code: int) -> dict[str, Any]:
    return {"code": code, "message": i18n.text(lang, f"{area}.{code}")}


def store_and_start(services: Services, channels: list[NewChannel]) -> list[Channel | AddFailure | None]:
    """Stores the acceptable channels, then logs, announces and starts each one that was stored.
    Item by item: the stored row, why the store refused it, or None for an item with a problem."""
    acceptable = [c.row() for c in channels if c.problem is None]
    stored = iter(add_channels(services.db, acceptable, services.settings.max_channels))
    results = [next(stored) if c.problem is None else None for c in channels]
    for row in results:
        if isinstance(row, Channel):
            services.eventlog.record(EventType.CHANNEL, ChannelCode.ADDED, {"chid": row.chid, "name": row.name},
                                     chid=row.chid)
            services.bus.publish(ChannelStatusEvent(ChannelEvent.CHANNEL_ADDED, row.chid, now_ms(), name=row.name))
            if services.recorder is not None:
                services.recorder.add(row)
    return results


async def add_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    require(request, "Settings")
    lang = Query(request).lang(services.settings.language)
    channels = read_body(await request.body())
    results = await run_in_threadpool(store_and_start, services, channels)
    added: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for channel, result in zip(channels, results, strict=True):
        if isinstance(result, Channel):
            added.append(added_json(channel, result))
        else:
            failed.append(failed_json(channel, int(result) if result is not None else channel.problem or 0, lang))
    if not failed:
        return ts_json(request, {"status": status(lang, "channelAdd", 0), "added": added})
    if added:
        return ts_json(request, {"status": status(lang, "channelAdd", -5), "added": added, "failed": failed})
    return ts_json(request, {"status": status(lang, "channelAdd", -6), "failed": failed}, status=400)


def read_ids(text: str) -> list[int] | None:
    """The channel numbers of "1,2,3"; None for "all"; [] when none is given."""
    if text.strip().lower() == "all":
        return None
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        chid = channel_number(part)
        if chid is None:
            raise bad_request("the channel numbers must be whole numbers separated by commas, or all")
        if chid not in out:
            out.append(chid)
    return out


def delete_and_stop(services: Services, chids: list[int]) -> tuple[list[int], list[int]]:
    rows, missing = delete_channels(services.db, chids)
    for row in rows:
        if services.recorder is not None:
            services.recorder.remove(row.chid)  # before channelRemoved: the capture's last words come first
        services.eventlog.record(EventType.CHANNEL, ChannelCode.REMOVED, {"chid": row.chid, "name": row.name},
                                 chid=row.chid)
        services.bus.publish(ChannelStatusEvent(ChannelEvent.CHANNEL_REMOVED, row.chid, now_ms()))
    return [row.chid for row in rows], missing


async def delete_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    require(request, "Settings")
    lang = Query(request).lang(services.settings.language)
    wanted = read_ids(request.path_params.get("ids", ""))
    if wanted == []:
        return ts_json(request, {"status": status(lang, "channelDelete", -7)}, status=400)
    chids = wanted if wanted is not None else await run_in_threadpool(all_chids, services.db)
    deleted, failed = await run_in_threadpool(delete_and_stop, services, chids)
    if not failed:
        return ts_json(request, {"status": status(lang, "channelDelete", 0), "deleted": deleted})
    if deleted:
        return ts_json(request, {"status": status(lang, "channelDelete", -5), "deleted": deleted, "failed": failed})
    return ts_json(request, {"status": status(lang, "channelDelete", -8), "failed": failed}, status=404)


routes = [
    Route("/api/channel", add_endpoint, methods=["POST"]),
    Route("/api/channel", delete_endpoint, methods=["DELETE"]),
    Route("/api/channel/", delete_endpoint, methods=["DELETE"]),
    Route("/api/channel/{ids}", delete_endpoint, methods=["DELETE"]),
]
