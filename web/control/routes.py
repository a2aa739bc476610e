"""The routes of channel information and device control."""

from __future__ import annotations

from starlette.routing import Route

from web.control import aux, info, preset, ptz, reboot, relay
from web.control.request import control_endpoint

routes = [
    Route("/api/channel/info", info.info_endpoint, methods=["GET"]),
    Route("/api/channel/ptz", control_endpoint(ptz.ptz), methods=["GET"]),
    Route("/api/channel/preset", control_endpoint(preset.preset), methods=["GET"]),
    Route("/api/channel/relay", control_endpoint(relay.relay), methods=["GET"]),
    Route("/api/channel/aux", control_endpoint(aux.aux), methods=["GET"]),
    Route("/api/channel/reboot", control_endpoint(reboot.reboot), methods=["GET"]),
]
