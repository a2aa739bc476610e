"""GET /api/channel/reboot?ch=N: the camera reboots (SystemReboot). Its connection is then closed,
so the next command connects again (and reads the caps again) once the camera is back."""

from __future__ import annotations

from typing import Any

from web.control.codes import NOT_SUPPORTED, SUCCESS, Refused, status
from web.control.request import ControlRequest, supported


async def reboot(control: ControlRequest) -> dict[str, Any]:
    channel = await control.channel()
    entry = await control.camera(channel)
    if not supported(entry.caps, bool(entry.caps and entry.caps.reboot)):
        raise Refused(NOT_SUPPORTED)
    await control.cameras.run(entry, lambda camera: camera.reboot())
    await control.cameras.disconnect(entry)
    return status(control.lang, SUCCESS)
