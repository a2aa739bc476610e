"""GET /api/channel/preset: list, reload (ch=1,2,3 or all channels), add[&name], set=token[&name],
rm=token,..., go=token (one channel).

list answers the presets read at the camera's connection (or its last reload, add, set or rm);
reload reads them from the camera again. A name given with add or set is kept by the server (the
guide: "the preset name is stored in the server instead of the camera") and shown for that token
from then on; it is also sent to the camera when it is printable ASCII, which cameras accept.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from recorder.onvif.camera import OnvifCamera
from recorder.onvif.errors import DeviceError
from storage.models import Channel
from web.control.codes import INVALID_CHANNEL, INVALID_PARAMETERS, NOT_SUPPORTED, SUCCESS, Refused, status
from web.control.request import ControlRequest, supported
from web.core.cameras import CameraEntry

COMMANDS = ("list", "reload", "add", "set", "rm", "go")
DEVICE_OK = 200  # deviceResponseCode of a camera that carried the command out


def camera_name(name: str) -> str | None:
    return name if name and name.isascii() and name.isprintable() else None


def device_answer(control: ControlRequest, exc: DeviceError | None) -> dict[str, Any]:
    """{"deviceResponseCode"?, "code", "message"} of one command the camera was sent."""
    if exc is None:
        return {"deviceResponseCode": DEVICE_OK, **status(control.lang, SUCCESS)}
    out: dict[str, Any] = {}
    if exc.device_response_code is not None:
        out["deviceResponseCode"] = exc.device_response_code
    return out | status(control.lang, exc.code)


async def presets_entry(control: ControlRequest, channel: Channel | int, reload: bool) -> dict[str, Any]:
    """One channel's item of list and reload: {"chid", "code", "message", "preset"?}."""
    chid = channel if isinstance(channel, int) else channel.chid
    try:
        if isinstance(channel, int):
            raise Refused(INVALID_CHANNEL)
        entry = await preset_camera(control, channel)
        if reload:
            entry = await control.cameras.reload_presets(channel)
    except (Refused, DeviceError) as exc:
        return {"chid": chid, **status(control.lang, exc.code)}
    presets = [{"name": p.name, "token": p.token} for p in entry.presets or []]
    return {"chid": chid, **status(control.lang, SUCCESS), "preset": presets}


async def preset_camera(control: ControlRequest, channel: Channel) -> CameraEntry:
    entry = await control.camera(channel)
    if not supported(entry.caps, bool(entry.caps and entry.caps.max_preset)):
        raise Refused(NOT_SUPPORTED)
    return entry


async def set_preset(control: ControlRequest, token: str | None) -> dict[str, Any]:
    """add (token None: the camera makes one) or set=token; the name defaults to the token."""
    name = control.text("name").strip() if "name" in control.params else ""
    channel = await control.channel()
    entry = await preset_camera(control, channel)

    async def send(camera: OnvifCamera) -> str:
        return await camera.set_preset(token, camera_name(name) or camera_name(token or ""))

    try:
        made = await control.cameras.run(entry, send)
    except DeviceError as exc:
        return {"chid": channel.chid, **device_answer(control, exc)}
    await control.cameras.name_preset(channel.chid, entry, made, name or made)
    return {"chid": channel.chid, **device_answer(control, None), "token": made, "name": name or made}


async def remove_presets(control: ControlRequest) -> dict[str, Any]:
    tokens = control.tokens("rm")
    channel = await control.channel()
    entry = await preset_camera(control, channel)
    answers = []
    for token in tokens:
        try:
            await control.cameras.run(entry, partial(OnvifCamera.remove_preset, token=token))
        except DeviceError as exc:
            answers.append(device_answer(control, exc) | {"token": token})
            continue
        await control.cameras.drop_preset(channel.chid, entry, token)
        answers.append(device_answer(control, None) | {"token": token})
    return {"chid": channel.chid, "preset": answers}


async def go_preset(control: ControlRequest) -> dict[str, Any]:
    token = control.text("go").strip()
    if not token:
        raise Refused(INVALID_PARAMETERS)
    entry = await preset_camera(control, await control.channel())
    await control.cameras.run(entry, lambda camera: camera.goto_preset(token))
    return status(control.lang, SUCCESS)


async def preset(control: ControlRequest) -> dict[str, Any] | list[dict[str, Any]]:
    command = control.one_command(COMMANDS)
    if command in ("list", "reload"):
        channels = await control.channels()
        reload = command == "reload"
        return list(await asyncio.gather(*(presets_entry(control, channel, reload) for channel in channels)))
    if command == "add":
        return await set_preset(control, None)
    if command == "set":
        token = control.text("set").strip()
        if not token:
            raise Refused(INVALID_PARAMETERS)
        return await set_preset(control, token)
    if command == "rm":
        return await remove_presets(control)
    return await go_preset(control)
