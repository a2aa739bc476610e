"""GET /event-storage/{path}: the saved event backups (DIR/event-storage/e/...), with the Playback right
like recorded segments (/storage). Range requests work, so players can seek. Only files below e/ are
served: never one being written (DIR/event-storage/.work), never a path outside the folder."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from storage import event_backups
from web.core.auth import require_for_file
from web.core.context import services_of
from web.core.errors import ApiError


def serve_event_backup(request: Request) -> Response:
    require_for_file(request, "Playback")
    relative = request.path_params["path"]
    path = event_backups.stored_file(event_backups.root(services_of(request).settings.data_dir), relative)
    if path is None or path.suffix != ".mp4":
        raise ApiError(404, f"no event backup {relative!r}")
    return FileResponse(path, media_type="video/mp4")


routes = [Route("/event-storage/{path:path}", serve_event_backup, methods=["GET", "HEAD"])]
