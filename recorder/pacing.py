"""Playing a video file in real time: wait until each packet's time has come."""

from __future__ import annotations

import threading
import time
from fractions import Fraction

MAX_LATE_S = 1.0  # further behind than this (machine suspended, slow disk): restart the schedule


class RealTimePacer:
    def __init__(self, time_base: Fraction, stop: threading.Event) -> None:
        self.seconds_per_tick = float(time_base)
        self.stop = stop
        self._origin: tuple[float, int] | None = None  # (monotonic, ts)

    def wait(self, ts: int) -> bool:
        """Sleep until ts is due; False when stopped meanwhile."""
        now = time.monotonic()
        if self._origin is None:
            self._origin = (now, ts)
            return not self.stop.is_set()
        due = self._origin[0] + (ts - self._origin[1]) * self.seconds_per_tick
        if now - due > MAX_LATE_S:
            self._origin = (now, ts)
            return not self.stop.is_set()
        return not self.stop.wait(due - now) if due > now else not self.stop.is_set()
