"""/api/status: each channel's connection status code, its message (verbose), and recording status."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage.channels import all_channels
from web.core import i18n
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import Services
from web.core.params import Query
from web.core.timefmt import format_ms


def status_json(code: int, verbose: bool, lang: str) -> dict[str, Any]:
    status: dict[str, Any] = {"code": code}
    if verbose and i18n.has(f"status.{code}"):
        status["message"] = i18n.text(lang, f"status.{code}")
    return status


def recording_json(state: dict[str, Any], services: Services) -> dict[str, Any]:
    out: dict[str, Any] = {"streaming": bool(state.get("streaming")), "recording": bool(state.get("recording"))}
    if state.get("failure_ms") is not None:
        out["timestampRecordingFailure"] = format_ms(int(state["failure_ms"]), services.tz)
    return out


def status_endpoint(request: Request) -> Response:
    require(request)
    services: Services = request.app.state.services
    query = Query(request)
    wanted = query.int_list("ch")
    verbose = query.flag("verbose")
    with_recording = query.flag("recordingStatus")
    lang = query.lang(services.settings.language)
    out = []
    for channel in all_channels(services.db):
        if wanted is not None and channel.chid not in wanted:
            continue
        item: dict[str, Any] = {
            "chid": channel.chid,
            "status": status_json(services.live.channel_status(channel.chid), verbose, lang),
        }
        if with_recording:
            item["recordingStatus"] = recording_json(services.live.recording_status(channel.chid), services)
        out.append(item)
    return ts_json(request, out)


routes = [Route("/api/status", status_endpoint)]
