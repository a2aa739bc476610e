"""A channel's ONVIF device URL as the address of its device service.

    onvif://host[:port]            the guide's form: http://host:port/onvif/device_service (port 80)
    onvif://host:port/path         the same, for a camera whose device service is elsewhere
    http://host[:port][/path]      written out (port 80)
    https://host[:port][/path]     over TLS (port 443); cameras' certificates are self-signed, so the
                                   certificate is not checked (as onvif-zeep-async does)

A path of "" or "/" is the ONVIF core specification's /onvif/device_service.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from recorder.onvif.errors import InvalidRequest

DEFAULT_PORT = 80
DEFAULT_TLS_PORT = 443
DEVICE_SERVICE_PATH = "/onvif/device_service"
SCHEMES = {"onvif": "http", "http": "http", "https": "https"}


@dataclass(frozen=True)
class DeviceEndpoint:
    scheme: str  # http or https
    host: str
    port: int
    path: str = DEVICE_SERVICE_PATH

    @property
    def url(self) -> str:
        """The device service's address."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def device_endpoint(url: str) -> DeviceEndpoint:
    """The device service of onvif://, http:// or https:// host[:port][/path]; InvalidRequest otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest(f"bad device URL {url!r}: {exc}") from exc
    scheme = SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.hostname:
        raise InvalidRequest(f"bad device URL {url!r}: write it onvif://host:port")
    if parts.query or parts.fragment:
        raise InvalidRequest(f"bad device URL {url!r}: no query or fragment")
    path = parts.path if parts.path not in ("", "/") else DEVICE_SERVICE_PATH
    default_port = DEFAULT_TLS_PORT if scheme == "https" else DEFAULT_PORT
    return DeviceEndpoint(scheme, parts.hostname, port or default_port, path)


def device_address(url: str) -> tuple[str, int]:
    """(host, port) of a device URL (see device_endpoint); InvalidRequest otherwise."""
    endpoint = device_endpoint(url)
    return endpoint.host, endpoint.port
