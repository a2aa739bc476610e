"""The media service (media.wsdl): the profiles and their RTSP stream URIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import soap

if TYPE_CHECKING:
    from ..server import OnvifSimulator
    from ..state import StreamProfile

VIDEO_SOURCE = "vs0"
VIDEO_SOURCE_CONFIGURATION = "vsc0"
PTZ_CONFIGURATION = "ptzc0"
PTZ_NODE = "ptz0"


def profile_values(sim: OnvifSimulator, profile: StreamProfile) -> dict[str, Any]:
    values: dict[str, Any] = {
        "token": profile.token,
        "fixed": True,
        "Name": profile.name,
        "VideoSourceConfiguration": {
            "token": VIDEO_SOURCE_CONFIGURATION, "Name": "VideoSource", "UseCount": len(sim.profiles),
            "SourceToken": VIDEO_SOURCE, "Bounds": {"x": 0, "y": 0, "width": 1920, "height": 1080},
        },
        "VideoEncoderConfiguration": {
            "token": f"vec-{profile.token}", "Name": f"{profile.name}Encoder", "UseCount": 1,
            "Encoding": profile.encoding,
            "Resolution": {"Width": profile.width, "Height": profile.height},
            "Quality": 4.0,
            "RateControl": {"FrameRateLimit": profile.fps, "EncodingInterval": 1,
                            "BitrateLimit": profile.bitrate_kbps},
            "H264": {"GovLength": profile.fps, "H264Profile": "Main"},
            "Multicast": {"Address": {"Type": "IPv4", "IPv4Address": "0.0.0.0"}, "Port": 0, "TTL": 0,
                          "AutoStart": False},
            "SessionTimeout": "PT60S",
        },
    }
    if sim.features.ptz:
        values["PTZConfiguration"] = ptz_configuration(sim)
    return values


def ptz_configuration(sim: OnvifSimulator) -> dict[str, Any]:
    spaces = "http://www.onvif.org/ver10/tptz/"
    return {
        "token": PTZ_CONFIGURATION, "Name": "PTZ", "UseCount": len(sim.profiles), "NodeToken": PTZ_NODE,
        "DefaultContinuousPanTiltVelocitySpace": spaces + "PanTiltSpaces/VelocityGenericSpace",
        "DefaultContinuousZoomVelocitySpace": spaces + "ZoomSpaces/VelocityGenericSpace",
        "DefaultPTZTimeout": "PT5S",
    }


def get_profiles(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    with sim.lock:
        return {"Profiles": [profile_values(sim, profile) for profile in sim.profiles]}


def get_profile(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    with sim.lock:
        return {"Profile": profile_values(sim, sim.profile(request.ProfileToken))}


def get_stream_uri(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    setup = request.StreamSetup
    if setup.Stream != "RTP-Unicast" or setup.Transport.Protocol not in ("RTSP", "TCP", "UDP"):
        raise soap.sender("InvalidArgVal", "InvalidStreamSetup",
                          reason=f"stream setup {setup.Stream}/{setup.Transport.Protocol} not supported")
    with sim.lock:
        uri = sim.profile(request.ProfileToken).uri
    return {"MediaUri": {"Uri": uri, "InvalidAfterConnect": False, "InvalidAfterReboot": True,
                         "Timeout": "PT0S"}}


def get_snapshot_uri(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    sim.profile(request.ProfileToken)
    raise soap.receiver("ActionNotSupported", reason="no snapshots on this device")


def get_video_sources(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"VideoSources": [{"token": VIDEO_SOURCE, "Framerate": 25.0,
                              "Resolution": {"Width": 1920, "Height": 1080}}]}


HANDLERS = {
    "GetProfiles": get_profiles,
    "GetProfile": get_profile,
    "GetStreamUri": get_stream_uri,
    "GetSnapshotUri": get_snapshot_uri,
    "GetVideoSources": get_video_sources,
}
