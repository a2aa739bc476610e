"""Absolute URLs as TS-API answers carry them: http://host/..., built from the request's Host."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import HTTPConnection

from web.core.timefmt import format_ms


def base_url(conn: HTTPConnection) -> str:
    scheme = {"ws": "http", "wss": "https"}.get(conn.url.scheme, conn.url.scheme)
    return f"{scheme}://{conn.url.netloc}"


def encode_all(text: str) -> str:
    """Percent-encode every character but letters and digits, as the guide's `when=` values are."""
    return "".join(c if c.isascii() and c.isalnum() else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def watch_url(base: str, chid: int, when_ms: int | None = None, tz: ZoneInfo | None = None) -> str:
    url = f"{base}/watch?ch={chid}"
    if when_ms is not None:
        url += "&when=" + encode_all(format_ms(when_ms, tz))
    return url


def storage_url(base: str, relative_path: str) -> str:
    return f"{base}/storage/{relative_path.lstrip('/')}"
