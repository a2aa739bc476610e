"""An ONVIF camera simulator for tests (device, media, PTZ, imaging, device IO, events over SOAP
1.2 on 127.0.0.1): see server.py. Run alone: python -m tests.onvif_sim --port 8899."""

from .server import OnvifSimulator
from .state import Call, Features, Identity, Relay, StreamProfile

__all__ = ["Call", "Features", "Identity", "OnvifSimulator", "Relay", "StreamProfile"]
