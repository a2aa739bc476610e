"""GET /storage/{path}: recorded segments and plate and object images under the data directory.
Plate images need the LPR right (like the LPR events and plate searches they belong to), the rest
the Playback right. Range requests work, so players can seek.

Only finished files below DIR/rec and DIR/images are served: never the database, settings,
exports (those go through /download) or a segment still being written (.part)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from storage.served_paths import file_within, path_parts
from web.core.auth import require_for_file
from web.core.context import Services
from web.core.errors import ApiError, bad_request

SERVED_ROOTS = ("rec", "images")
MEDIA_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def stored_file(data_dir: Path, relative: str) -> Path:
    """The file `relative` names below one of the served roots; 400 for a malformed path, else 404."""
    parts = path_parts(relative)
    if parts is None:
        raise bad_request("a storage path is folder/.../file, without '..', '.', empty or hidden parts")
    not_found = ApiError(404, f"no stored file {relative!r}")
    if len(parts) < 2 or parts[0] not in SERVED_ROOTS or Path(parts[-1]).suffix.lower() not in MEDIA_TYPES:
        raise not_found
    path = file_within(data_dir / parts[0], "/".join(parts[1:]))  # a symlink may not lead out of its root
    if path is None:
        raise not_found
    return path


def right_for(relative: str) -> str:
    return "LPR" if relative.startswith("images/plates/") else "Playback"


def serve_stored_file(request: Request) -> Response:
    require_for_file(request, right_for(request.path_params["path"]))
    services: Services = request.app.state.services
    path = stored_file(services.settings.data_dir, request.path_params["path"])
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix.lower()])


routes = [Route("/storage/{path:path}", serve_stored_file, methods=["GET", "HEAD"])]
