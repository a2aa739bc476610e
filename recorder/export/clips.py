"""MP4 clips cut from a channel's recorded segments by remux (no decoding): INTERFACE, not written yet.

write_clips() is a generator: it writes one file, yields its Clip, and writes the next only when the
caller asks for it, so that the export task can hand each file over before the next is made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from storage.db import Database


class ExportCancelled(Exception):
    """`cancelled` was set while a clip was being written; the partial file is already deleted."""


@dataclass(frozen=True)
class Clip:
    path: Path       # the finished MP4 in out_dir
    chid: int
    begin_ms: int    # wall-clock time (epoch ms) of the clip's first frame: a keyframe at or before the range's start
    end_ms: int      # wall-clock time at which the clip's last frame ends
    size: int        # bytes
    frames: int      # video packets written


def recorded_ms(db: Database, chid: int, begin_ms: int, end_ms: int) -> int:
    """Milliseconds of [begin_ms, end_ms) that the channel's segments cover: 0 means no data (for
    progress totals and the `-1` no-data answer)."""
    raise NotImplementedError


def write_clips(db: Database, data_dir: Path, chid: int, begin_ms: int, end_ms: int, *, out_dir: Path,
                name: Callable[[int, int], str], max_bytes: int,
                on_progress: Callable[[int], None] | None = None,
                cancelled: threading.Event | None = None) -> Iterator[Clip]:
    """The channel's recording of [begin_ms, end_ms) as MP4 files in out_dir, one at a time.

    name(chid, first_frame_ms) gives each file's name. Each file is at most max_bytes, split at a
    keyframe. on_progress(wall_ms) reports the position reached (called at most a few times a
    second). Setting `cancelled` stops within one packet: ExportCancelled, no partial file left.
    OSError (ENOSPC) propagates with the partial file deleted."""
    raise NotImplementedError
