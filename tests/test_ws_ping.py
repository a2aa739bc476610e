"""The server pings every WebSocket subscriber (TS-API: every 30 s; here the interval is set short)."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time

from tests.conftest import ADMIN_AUTH, LiveServer, write_settings


def read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    b0, b1 = read_exact(sock, 2)
    length = b1 & 0x7F
    if length == 126:
        length = struct.unpack("!H", read_exact(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", read_exact(sock, 8))[0]
    return b0 & 0x0F, read_exact(sock, length)


def send_pong(sock: socket.socket, payload: bytes) -> None:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)


def test_pings_arrive_at_the_configured_interval(data_dir):
    write_settings(data_dir, ws_ping_interval=0.5)
    server = LiveServer(data_dir)
    try:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            f"GET /wsapi/subscribeEvents?topics=LPR&auth={ADMIN_AUTH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101")
        opcode, payload = read_frame(sock)
        assert opcode == 1 and b"subscriberId" in payload
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
