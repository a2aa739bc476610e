"""The server pings every WebSocket subscriber (TS-API: every 30 s; here the interval is set short)."""

from __future__ import annotations

import time

from tests.conftest import ADMIN_AUTH, LiveServer, write_settings
from tests.raw_ws import open_subscriber, read_frame, send_pong


def test_pings_arrive_at_the_configured_interval(data_dir):
    write_settings(data_dir, ws_ping_interval=0.5)
    server = LiveServer(data_dir)
    try:
        sock = open_subscriber(server.port, f"/wsapi/subscribeEvents?topics=LPR&auth={ADMIN_AUTH}")
        pings = []
        while len(pings) < 3:
            opcode, payload = read_frame(sock)
            if opcode == 9:
                pings.append(time.monotonic())
                send_pong(sock, payload)
        gaps = [b - a for a, b in zip(pings, pings[1:], strict=False)]
        assert all(0.3 < gap < 1.5 for gap in gaps), gaps
    finally:
        server.stop()
