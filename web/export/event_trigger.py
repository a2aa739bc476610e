"""PUT /api/event-videos/trigger (TS-API @0.9.17): an event from a client, and its video backup.

The answer comes at once: {"eventId", "videoURLs"} (and "tasks", one result per task asked for).
The event is an event-log row (System log / Event triggered) at the event's time, with the title as
its comment, so /api/find?what=eventLog lists it and systemEvent subscribers receive it. With an
eventBackup task, one backup per channel is stored as pending (storage.event_backups) under a name
reserved in the same transaction; tsnvr's scheduler (tsnvr.event_backup) copies it once the
post-alarm recording is in. presetGo moves the trigger channel's camera to the preset (web.core.cameras,
as /api/channel/preset?go does) once the event is stored; its result is the device-control code and
message (in `lang`): 0, or -2 for a channel that is not ONVIF, -3 for a camera that is down, ...

Rights: Remote and Playback (the answer names recorded video, which Playback watches).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from recorder.onvif.camera import OnvifCamera
from recorder.onvif.errors import DeviceError, NotSupported
from storage import event_backups
from storage.channel_store import all_chids
from storage.channels import get_channel
from storage.clock import now_ms
from storage.eventlog import EventType, SystemCode
from storage.models import EventBackup, EventLogEntry
from web.core import i18n
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import Services, services_of
from web.core.params import Query
from web.core.timefmt import to_datetime
from web.export.trigger_request import Trigger, check_channels, read_trigger

DONE = {"code": 0, "message": "Success"}


def seconds(ms: int) -> int | float:
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def event_param(trigger: Trigger, uid: str, urls: list[str], not_recording: list[int]) -> dict[str, Any]:
    param: dict[str, Any] = {"chid": trigger.chid, "uid": uid}
    if trigger.title is not None:
        param["title"] = trigger.title
    if trigger.comment is not None:
        param["comment"] = trigger.comment
    if trigger.backup is not None:
        param["videoURLs"] = urls
        param["preAlarm"] = seconds(trigger.backup.pre_ms)
        param["postAlarm"] = seconds(trigger.backup.post_ms)
    if not_recording:
        param["notRecording"] = not_recording
    return param


def store_trigger(services: Services, trigger: Trigger, uid: str, now: int) -> tuple[EventLogEntry, list[str]]:
    """The event-log row and the pending backups, in one transaction; returns the row and the URLs."""
    chids = trigger.backup.chids if trigger.backup else [trigger.chid]
    not_recording = [c for c in chids if not services.live.recording_status(c).get("recording")]
    wanted = []
    if trigger.backup is not None:
        wanted = [EventBackup(event_id=0, chid=chid, path="", title=trigger.title or "", ts_ms=trigger.ts_ms,
                              begin_ms=trigger.ts_ms - trigger.backup.pre_ms,
                              end_ms=trigger.ts_ms + trigger.backup.post_ms, created_ms=now)
                  for chid in trigger.backup.chids]
    urls: list[str] = []

    def entry_of(paths: list[str]) -> EventLogEntry:
        urls[:] = [event_backups.URL_PREFIX + path for path in paths]
        param = event_param(trigger, uid, urls, not_recording)
        return EventLogEntry(ts_ms=trigger.ts_ms, type=int(EventType.SYSTEM), code=int(SystemCode.EVENT_TRIGGERED),
                             chid=trigger.chid, param=json.dumps(param, ensure_ascii=False), comment=trigger.title)

    local = to_datetime(trigger.ts_ms, services.tz)
    storage = event_backups.root(services.settings.data_dir)
    entry, stored = event_backups.add_event(services.db, storage, entry_of, wanted, local)
    if services.eventlog.on_record is not None:  # what EventLog.record does after its commit: systemEvent
        services.eventlog.on_record(entry)
    if stored and services.event_backups is not None:
        services.event_backups.wake()
    return entry, urls


def trigger_event(request: Request, body: bytes) -> tuple[dict[str, Any], Trigger]:
    account = require(request, "Playback")
    services = services_of(request)
    now = now_ms()
    trigger = read_trigger(body, services.tz, now)
    check_channels(trigger, set(all_chids(services.db)))
    entry, urls = store_trigger(services, trigger, account.uid, now)
    answer: dict[str, Any] = {"eventId": entry.id, "videoURLs": urls}
    return answer, trigger


async def go_presets(request: Request, trigger: Trigger) -> list[dict[str, Any]]:
    """Each presetGo task carried out on the trigger channel's camera, in order: its result."""
    services = services_of(request)
    lang = Query(request).lang(services.settings.language)
    channel = await run_in_threadpool(get_channel, services.db, trigger.chid)
    results = []
    for token in trigger.preset_tokens:
        code = 0
        try:
            if channel is None:  # deleted since the trigger was stored
                raise NotSupported("no channel")
            await services.cameras.command(channel, partial(OnvifCamera.goto_preset, token=token))
        except DeviceError as exc:
            code = exc.code
        results.append({"command": "presetGo", "code": code, "message": i18n.text(lang, f"deviceControl.{code}")})
    return results


async def trigger_endpoint(request: Request) -> Response:
    body = await request.body()  # read first, so that an oversized body meets the body limit (413)
    answer, trigger = await run_in_threadpool(trigger_event, request, body)
    if trigger.commands:
        presets = iter(await go_presets(request, trigger))
        answer["tasks"] = [next(presets) if command == "presetGo" else {"command": command, **DONE}
                           for command in trigger.commands]
    return ts_json(request, answer)


routes = [Route("/api/event-videos/trigger", trigger_endpoint, methods=["PUT"])]
