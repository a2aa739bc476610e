"""What a failed ONVIF call means in the guide's device-control codes: a SOAP fault's ONVIF subcodes
(ter:ActionNotSupported, ter:InvalidArgVal/ter:NoToken...), a refused sign-in, a camera that did not
answer, each turned into the recorder.onvif.errors exception that carries the code."""

from __future__ import annotations

import aiohttp
import zeep.exceptions

from recorder.onvif.errors import Busy, DeviceError, InvalidParameters, InvalidToken, NotReady, NotSupported
from recorder.onvif.library import ONVIFError

# ONVIF Core spec 5.11 and the service specs: the subcodes a camera nests under env:Sender/env:Receiver.
NOT_SUPPORTED = frozenset({"ActionNotSupported", "NoImagingForSource", "NoPTZProfile", "NoHomePosition"})
UNKNOWN_TOKEN = frozenset({"NoProfile", "NoToken", "NoEntity", "NoConfig", "NoSource", "RelayToken"})
INVALID_PARAMETERS = frozenset({
    "InvalidArgVal", "InvalidArgs", "InvalidPosition", "InvalidSpeed", "InvalidTranslation", "InvalidVelocity",
    "SettingsInvalid", "ConfigModify", "TooManyPresets", "PresetExist", "InvalidPresetName",
})
BUSY = frozenset({"MovingPTZ"})  # "preset cannot be set while the PTZ unit is moving"
NOT_AUTHORIZED = frozenset({"NotAuthorized", "FailedAuthentication", "InvalidSecurity"})


def _local_name(code: object) -> str:
    """The local part of a fault code: a QName (SOAP 1.2 subcodes) or text such as "ter:NoToken"."""
    if hasattr(code, "localname"):  # lxml's QName
        return str(code.localname)
    text = getattr(code, "text", code)
    return str(text).rpartition("}")[2].rpartition(":")[2]


def fault_codes(fault: zeep.exceptions.Fault) -> list[str]:
    """The local names of a fault's code and subcodes, outermost first."""
    codes = [_local_name(fault.code)] if fault.code else []
    return codes + [_local_name(sub) for sub in fault.subcodes or []]


def from_fault(fault: zeep.exceptions.Fault, http_status: int | None) -> DeviceError:
    codes = fault_codes(fault)
    detail = f"{fault.message or 'SOAP fault'} ({', '.join(codes)})" if codes else str(fault.message)
    # The innermost subcode is the most precise (env:Sender > ter:InvalidArgVal > ter:NoToken).
    for code in reversed(codes):
        if code in NOT_AUTHORIZED:
            return NotReady(f"sign-in refused: {detail}", http_status)
        if code in UNKNOWN_TOKEN:
            return InvalidToken(detail, http_status)
        if code in NOT_SUPPORTED:
            return NotSupported(detail, http_status)
        if code in INVALID_PARAMETERS:
            return InvalidParameters(detail, http_status)
        if code in BUSY:
            return Busy(detail, http_status)
    if http_status == 401 or "not authorized" in detail.lower():
        return NotReady(f"sign-in refused: {detail}", http_status)
    return DeviceError(detail, http_status)


def device_error(exc: BaseException, http_status: int | None = None) -> DeviceError:
    """The DeviceError for any exception a call to the camera raised; http_status: the camera's
    answer to the call, when it answered."""
    if isinstance(exc, DeviceError):
        return exc
    if isinstance(exc, ONVIFError) and exc.__cause__ is not None:
        return device_error(exc.__cause__, http_status)
    if isinstance(exc, zeep.exceptions.Fault):
        return from_fault(exc, http_status)
    if isinstance(exc, zeep.exceptions.TransportError):
        status = exc.status_code or http_status
        if status in (401, 403):
            return NotReady(f"sign-in refused (HTTP {status})", status)
        if status == 404:
            return NotSupported(f"no such service (HTTP {status})", status)
        return DeviceError(f"HTTP {status}: {exc.message}", status)
    if isinstance(exc, TimeoutError):
        return NotReady("the camera did not answer in time")
    if isinstance(exc, aiohttp.ClientError | OSError):
        return NotReady(f"cannot reach the camera: {exc}")
    if isinstance(exc, zeep.exceptions.ValidationError):
        return InvalidParameters(str(exc), http_status)
    if isinstance(exc, zeep.exceptions.Error):
        return DeviceError(f"unreadable answer: {exc}", http_status)
    return DeviceError(str(exc) or type(exc).__name__, http_status)
