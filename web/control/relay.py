"""GET /api/channel/relay?ch=N&ls | on=token,... | off=token,...: the camera's relay outputs.

ls reads the camera's list each time (name and token, as the guide shows). on and off set each
token in turn; with both, on is carried out and off ignored (the guide). The answer is the first
failure's code, or 0 when every relay was set.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from recorder.onvif.camera import OnvifCamera
from recorder.onvif.errors import DeviceError
from web.control.codes import NOT_SUPPORTED, SUCCESS, Refused, status
from web.control.request import ControlRequest, supported
from web.core.cameras import CameraEntry

COMMANDS = ("ls", "on", "off")


async def relay_camera(control: ControlRequest) -> tuple[int, CameraEntry]:
    channel = await control.channel()
    entry = await control.camera(channel)
    if not supported(entry.caps, bool(entry.caps and entry.caps.relay_outputs)):
        raise Refused(NOT_SUPPORTED)
    return channel.chid, entry


async def relay(control: ControlRequest) -> dict[str, Any]:
    command = control.one_command(("ls", "on") if "on" in control.params else COMMANDS)  # on wins over off
    if command == "ls":
        chid, entry = await relay_camera(control)
        relays = await control.cameras.run(entry, lambda camera: camera.relays())
        return {"chid": chid, **status(control.lang, SUCCESS),
                "relay": [{"name": r.name, "token": r.token} for r in relays]}
    tokens = control.tokens(command)
    _chid, entry = await relay_camera(control)
    failure: DeviceError | None = None
    for token in tokens:
        try:
            await control.cameras.run(entry, partial(OnvifCamera.set_relay, token=token, active=command == "on"))
        except DeviceError as exc:
            failure = failure or exc
    return status(control.lang, failure.code if failure else SUCCESS)
