"""Waiting for a lost camera to come back, cheaply: while its RTSP port refuses connections (or
does not answer), a TCP connect every PROBE_INTERVAL_S tells the moment it accepts again, so that
the capture opens the stream then instead of at the end of a back-off that may be 10 s long.

Only a port that was down when the wait began ends the wait early: a camera that accepts
connections but fails at the RTSP level (wrong password, no such stream, busy) is retried on the
back-off as before, never in a tight loop.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

PROBE_INTERVAL_S = 0.5
CONNECT_TIMEOUT_S = 0.5
DEFAULT_PORTS = {"rtsp": 554, "rtspt": 554, "rtsps": 322, "http": 80, "https": 443}


def tcp_address(url: str) -> tuple[str, int] | None:
    """(host, port) a source URL connects to, or None when that cannot be told."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.hostname, port


def accepts(address: tuple[str, int], timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """True when a TCP connection to address succeeds."""
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def wait_back(address: tuple[str, int], seconds: float, stop: threading.Event) -> None:
    """Wait up to `seconds`; sooner when the port, down now, starts accepting (or on stop)."""
    deadline = time.monotonic() + seconds
    if accepts(address):
        stop.wait(max(0.0, deadline - time.monotonic()))
        return
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0 or stop.wait(min(left, PROBE_INTERVAL_S)):
            return
        if accepts(address, timeout=min(CONNECT_TIMEOUT_S, max(0.05, deadline - time.monotonic()))):
            return
