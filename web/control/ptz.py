"""GET /api/channel/ptz?ch=N&<command>: home, stop, move=x,y, zoom=v, focus=v, iris=v (one per request).

Velocities are decimals from -1 to 1 (else -8). move=x alone means move=x,0; a bare `move` is stop.
zoom, focus and iris need their value. A command the camera's caps rule out is -2 without asking it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from recorder.onvif.camera import Caps, OnvifCamera
from web.control.codes import INVALID_PARAMETERS, NOT_SUPPORTED, SUCCESS, Refused, status
from web.control.request import ControlRequest, supported

COMMANDS = ("home", "stop", "move", "zoom", "focus", "iris")
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def velocity(text: str) -> float:
    """One decimal from -1 to 1; -8 otherwise."""
    text = text.strip()
    if not DECIMAL.fullmatch(text):
        raise Refused(INVALID_PARAMETERS)
    value = float(text)
    if not math.isfinite(value) or not -1.0 <= value <= 1.0:
        raise Refused(INVALID_PARAMETERS)
    return value + 0.0  # -0.0 -> 0.0


def move_velocity(text: str) -> tuple[float, float] | None:
    """move=x,y -> (x, y); move=x -> (x, 0); a bare move -> None (stop)."""
    if not text.strip():
        return None
    parts = text.split(",")
    if len(parts) > 2:
        raise Refused(INVALID_PARAMETERS)
    pan = velocity(parts[0])
    tilt = velocity(parts[1]) if len(parts) == 2 else 0.0
    return pan, tilt


def allowed(command: str, caps: Caps | None) -> bool:
    if caps is None:
        return True
    return {
        "home": supported(caps, caps.home),
        "stop": supported(caps, caps.pantilt, caps.zoom, caps.focus, caps.iris),
        "move": supported(caps, caps.pantilt),
        "zoom": supported(caps, caps.zoom),
        "focus": supported(caps, caps.focus),
        "iris": supported(caps, caps.iris),
    }[command]


def action(command: str, value: str) -> tuple[str, Callable[[OnvifCamera], Awaitable[None]]]:
    """What the camera is told, and the cap it needs; -8 for a bad value."""
    if command == "home":
        return "home", lambda camera: camera.home()
    if command == "stop":
        return "stop", lambda camera: camera.stop()
    if command == "move":
        pan_tilt = move_velocity(value)
        if pan_tilt is None:
            return "move", lambda camera: camera.stop()
        return "move", lambda camera: camera.move(*pan_tilt)
    speed = velocity(value)
    if command == "zoom":
        return "zoom", lambda camera: camera.zoom(speed)
    if command == "focus":
        return "focus", lambda camera: camera.focus(speed)
    return "iris", lambda camera: camera.iris(speed)


async def ptz(control: ControlRequest) -> dict[str, Any]:
    command = control.one_command(COMMANDS)
    needs, send = action(command, control.params.get(command, ""))
    entry = await control.camera(await control.channel())
    if not allowed(needs, entry.caps):
        raise Refused(NOT_SUPPORTED)
    await control.cameras.run(entry, send)
    return status(control.lang, SUCCESS)
