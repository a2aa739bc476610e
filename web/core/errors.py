"""Every failure leaves as JSON {"code", "message"} with a 4xx (507 when storage is full; for a bug,
500) status."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from storage.disk_full import is_disk_full

log = logging.getLogger("tsnvr.web")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"code": status, "message": message}, status_code=status, headers=headers)


async def on_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


async def on_http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, exc.detail or "error", getattr(exc, "headers", None))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error; the server logged the details")


async def on_storage_error(request: Request, exc: Exception) -> Response:
    """507 when a write found the disk (or the database) full: nothing was stored; else a bug's 500."""
    if not is_disk_full(exc):
        return await on_unexpected(request, exc)
    log.warning("storage full on %s %s: %s", request.method, request.url.path, exc)
    return error_response(507, "the server's storage is full: nothing was stored; try again when space is freed")


EXCEPTION_HANDLERS = {
    ApiError: on_api_error,
    HTTPException: on_http_exception,
    OperationalError: on_storage_error,  # SQLite's "database or disk is full", PostgreSQL's disk_full
    OSError: on_storage_error,  # ENOSPC writing a file
    Exception: on_unexpected,
}


class DeclaredBodyLimit:
    """413 JSON for a request whose Content-Length is over the limit, before anything reads it.

    Starlette's own limit answers that case in plain text; a body without Content-Length is
    still cut by Starlette's limit, whose HTTPException reaches the JSON handlers above."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length", "")
            if length.isdigit() and int(length) > self.max_body_size:
                response = error_response(413, f"the request body is larger than {self.max_body_size} bytes")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
