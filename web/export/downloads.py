"""GET /download/{task}/{file}: the files a live /wsapi/dataExport task offers now (those of its last
fileEnd, until the client answers it), to the user who started the task, with the DataExport right.

Credentials as for any file link (auth=, HTTP Basic, the session cookie; a 401 asks for Basic).
Range requests are answered (206) by Starlette's FileResponse. The guide writes its example link as
`.../CH1.2018-07-27T09.11.19.mp4&auth=...` (no `?`): parameters after a `&` in the file name are read
as the query. A malformed task id or file name is a 400; any other file, or a task that has ended,
404.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from storage.exports import ExportNameError, check_name
from web.core.auth import require_for_file
from web.core.context import services_of
from web.core.errors import ApiError, bad_request
from web.export.live_tasks import live_tasks

TASK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
MEDIA_TYPES = {".mp4": "video/mp4", ".vtt": "text/vtt; charset=utf-8", ".srt": "application/x-subrip; charset=utf-8",
               ".smi": "application/smil; charset=utf-8", ".zip": "application/zip"}


def media_type(name: str) -> str:
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    return MEDIA_TYPES.get(suffix, "application/octet-stream")


def with_trailing_query(request: Request) -> tuple[Request, str]:
    """(the request to authenticate, the file name) for a file name that carries `&auth=...`."""
    name = request.path_params["file"]
    if "&" not in name:
        return request, name
    name, _, extra = name.partition("&")
    query = request.scope["query_string"].decode("latin-1")
    joined = "&".join(part for part in (query, extra) if part)
    scope = {**request.scope, "query_string": joined.encode("latin-1")}
    return Request(scope, request.receive), name


async def download(request: Request) -> Response:
    asked, name = with_trailing_query(request)
    account = await run_in_threadpool(require_for_file, asked, "DataExport")
    task_id = request.path_params["task"]
    if not TASK_ID.fullmatch(task_id):
        raise bad_request(f"{task_id!r} is not an export task id")
    try:
        check_name(name)
    except ExportNameError as exc:
        raise bad_request(str(exc)) from None
    live = live_tasks(request.app).get(task_id)
    path = live.task.files.get(name) if live is not None and live.uid == account.uid else None
    if path is None:
        raise ApiError(404, f"export task {task_id} offers no file {name!r} now")
    data_dir = services_of(request).settings.data_dir.resolve()
    try:
        inside = path.resolve(strict=True).is_relative_to(data_dir)
    except OSError:
        inside = False
    if not inside:
        raise ApiError(404, f"export task {task_id} offers no file {name!r} now")
    return FileResponse(path, media_type=media_type(name), filename=name)


routes = [Route("/download/{task}/{file}", download, methods=["GET", "HEAD"])]
