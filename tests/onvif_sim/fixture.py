"""pytest fixtures: `onvif_sim` (a running simulator, stopped after the test) and
`onvif_sim_factory` (make more, or one with other settings: its keyword arguments are
OnvifSimulator's). A test module uses them with

    pytest_plugins = ("tests.onvif_sim.fixture",)

    def test_x(onvif_sim): ...
    def test_y(onvif_sim_factory):
        sim = onvif_sim_factory(rtsp_main=rtsp.url("file"), clock_offset=3600)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import OnvifSimulator

USER = "admin"
PASSWORD = "sim-secret"


@pytest.fixture
def onvif_sim_factory() -> Iterator[Callable[..., OnvifSimulator]]:
    started: list[OnvifSimulator] = []

    def make(**settings: Any) -> OnvifSimulator:
        settings.setdefault("user", USER)
        settings.setdefault("password", PASSWORD)
        simulator = OnvifSimulator(**settings).start()
        started.append(simulator)
        return simulator

    yield make
    for simulator in started:
        simulator.stop()


@pytest.fixture
def onvif_sim(onvif_sim_factory: Callable[..., OnvifSimulator]) -> OnvifSimulator:
    """A camera with PTZ, imaging, relays and events; stream URIs rtsp://127.0.0.1:8554/{main,sub}
    (no RTSP server behind them: a test that plays them makes its own simulator with its
    server's URIs, or calls set_stream_uri)."""
    return onvif_sim_factory(rtsp_main="rtsp://127.0.0.1:8554/main", rtsp_sub="rtsp://127.0.0.1:8554/sub")
