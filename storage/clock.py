"""Wall-clock time as the integer milliseconds since the epoch that every table stores."""

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000
