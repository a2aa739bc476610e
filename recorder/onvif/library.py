"""onvif-zeep-async, imported in one place and without its side effect on logging: its client module
calls logging.basicConfig(level=INFO) when imported, which would give any process that has not set
up logging yet (a command of the CLI, a test) a root handler at INFO. The root logger's handlers and
level are put back as they were; tsnvr's own logging (tsnvr/logs.py) is unaffected either way.

`connect_camera` makes the library's camera object for a device endpoint: the library puts the
device service at http://host:port/onvif/device_service, so the address (https, another path) is
given to it here."""

from __future__ import annotations

import logging
from typing import Any

from recorder.onvif.address import DeviceEndpoint

_root = logging.getLogger()
_handlers, _level = list(_root.handlers), _root.level
try:
    from onvif import ONVIFCamera, ONVIFService
    from onvif.definition import SERVICES
    from onvif.exceptions import ONVIFError
finally:
    _root.handlers[:] = _handlers
    _root.setLevel(_level)

__all__ = ["SERVICES", "ONVIFCamera", "ONVIFError", "ONVIFService", "connect_camera"]


class _EndpointCamera(ONVIFCamera):
    """An ONVIFCamera whose device service is at `endpoint` (the other services are where the
    camera's GetServices or GetCapabilities says)."""

    def __init__(self, endpoint: DeviceEndpoint, user: str, password: str) -> None:
        super().__init__(endpoint.host, endpoint.port, user, password, no_cache=True, adjust_time=True)
        self.endpoint = endpoint

    def get_definition(self, name: str, port_type: str | None = None) -> Any:
        xaddr, wsdl, binding = super().get_definition(name, port_type)
        if name == "devicemgmt":
            xaddr = self.endpoint.url
        return xaddr, wsdl, binding


def connect_camera(endpoint: DeviceEndpoint, user: str | None, password: str | None) -> ONVIFCamera:
    """The library's camera for this device endpoint: WS-Security digests with these credentials, on
    the camera's clock (adjust_time), no WSDL cache on disk."""
    return _EndpointCamera(endpoint, user or "", password or "")
