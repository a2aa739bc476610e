"""onvif-zeep-async, imported in one place and without its side effect on logging: its client module
calls logging.basicConfig(level=INFO) when imported, which would give any process that has not set
up logging yet (a command of the CLI, a test) a root handler at INFO. The root logger's handlers and
level are put back as they were; tsnvr's own logging (tsnvr/logs.py) is unaffected either way."""

from __future__ import annotations

import logging

_root = logging.getLogger()
_handlers, _level = list(_root.handlers), _root.level
try:
    from onvif import ONVIFCamera, ONVIFService
    from onvif.definition import SERVICES
    from onvif.exceptions import ONVIFError
finally:
    _root.handlers[:] = _handlers
    _root.setLevel(_level)

__all__ = ["SERVICES", "ONVIFCamera", "ONVIFError", "ONVIFService"]
