"""Failed sign-ins counted per client address: after `max_failures` within `window` seconds the
address is refused (429) for `lockout` seconds, whatever credentials it sends."""

from __future__ import annotations

import threading
import time
from collections import deque


class SignInThrottle:
    def __init__(self, max_failures: int, window: float, lockout: float) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> float:
        """Seconds until `address` may try again; 0 when it may try now."""
        with self._lock:
            until = self._locked_until.get(address, 0.0)
            left = until - time.monotonic()
            if left <= 0 and until:
                del self._locked_until[address]
            return max(left, 0.0)

    def failed(self, address: str) -> bool:
        """Count one failure; True when this failure starts a lockout."""
        now = time.monotonic()
        with self._lock:
            failures = self._failures.setdefault(address, deque())
            failures.append(now)
            while failures and failures[0] < now - self.window:
                failures.popleft()
            if len(failures) >= self.max_failures:
                self._locked_until[address] = now + self.lockout
                failures.clear()
                return True
            if len(self._failures) > 10_000:  # forget idle addresses rather than grow without bound
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]
            return False

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
