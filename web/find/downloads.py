"""GET /download/{name}: export files from DIR/exports, for users with the DataExport right."""

from __future__ import annotations

import mimetypes

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from storage import exports
from web.core.auth import require_for_file
from web.core.context import services_of
from web.core.errors import ApiError, bad_request

MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".csv": "text/csv; charset=utf-8",
}


def media_type(name: str) -> str:
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def download(request: Request) -> Response:
    require_for_file(request, "DataExport")
    settings = services_of(request).settings
    directory = exports.exports_dir(settings.data_dir)
    name = request.path_params["name"]
    try:
        path = exports.resolve(directory, name)
    except exports.ExportNameError as exc:
        raise bad_request(str(exc)) from None
    except FileNotFoundError:
        raise ApiError(404, f"no export file {name!r}") from None
    if exports.is_expired(path, settings.export_max_age_hours * 3600):
        path.unlink(missing_ok=True)
        raise ApiError(404, f"export file {name!r} has expired")
    return FileResponse(path, media_type=media_type(name), filename=name)


routes = [Route("/download/{name:path}", download, methods=["GET", "HEAD"])]
