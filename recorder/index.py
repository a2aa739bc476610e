"""A closed segment file -> its row in the segment index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recorder import segment_files
from storage import segments
from storage.db import Database
from storage.models import Segment


@dataclass(frozen=True)
class ClosedSegment:
    chid: int
    path: Path  # the final .mp4
    begin_ms: int
    end_ms: int
    codec: str
    width: int
    height: int


def index_segment(db: Database, data_dir: Path, closed: ClosedSegment) -> Segment:
    return segments.add_segment(db, Segment(
        chid=closed.chid,
        begin_ms=closed.begin_ms,
        end_ms=max(closed.end_ms, closed.begin_ms),
        path=segment_files.relative(data_dir, closed.path),
        size=closed.path.stat().st_size,
        codec=closed.codec,
        width=closed.width,
        height=closed.height,
    ))
