"""/wsapi/dataExport: recorded video handed over file by file (TS-API "Exporting recorded video" @0.3.0).

Each socket authenticates on its own (auth=, HTTP Basic, the session cookie or session=), as
/wsapi/subscribeEvents does; a user without the DataExport and Playback rights, or unknown, is an
accepted socket closed at once with 1008 and the reason. Otherwise the server sends stage:ready
(web/export/params.py reads the parameters; -2 invalid, -1 no data, -5 no space: the socket is then
closed with 1000), runs the export task (recorder/export/task.py) and sends each of its stages
(web/export/stage_json.py), answering the client's commands (web/export/commands.py), then stage:end
and closes with 1000. The files are served by /download/{task}/{file} (web/export/downloads.py)
while they are offered. When the client goes away the task stops and its files are deleted.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from recorder.export.stages import FileEnd, Ready, ReadyCode, Stage
from recorder.export.task import ExportTask
from web.core import auth, i18n
from web.core.context import Services
from web.core.errors import ApiError
from web.core.urls import base_url
from web.core.websocket import CLOSE_POLICY_VIOLATION, close, send
from web.export.commands import Commands
from web.export.live_tasks import live_tasks, remove_stale_work_dirs, tasks_root
from web.export.params import ExportParams, InvalidParameter, read_params
from web.export.stage_json import StageRenderer, ready_json

log = logging.getLogger("tsnvr.web")

CLOSE_NORMAL = 1000
CLOSE_INTERNAL_ERROR = 1011
RIGHTS = ("DataExport", "Playback")  # Playback: the channels exported are played back


class ClientSocket:
    """Sends to the client until it has gone; then every send is a no-op and the task is cancelled."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.gone = False
        self.task: ExportTask | None = None

    async def send(self, message: dict[str, Any]) -> None:
        if self.gone:
            return
        try:
            await send(self.ws, message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.left()

    def left(self) -> None:
        self.gone = True
        if self.task is not None:
            self.task.cancel()

    async def listen(self, commands: Commands) -> None:
        """Hand the client's messages to `commands` until it leaves."""
        while True:
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError, OSError):
                break
            if message["type"] == "websocket.disconnect":
                break
            commands.receive(message.get("text") or message.get("bytes") or b"")
        self.left()


async def refuse_or_read(ws: WebSocket, services: Services) -> tuple[str, ExportParams | str] | None:
    """(uid, the parameters, or why they are invalid); None when the socket was refused and closed."""
    try:
        account = await run_in_threadpool(auth.require, ws, *RIGHTS)
    except ApiError as exc:
        await close(ws, CLOSE_POLICY_VIOLATION, exc.message)
        return None
    try:
        return account.uid, await run_in_threadpool(read_params, ws, services, account.uid)
    except InvalidParameter as exc:
        return account.uid, str(exc)


async def data_export(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    await ws.accept()
    asked = await refuse_or_read(ws, services)
    if asked is None:
        return
    uid, params = asked
    client = ClientSocket(ws)
    if isinstance(params, str):
        lang = i18n.resolve(ws.query_params.get("lang"), services.settings.language)
        await client.send(ready_json(Ready(ReadyCode.INVALID, params), lang, services.tz))
        await close(ws, CLOSE_NORMAL, "invalid parameters")
        return
    registry = live_tasks(ws.app)
    settings = services.settings
    root = tasks_root(settings.data_dir)
    await run_in_threadpool(remove_stale_work_dirs, root, set(registry.tasks), settings.export_max_age_hours * 3600)
    task_id = str(uuid.uuid4())
    task = ExportTask(services.db, settings, params.request, root / task_id, tz=services.tz,
                      limiter=registry.limiter, eventlog=services.eventlog, audit=params.audit, task_id=task_id)
    renderer = StageRenderer(task_id, base_url(ws), params.request.language, services.tz)
    registry.add(task, uid)
    code, reason = CLOSE_NORMAL, ""
    try:
        await run_task(client, task, renderer, services)
    except Exception:
        log.exception("dataExport task failed", extra={"fields": {"task": task_id}})
        code, reason = CLOSE_INTERNAL_ERROR, "export failed"
    finally:
        registry.remove(task_id)
        await task.discard()
    await close(ws, code, reason)


async def run_task(client: ClientSocket, task: ExportTask, renderer: StageRenderer, services: Services) -> None:
    ready = await task.prepare()
    await client.send(ready_json(ready, renderer.lang, services.tz))
    if ready.code is not ReadyCode.SUCCESS or client.gone:
        return
    client.task = task
    commands = Commands(task, client.send)

    async def emit(stage: Stage) -> None:
        ttl_ms = 0
        if isinstance(stage, FileEnd):
            ttl_s = services.settings.export_file_ttl_seconds  # a live setting: read for each file
            commands.offer(ttl_s)
            ttl_ms = round(ttl_s * 1000)
        await client.send(renderer.render(stage, ttl_ms))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(client.listen, commands)
        await task.run(emit, commands.after_file)
        tasks.cancel_scope.cancel()


routes = [WebSocketRoute("/wsapi/dataExport", data_export)]
