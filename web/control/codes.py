"""The device-control answer {"code", "message"}: the guide's response codes and their messages in `lang`.

    0 Success, -1 no user rights, -2 not supported, -3 not ready, -4 busy, -5 invalid channel,
    -6 invalid token, -7 invalid request, -8 invalid parameters, -9 device response error

-2..-4 and -6..-9 may come from the camera (recorder.onvif.errors carry them); -1, -5, -7 and -8
are also found by the server before a camera is asked.
"""

from __future__ import annotations

from typing import Any

from web.core import i18n

SUCCESS = 0
NO_RIGHTS = -1
NOT_SUPPORTED = -2
NOT_READY = -3
BUSY = -4
INVALID_CHANNEL = -5
INVALID_TOKEN = -6
INVALID_REQUEST = -7
INVALID_PARAMETERS = -8
DEVICE_ERROR = -9


class Refused(Exception):
    """A control request the server answers without asking the camera (or after it): its code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def status(lang: str, code: int) -> dict[str, Any]:
    return {"code": code, "message": i18n.text(lang, f"deviceControl.{code}")}
