"""How much of a time range a channel's recording covers, and how far along an export of it is: the
segments' intervals within the range, merged, for progress percentages and the space an export needs.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from storage.db import Database
from storage.segments import channel_segments


@dataclass(frozen=True)
class Coverage:
    chid: int
    intervals: tuple[tuple[int, int], ...]  # merged [begin_ms, end_ms), within the range, in order
    estimated_bytes: int                    # the segments' bytes, pro rata of the part within the range

    @property
    def recorded_ms(self) -> int:
        return sum(end - begin for begin, end in self.intervals)

    def done_ms(self, position_ms: int) -> int:
        """Recorded milliseconds before `position_ms`."""
        done = 0
        index = bisect.bisect_right([begin for begin, _ in self.intervals], position_ms)
        for begin, end in self.intervals[:index]:
            done += min(end, position_ms) - begin
        return done


def channel_coverage(db: Database, chid: int, begin_ms: int, end_ms: int) -> Coverage:
    intervals: list[tuple[int, int]] = []
    estimate = 0.0
    for segment in channel_segments(db, chid, begin_ms, end_ms):
        lo, hi = max(segment.begin_ms, begin_ms), min(segment.end_ms, end_ms)
        if hi <= lo:
            continue
        span = segment.end_ms - segment.begin_ms
        estimate += segment.size * (hi - lo) / span if span > 0 else segment.size
        if intervals and lo <= intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], max(intervals[-1][1], hi))
        else:
            intervals.append((lo, hi))
    return Coverage(chid, tuple(intervals), int(estimate))
