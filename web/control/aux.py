"""GET /api/channel/aux?ch=N&on=0,1 | off=1: the camera's AUX outputs by zero-based index.

With both on and off, on is carried out and off ignored (the guide). An index that is not a whole
number, or not below the camera's `aux` count, is -8; a camera without AUX outputs -2.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from recorder.onvif.camera import OnvifCamera
from recorder.onvif.errors import DeviceError
from web.control.codes import INVALID_PARAMETERS, INVALID_REQUEST, NOT_SUPPORTED, SUCCESS, Refused, status
from web.control.request import ControlRequest, supported
from web.core.numbers import channel_number


def indexes(control: ControlRequest, name: str) -> list[int]:
    out: list[int] = []
    for part in control.tokens(name):
        number = channel_number(part)
        if number is None:
            raise Refused(INVALID_PARAMETERS)
        if number not in out:
            out.append(number)
    return out


async def aux(control: ControlRequest) -> dict[str, Any]:
    if "on" in control.params:
        on, wanted = True, indexes(control, "on")
    elif "off" in control.params:
        on, wanted = False, indexes(control, "off")
    else:
        raise Refused(INVALID_REQUEST)
    entry = await control.camera(await control.channel())
    caps = entry.caps
    if not supported(caps, bool(caps and caps.aux)):
        raise Refused(NOT_SUPPORTED)
    if caps is not None and any(index >= caps.aux for index in wanted):
        raise Refused(INVALID_PARAMETERS)
    failure: DeviceError | None = None
    for index in wanted:
        try:
            await control.cameras.run(entry, partial(OnvifCamera.set_aux, index=index, on=on))
        except DeviceError as exc:
            failure = failure or exc
    return status(control.lang, failure.code if failure else SUCCESS)
