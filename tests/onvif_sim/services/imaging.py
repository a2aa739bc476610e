"""The imaging service (imaging.wsdl) of the one video source: focus moves (continuous, absolute,
relative) and stop, and the exposure's iris through SetImagingSettings (ONVIF has no iris move:
a client steps Exposure/Iris in MANUAL mode, within GetOptions' Exposure/Iris range)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import soap
from .media import VIDEO_SOURCE

if TYPE_CHECKING:
    from ..server import OnvifSimulator

IRIS_RANGE = (-22.0, 0.0)  # dB of attenuation; 0 is fully open


def _check_source(sim: OnvifSimulator, token: str) -> None:
    if token != VIDEO_SOURCE:
        raise soap.sender("InvalidArgVal", "NoSource", reason=f"no video source {token!r}")


def _settings(sim: OnvifSimulator) -> dict[str, Any]:
    exposure: dict[str, Any] = {"Mode": sim.exposure_mode}
    if sim.features.iris:
        exposure |= {"MinIris": IRIS_RANGE[0], "MaxIris": IRIS_RANGE[1], "Iris": sim.focus.iris}
    settings: dict[str, Any] = {"Exposure": exposure}
    if sim.features.focus:
        settings["Focus"] = {"AutoFocusMode": "MANUAL", "DefaultSpeed": 0.5, "NearLimit": 0.0, "FarLimit": 1.0}
    return settings


def get_service_capabilities(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"Capabilities": {"ImageStabilization": False}}


def get_imaging_settings(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_source(sim, request.VideoSourceToken)
    with sim.lock:
        return {"ImagingSettings": _settings(sim)}


def get_options(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_source(sim, request.VideoSourceToken)
    exposure: dict[str, Any] = {"Mode": ["AUTO", "MANUAL"]}
    if sim.features.iris:
        iris = {"Min": IRIS_RANGE[0], "Max": IRIS_RANGE[1]}
        exposure |= {"MinIris": iris, "MaxIris": iris, "Iris": iris}
    options: dict[str, Any] = {"Exposure": exposure}
    if sim.features.focus:
        options["Focus"] = {"AutoFocusModes": ["MANUAL"], "DefaultSpeed": {"Min": 0.0, "Max": 1.0},
                            "NearLimit": {"Min": 0.0, "Max": 1.0}, "FarLimit": {"Min": 0.0, "Max": 1.0}}
    return {"ImagingOptions": options}


def set_imaging_settings(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_source(sim, request.VideoSourceToken)
    exposure = request.ImagingSettings.Exposure
    if exposure is None:
        return {}
    if exposure.Iris is not None:
        if not sim.features.iris:
            raise soap.sender("InvalidArgVal", "SettingsInvalid", reason="this video source has no iris control")
        if not IRIS_RANGE[0] <= exposure.Iris <= IRIS_RANGE[1]:
            raise soap.sender("InvalidArgVal", "SettingsInvalid",
                              reason=f"Iris {exposure.Iris} outside {IRIS_RANGE[0]}..{IRIS_RANGE[1]}")
    with sim.lock:
        sim.exposure_mode = exposure.Mode
        if exposure.Iris is not None:
            sim.focus.iris = exposure.Iris
    return {}


def get_move_options(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_source(sim, request.VideoSourceToken)
    if not sim.features.focus:
        return {"MoveOptions": {}}
    return {"MoveOptions": {
        "Absolute": {"Position": {"Min": 0.0, "Max": 1.0}, "Speed": {"Min": 0.0, "Max": 1.0}},
        "Relative": {"Distance": {"Min": -1.0, "Max": 1.0}, "Speed": {"Min": 0.0, "Max": 1.0}},
        "Continuous": {"Speed": {"Min": -1.0, "Max": 1.0}},
    }}


def move(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_source(sim, request.VideoSourceToken)
    if not sim.features.focus:
        raise soap.receiver("ActionNotSupported", "NoImagingForSource", reason="this video source has no focus")
    focus = request.Focus
    with sim.lock:
        state = sim.focus
        if focus.Continuous is not None:
            if not -1.0 <= focus.Continuous.Speed <= 1.0:
                raise soap.sender("InvalidArgVal", "SettingsInvalid",
                                  reason=f"focus speed {focus.Continuous.Speed} outside -1..1")
            state.speed = focus.Continuous.Speed
        elif focus.Absolute is not None:
            state.position, state.speed = max(0.0, min(1.0, focus.Absolute.Position)), 0.0
        elif focus.Relative is not None:
            state.position, state.speed = max(0.0, min(1.0, state.position + focus.Relative.Distance)), 0.0
        else:
            raise soap.sender("InvalidArgVal", "SettingsInvalid", reason="a focus move needs a kind of move")
    return {}


def stop(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_source(sim, request.VideoSourceToken)
    with sim.lock:
        sim.focus.speed = 0.0
    return {}


def get_status(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_source(sim, request.VideoSourceToken)
    if not sim.features.focus:
        return {"Status": {}}
    with sim.lock:
        return {"Status": {"FocusStatus20": {
            "Position": sim.focus.position, "MoveStatus": "MOVING" if sim.focus.speed else "IDLE"}}}


HANDLERS = {
    "GetServiceCapabilities": get_service_capabilities,
    "GetImagingSettings": get_imaging_settings,
    "GetOptions": get_options,
    "SetImagingSettings": set_imaging_settings,
    "GetMoveOptions": get_move_options,
    "Move": move,
    "Stop": stop,
    "GetStatus": get_status,
}
