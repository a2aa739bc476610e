"""TS-API JSON: compact UTF-8 by default, indented by `indent=0..8` on any request."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from web.core.errors import bad_request
from web.core.numbers import NotWholeNumber, whole_number


def indent_of(request: Request) -> int | None:
    raw = request.query_params.get("indent")
    if raw is None or raw == "":
        return None
    try:
        indent = whole_number(raw)
    except NotWholeNumber:
        indent = -1
    if not 0 <= indent <= 8:
        raise bad_request("indent must be a whole number from 0 to 8")
    return indent or None


def dumps(data: Any, indent: int | None = None) -> str:
    if indent:
        return json.dumps(data, ensure_ascii=False, indent=indent)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def ts_json(request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = dumps(data, indent_of(request))
    return Response(body, status_code=status, headers=headers, media_type="application/json; charset=utf-8")
