"""The simulator's services: a handler per (service, operation), each taking the simulator and
the request (zeep's object) and returning the answer's values for zeep to write."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import device, deviceio, events, imaging, media, ptz

if TYPE_CHECKING:
    from ..server import OnvifSimulator

Handler = Callable[["OnvifSimulator", Any], dict[str, Any]]
HANDLERS: dict[tuple[str, str], Handler] = {}
for _service, _module in (
    ("device", device.HANDLERS), ("media", media.HANDLERS), ("ptz", ptz.HANDLERS), ("imaging", imaging.HANDLERS),
    ("deviceio", deviceio.HANDLERS), ("events", events.HANDLERS), ("pullpoint", events.PULLPOINT_HANDLERS),
):
    for _name, _handler in _module.items():
        HANDLERS[(_service, _name)] = _handler
