"""The simulator's services: a handler per (service, operation), each taking the simulator and
the request (zeep's object) and returning the answer's values for zeep to write."""

from __future__ import annotations

from typing import Any

from . import device, deviceio, events, imaging, media, ptz

HANDLERS: dict[tuple[str, str], Any] = {}
for _service, _module in (
    ("device", device.HANDLERS), ("media", media.HANDLERS), ("ptz", ptz.HANDLERS), ("imaging", imaging.HANDLERS),
    ("deviceio", deviceio.HANDLERS), ("events", events.HANDLERS), ("pullpoint", events.PULLPOINT_HANDLERS),
):
    for _name, _handler in _module.items():
        HANDLERS[(_service, _name)] = _handler
