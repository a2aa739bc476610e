"""What can go wrong talking to a camera, each carrying the guide's device-control response code
("Channel information and device control": -2 to -9; 0 is success, -1 no user rights and -5 an
invalid channel are the web layer's)."""

from __future__ import annotations


class DeviceError(Exception):
    code = -9  # Device response error

    def __init__(self, detail: str = "", device_response_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.device_response_code = device_response_code  # the camera's HTTP status, when it answered


class NotSupported(DeviceError):
    code = -2  # Features not supported by the device


class NotReady(DeviceError):
    code = -3  # The device is not ready to execute the command (unreachable, timed out, refused sign-in)


class Busy(DeviceError):
    code = -4  # Device is still processing previous command


class InvalidToken(DeviceError):
    code = -6  # Invalid channel token (a preset, relay or profile token the camera does not know)


class InvalidRequest(DeviceError):
    code = -7


class InvalidParameters(DeviceError):
    code = -8
