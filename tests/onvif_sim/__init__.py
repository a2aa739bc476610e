"""An ONVIF camera simulator for tests: device, media, PTZ, imaging, device IO and events (pull-point)
over SOAP 1.2 on 127.0.0.1, strict about what it is sent (server.py says how). Fixtures for pytest
in fixture.py; run alone for manual trials: python -m tests.onvif_sim --port 8899 --rtsp URI."""

from .server import OnvifSimulator
from .state import Call, Features, Identity, Relay, StreamProfile

__all__ = ["Call", "Features", "Identity", "OnvifSimulator", "Relay", "StreamProfile"]
