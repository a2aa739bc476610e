"""The device IO service (deviceio.wsdl): relay outputs (the device service's operations, which
deviceio.wsdl reuses) and digital inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import soap
from . import device

if TYPE_CHECKING:
    from ..server import OnvifSimulator


def get_service_capabilities(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"Capabilities": {
        "VideoSources": 1, "VideoOutputs": 0, "AudioSources": 0, "AudioOutputs": 0,
        "RelayOutputs": len(sim.relays), "SerialPorts": 0, "DigitalInputs": sim.digital_inputs,
    }}


def get_relay_output_options(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    relays = sim.relays if request.RelayOutputToken is None else [device.find_relay(sim, request.RelayOutputToken)]
    return {"RelayOutputOptions": [
        {"token": relay.token, "Mode": ["Bistable", "Monostable"], "DelayTimes": "1 2 5 10", "Discrete": True}
        for relay in relays
    ]}


def set_relay_output_settings(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    output = request.RelayOutput
    with sim.lock:
        relay = device.find_relay(sim, output.token)
        relay.mode = output.Properties.Mode
        relay.idle_state = output.Properties.IdleState
    return {}


def get_digital_inputs(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"DigitalInputs": [{"token": f"di{index}"} for index in range(sim.digital_inputs)]}


def get_video_sources(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    from .media import VIDEO_SOURCE

    return {"Token": [VIDEO_SOURCE]}


def _no_serial_ports(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    raise soap.receiver("ActionNotSupported", reason="no serial ports")


HANDLERS = {
    "GetServiceCapabilities": get_service_capabilities,
    "GetRelayOutputs": device.get_relay_outputs,
    "SetRelayOutputState": device.set_relay_output_state,
    "GetRelayOutputOptions": get_relay_output_options,
    "SetRelayOutputSettings": set_relay_output_settings,
    "GetDigitalInputs": get_digital_inputs,
    "GetVideoSources": get_video_sources,
    "GetSerialPorts": _no_serial_ports,
}
