"""A channel's ONVIF device URL, onvif://host:port (the guide's form of http://host:port), as the
host and port of its device service."""

from __future__ import annotations

from urllib.parse import urlsplit

from recorder.onvif.errors import InvalidRequest

DEFAULT_PORT = 80


def device_address(url: str) -> tuple[str, int]:
    """(host, port) of onvif://host[:port][/...] (http:// is taken too); InvalidRequest otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest(f"bad device URL {url!r}: {exc}") from exc
    if parts.scheme.lower() not in ("onvif", "http") or not parts.hostname:
        raise InvalidRequest(f"bad device URL {url!r}: write it onvif://host:port")
    return parts.hostname, port or DEFAULT_PORT
