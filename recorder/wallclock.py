"""Wall-clock times for a stream's packets.

Packet arrival times run 0.2-1.2 s late and jitter (network, the probe at connect delivers its
packets in one burst), while the stream's own timestamps are exact relative to each other. So a
stream's time is anchored on a packet's arrival and advanced by its timestamps. Until frozen, the
anchor moves earlier whenever a packet arrives sooner than predicted: the least-delayed packet
seen is the best estimate of when the stream really started.
"""

from __future__ import annotations

from fractions import Fraction


class StreamClock:
    def __init__(self, time_base: Fraction) -> None:
        self.ms_per_tick = float(time_base * 1000)
        self.anchor_ms: float | None = None
        self.anchor_ts = 0
        self.frozen = False

    @property
    def anchored(self) -> bool:
        return self.anchor_ms is not None

    def observe(self, ts: int, arrival_ms: float) -> None:
        if self.anchor_ms is None:
            self.anchor_ms, self.anchor_ts = float(arrival_ms), ts
        elif not self.frozen:
            early = self.wall_ms(ts) - arrival_ms
            if early > 0:
                self.anchor_ms -= early

    def wall_ms(self, ts: int) -> int:
        if self.anchor_ms is None:
            raise RuntimeError("the stream clock has no anchor yet")
        return round(self.anchor_ms + (ts - self.anchor_ts) * self.ms_per_tick)

    def drift_ms(self, ts: int, arrival_ms: float) -> float:
        """How much later than predicted this packet arrived (negative: sooner)."""
        return arrival_ms - self.wall_ms(ts)

    def freeze(self) -> None:
        self.frozen = True

    def reset(self) -> None:
        self.anchor_ms = None
        self.frozen = False
