"""Reconnect delays: doubling from a minimum up to a cap, back to the minimum after a success."""

from __future__ import annotations


class Backoff:
    def __init__(self, min_seconds: float, max_seconds: float) -> None:
        self.min_seconds = min_seconds
        self.max_seconds = max(max_seconds, min_seconds)
        self._next = min_seconds

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.max_seconds)
        return delay

    def reset(self) -> None:
        self._next = self.min_seconds
