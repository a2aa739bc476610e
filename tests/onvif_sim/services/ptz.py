"""The PTZ service (ptz.wsdl): one node, continuous/absolute/relative moves, stop, status,
presets, home position and the node's auxiliary commands."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .. import soap
from ..state import PtzPreset
from .media import PTZ_NODE, ptz_configuration

if TYPE_CHECKING:
    from ..server import OnvifSimulator

TPTZ = "http://www.onvif.org/ver10/tptz/"
PANTILT_POSITION = TPTZ + "PanTiltSpaces/PositionGenericSpace"
ZOOM_POSITION = TPTZ + "ZoomSpaces/PositionGenericSpace"


def _range(low: float, high: float) -> dict[str, float]:
    return {"Min": low, "Max": high}


def node(sim: OnvifSimulator) -> dict[str, Any]:
    features = sim.features
    spaces: dict[str, Any] = {}
    if features.pantilt:
        spaces |= {
            "AbsolutePanTiltPositionSpace": [{"URI": PANTILT_POSITION, "XRange": _range(-1, 1),
                                              "YRange": _range(-1, 1)}],
            "RelativePanTiltTranslationSpace": [{"URI": TPTZ + "PanTiltSpaces/TranslationGenericSpace",
                                                 "XRange": _range(-1, 1), "YRange": _range(-1, 1)}],
            "ContinuousPanTiltVelocitySpace": [{"URI": TPTZ + "PanTiltSpaces/VelocityGenericSpace",
                                                "XRange": _range(-1, 1), "YRange": _range(-1, 1)}],
        }
    if features.zoom:
        spaces |= {
            "AbsoluteZoomPositionSpace": [{"URI": ZOOM_POSITION, "XRange": _range(0, 1)}],
            "RelativeZoomTranslationSpace": [{"URI": TPTZ + "ZoomSpaces/TranslationGenericSpace",
                                              "XRange": _range(-1, 1)}],
            "ContinuousZoomVelocitySpace": [{"URI": TPTZ + "ZoomSpaces/VelocityGenericSpace",
                                             "XRange": _range(-1, 1)}],
        }
    if features.pantilt:
        spaces["PanTiltSpeedSpace"] = [{"URI": TPTZ + "PanTiltSpaces/GenericSpeedSpace", "XRange": _range(0, 1)}]
    if features.zoom:
        spaces["ZoomSpeedSpace"] = [{"URI": TPTZ + "ZoomSpaces/ZoomGenericSpeedSpace", "XRange": _range(0, 1)}]
    return {
        "token": PTZ_NODE,
        "FixedHomePosition": False,
        "Name": "PTZ",
        "SupportedPTZSpaces": spaces,
        "MaximumNumberOfPresets": sim.max_presets,
        "HomeSupported": features.home,
        "AuxiliaryCommands": list(sim.aux_commands),
    }


def _check_profile(sim: OnvifSimulator, token: str) -> None:
    sim.profile(token)  # NoProfile when unknown; every profile has the PTZ configuration


def _position(sim: OnvifSimulator, pan: float, tilt: float, zoom: float) -> dict[str, Any]:
    position: dict[str, Any] = {}
    if sim.features.pantilt:
        position["PanTilt"] = {"x": pan, "y": tilt, "space": PANTILT_POSITION}
    if sim.features.zoom:
        position["Zoom"] = {"x": zoom, "space": ZOOM_POSITION}
    return position


def _check_axes(sim: OnvifSimulator, vector: Any, what: str, low: float = -1.0, high: float = 1.0) -> None:
    """A vector's axes must be ones the node has, with values in range."""
    if vector is None:
        return
    if vector.PanTilt is not None:
        if not sim.features.pantilt:
            raise soap.sender("InvalidArgVal", "SpaceNotSupported", reason=f"{what}: this node has no pan/tilt")
        for value in (vector.PanTilt.x, vector.PanTilt.y):
            if not low <= value <= high:
                raise soap.sender("InvalidArgVal", f"Invalid{what}", reason=f"{what} {value} outside {low}..{high}")
    if vector.Zoom is not None:
        if not sim.features.zoom:
            raise soap.sender("InvalidArgVal", "SpaceNotSupported", reason=f"{what}: this node has no zoom")
        if not low <= vector.Zoom.x <= high:
            raise soap.sender("InvalidArgVal", f"Invalid{what}", reason=f"{what} {vector.Zoom.x} outside {low}..{high}")


def get_nodes(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"PTZNode": [node(sim)]}


def get_node(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    if request.NodeToken != PTZ_NODE:
        raise soap.sender("InvalidArgVal", "NoEntity", reason=f"no PTZ node {request.NodeToken!r}")
    return {"PTZNode": node(sim)}


def get_configurations(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"PTZConfiguration": [ptz_configuration(sim)]}


def get_configuration(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    configuration = ptz_configuration(sim)
    if request.PTZConfigurationToken != configuration["token"]:
        raise soap.sender("InvalidArgVal", "NoConfig", reason=f"no configuration {request.PTZConfigurationToken!r}")
    return {"PTZConfiguration": configuration}


def get_service_capabilities(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"Capabilities": {"EFlip": False, "Reverse": False, "GetCompatibleConfigurations": False,
                             "MoveStatus": True, "StatusPosition": True}}


def get_status(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    with sim.lock:
        state = sim.ptz
        state.settle()
        status: dict[str, Any] = {
            "Position": _position(sim, state.pan, state.tilt, state.zoom),
            "MoveStatus": {},
            "UtcTime": sim.now().replace(tzinfo=None),
        }
        if sim.features.pantilt:
            status["MoveStatus"]["PanTilt"] = "MOVING" if state.pan_speed or state.tilt_speed else "IDLE"
        if sim.features.zoom:
            status["MoveStatus"]["Zoom"] = "MOVING" if state.zoom_speed else "IDLE"
    return {"PTZStatus": status}


def continuous_move(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    velocity = request.Velocity
    _check_axes(sim, velocity, "Velocity")
    with sim.lock:
        state = sim.ptz
        state.settle()
        # an axis the request leaves out keeps its speed; 0 stops it
        pan = velocity.PanTilt.x if velocity.PanTilt is not None else state.pan_speed
        tilt = velocity.PanTilt.y if velocity.PanTilt is not None else state.tilt_speed
        zoom = velocity.Zoom.x if velocity.Zoom is not None else state.zoom_speed
        state.set_speeds(pan, tilt, zoom)
        state.until = (time.monotonic() + request.Timeout.total_seconds()) if request.Timeout else None
    return {}


def stop(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    stop_pantilt = request.PanTilt is not False
    stop_zoom = request.Zoom is not False
    with sim.lock:
        state = sim.ptz
        state.settle()
        state.set_speeds(0.0 if stop_pantilt else state.pan_speed, 0.0 if stop_pantilt else state.tilt_speed,
                         0.0 if stop_zoom else state.zoom_speed)
    return {}


def absolute_move(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    _check_axes(sim, request.Position, "Position")
    position = request.Position
    with sim.lock:
        state = sim.ptz
        state.settle()
        state.go(position.PanTilt.x if position.PanTilt is not None else state.pan,
                 position.PanTilt.y if position.PanTilt is not None else state.tilt,
                 position.Zoom.x if position.Zoom is not None else state.zoom)
    return {}


def relative_move(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    _check_axes(sim, request.Translation, "Translation")
    translation = request.Translation
    with sim.lock:
        state = sim.ptz
        state.settle()
        pan, tilt = (translation.PanTilt.x, translation.PanTilt.y) if translation.PanTilt is not None else (0, 0)
        zoom = translation.Zoom.x if translation.Zoom is not None else 0.0
        state.go(max(-1.0, min(1.0, state.pan + pan)), max(-1.0, min(1.0, state.tilt + tilt)),
                 max(0.0, min(1.0, state.zoom + zoom)))
    return {}


def get_presets(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    with sim.lock:
        return {"Preset": [
            {"token": preset.token, "Name": preset.name, "PTZPosition": _position(sim, *preset.position)}
            for preset in sim.presets
        ]}


def _preset(sim: OnvifSimulator, token: str) -> PtzPreset:
    for preset in sim.presets:
        if preset.token == token:
            return preset
    raise soap.sender("InvalidArgVal", "NoToken", reason=f"no preset {token!r}")


def set_preset(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    """Without PresetToken a new preset (token: the lowest free number); with one, that preset moved
    here (and renamed when PresetName is given). Names are unique."""
    _check_profile(sim, request.ProfileToken)
    with sim.lock:
        state = sim.ptz
        state.settle()
        here = (state.pan, state.tilt, state.zoom)
        name = request.PresetName
        if name is not None and any(p.name == name and p.token != request.PresetToken for p in sim.presets):
            raise soap.sender("InvalidArgVal", "PresetExist", reason=f"a preset is named {name!r} already")
        if request.PresetToken is not None:
            preset = _preset(sim, request.PresetToken)
            preset.position = here
            if name is not None:
                preset.name = name
            return {"PresetToken": preset.token}
        if len(sim.presets) >= sim.max_presets:
            raise soap.receiver("Action", "TooManyPresets", reason=f"{sim.max_presets} presets already")
        used = {preset.token for preset in sim.presets}
        token = next(str(number) for number in range(1, sim.max_presets + 2) if str(number) not in used)
        sim.presets.append(PtzPreset(token, name if name is not None else f"Preset {token}", here))
    return {"PresetToken": token}


def remove_preset(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    with sim.lock:
        sim.presets.remove(_preset(sim, request.PresetToken))
    return {}


def goto_preset(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    with sim.lock:
        sim.ptz.go(*_preset(sim, request.PresetToken).position)
    return {}


def _check_home(sim: OnvifSimulator) -> None:
    if not sim.features.home:
        raise soap.receiver("Action", "NoHomePosition", reason="this node has no home position")


def goto_home_position(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    _check_home(sim)
    with sim.lock:
        sim.ptz.go(*sim.ptz.home)
    return {}


def set_home_position(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    _check_profile(sim, request.ProfileToken)
    _check_home(sim)
    with sim.lock:
        sim.ptz.settle()
        sim.ptz.home = (sim.ptz.pan, sim.ptz.tilt, sim.ptz.zoom)
    return {}


def send_auxiliary_command(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    """One of the node's AuxiliaryCommands ("tt:Wiper|On"): its output takes that state."""
    _check_profile(sim, request.ProfileToken)
    command = request.AuxiliaryData
    if command not in sim.aux_commands:
        raise soap.sender("InvalidArgVal", "InvalidAuxiliaryData",
                          reason=f"{command!r} is not one of the node's auxiliary commands")
    with sim.lock:
        output, _, value = command.partition("|")
        sim.aux_states[output] = value
    return {"AuxiliaryResponse": command}


HANDLERS = {
    "GetNodes": get_nodes,
    "GetNode": get_node,
    "GetConfigurations": get_configurations,
    "GetConfiguration": get_configuration,
    "GetServiceCapabilities": get_service_capabilities,
    "GetStatus": get_status,
    "ContinuousMove": continuous_move,
    "Stop": stop,
    "AbsoluteMove": absolute_move,
    "RelativeMove": relative_move,
    "GetPresets": get_presets,
    "SetPreset": set_preset,
    "RemovePreset": remove_preset,
    "GotoPreset": goto_preset,
    "GotoHomePosition": goto_home_position,
    "SetHomePosition": set_home_position,
    "SendAuxiliaryCommand": send_auxiliary_command,
}
