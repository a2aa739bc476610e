"""The device service (devicemgmt.wsdl): identity, scopes, network, clock, capabilities,
services, relays and digital inputs (also in device IO), reboot."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .. import soap

if TYPE_CHECKING:
    from ..server import OnvifSimulator

NAMESPACES = {
    "device": "http://www.onvif.org/ver10/device/wsdl",
    "media": "http://www.onvif.org/ver10/media/wsdl",
    "ptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "imaging": "http://www.onvif.org/ver20/imaging/wsdl",
    "deviceio": "http://www.onvif.org/ver10/deviceIO/wsdl",
    "events": "http://www.onvif.org/ver10/events/wsdl",
}


def get_device_information(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    identity = sim.identity
    return {
        "Manufacturer": identity.manufacturer,
        "Model": identity.model,
        "FirmwareVersion": identity.firmware_version,
        "SerialNumber": identity.serial_number,
        "HardwareId": identity.hardware_id,
    }


def get_scopes(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"Scopes": [{"ScopeDef": "Fixed", "ScopeItem": item} for item in sim.identity.scopes]}


def get_network_interfaces(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    identity = sim.identity
    return {"NetworkInterfaces": [{
        "token": "eth0",
        "Enabled": True,
        "Info": {"Name": "eth0", "HwAddress": identity.mac_address, "MTU": 1500},
        "IPv4": {
            "Enabled": True,
            "Config": {"Manual": [{"Address": identity.ipv4_address, "PrefixLength": 24}], "DHCP": False},
        },
    }]}


def get_hostname(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"HostnameInformation": {"FromDHCP": False, "Name": sim.identity.hostname}}


def get_system_date_and_time(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    now = sim.now()
    return {"SystemDateAndTime": {
        "DateTimeType": "Manual",
        "DaylightSavings": False,
        "TimeZone": {"TZ": "UTC0"},
        "UTCDateTime": {
            "Time": {"Hour": now.hour, "Minute": now.minute, "Second": now.second},
            "Date": {"Year": now.year, "Month": now.month, "Day": now.day},
        },
    }}


def get_capabilities(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    categories = set(request.Category or ["All"])

    def wanted(name: str) -> bool:
        return "All" in categories or name in categories

    capabilities: dict[str, Any] = {}
    if wanted("Device"):
        capabilities["Device"] = {
            "XAddr": sim.xaddr("device"),
            "System": {
                "DiscoveryResolve": False, "DiscoveryBye": False, "RemoteDiscovery": False,
                "SystemBackup": False, "SystemLogging": False, "FirmwareUpgrade": False,
                "SupportedVersions": [{"Major": 2, "Minor": 40}],
            },
            "IO": {"InputConnectors": sim.digital_inputs, "RelayOutputs": len(sim.relays)},
        }
    if wanted("Events") and sim.features.events:
        capabilities["Events"] = {
            "XAddr": sim.xaddr("events"),
            "WSSubscriptionPolicySupport": False,
            "WSPullPointSupport": True,
            "WSPausableSubscriptionManagerInterfaceSupport": False,
        }
    if wanted("Imaging") and sim.features.imaging:
        capabilities["Imaging"] = {"XAddr": sim.xaddr("imaging")}
    if wanted("Media"):
        capabilities["Media"] = {
            "XAddr": sim.xaddr("media"),
            "StreamingCapabilities": {"RTPMulticast": False, "RTP_TCP": True, "RTP_RTSP_TCP": True},
        }
    if wanted("PTZ") and sim.features.ptz:
        capabilities["PTZ"] = {"XAddr": sim.xaddr("ptz")}
    if "All" in categories and sim.features.deviceio:
        capabilities["Extension"] = {"DeviceIO": {
            "XAddr": sim.xaddr("deviceio"), "VideoSources": 1, "VideoOutputs": 0, "AudioSources": 0,
            "AudioOutputs": 0, "RelayOutputs": len(sim.relays),
        }}
    if not capabilities:
        raise soap.receiver("ActionNotSupported", "NoSuchService",
                            reason=f"no capabilities of category {sorted(categories)}")
    return {"Capabilities": capabilities}


def get_services(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    if not sim.features.get_services:
        raise soap.receiver("ActionNotSupported", reason="GetServices is not supported by this device")
    services = []
    for name, namespace in NAMESPACES.items():
        if sim.service_enabled(name):
            version = {"Major": 2, "Minor": 60} if "ver20" in namespace else {"Major": 2, "Minor": 40}
            services.append({"Namespace": namespace, "XAddr": sim.xaddr(name), "Version": version})
    return {"Service": services}


def get_service_capabilities(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"Capabilities": {
        "Network": {},
        "Security": {"UsernameToken": True, "HttpDigest": False},
        "System": {"SystemLogging": False, "FirmwareUpgrade": False, "HttpSystemBackup": False},
    }}


def system_reboot(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    if not sim.features.reboot:
        raise soap.receiver("ActionNotSupported", reason="SystemReboot is not supported by this device")
    with sim.lock:
        sim.reboots += 1
    if sim.reboot_downtime > 0:
        threading.Thread(target=_reboot, args=(sim,), daemon=True).start()
    return {"Message": "Rebooting in 0 seconds"}


def _reboot(sim: OnvifSimulator) -> None:
    import time

    time.sleep(0.05)  # let the answer leave first
    sim.stop()
    time.sleep(sim.reboot_downtime)
    sim.start()


def relay_outputs(sim: OnvifSimulator) -> list[dict[str, Any]]:
    return [
        {"token": relay.token,
         "Properties": {"Mode": relay.mode, "DelayTime": "PT1S", "IdleState": relay.idle_state}}
        for relay in sim.relays
    ]


def get_relay_outputs(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"RelayOutputs": relay_outputs(sim)}


def set_relay_output_state(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    with sim.lock:
        relay = find_relay(sim, request.RelayOutputToken)
        relay.active = request.LogicalState == "active"
    return {}


def find_relay(sim: OnvifSimulator, token: str) -> Any:
    for relay in sim.relays:
        if relay.token == token:
            return relay
    raise soap.sender("InvalidArgVal", "RelayToken", reason=f"no relay output {token!r}")


def get_digital_inputs(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"DigitalInputs": [{"token": f"di{index}"} for index in range(sim.digital_inputs)]}


HANDLERS = {
    "GetDeviceInformation": get_device_information,
    "GetScopes": get_scopes,
    "GetNetworkInterfaces": get_network_interfaces,
    "GetHostname": get_hostname,
    "GetSystemDateAndTime": get_system_date_and_time,
    "GetCapabilities": get_capabilities,
    "GetServices": get_services,
    "GetServiceCapabilities": get_service_capabilities,
    "SystemReboot": system_reboot,
    "GetRelayOutputs": get_relay_outputs,
    "SetRelayOutputState": set_relay_output_state,
}
