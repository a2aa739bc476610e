"""Where segment files live: DIR/rec/ch{chid}/YYYY/MM/DD/{begin_ms}.mp4 (UTC date of the begin).

A file being written is named {begin_ms}.mp4.part, so that after a crash repair knows the
channel (from the folder) and the wall-clock begin (from the name) of what it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REC_DIR = "rec"
FINAL_SUFFIX = ".mp4"
PART_SUFFIX = ".mp4.part"
_CHANNEL_DIR = re.compile(r"^ch(\d+)$")
_FILE_NAME = re.compile(r"^(\d{10,16})\.mp4(\.part)?$")


def channel_dir(data_dir: Path, chid: int) -> Path:
    return data_dir / REC_DIR / f"ch{int(chid)}"


def part_path(data_dir: Path, chid: int, begin_ms: int) -> Path:
    day = datetime.fromtimestamp(begin_ms / 1000, UTC)
    return channel_dir(data_dir, chid) / f"{day:%Y/%m/%d}" / f"{int(begin_ms)}{PART_SUFFIX}"


def final_path(part: Path) -> Path:
    return part.with_name(part.name.removesuffix(PART_SUFFIX) + FINAL_SUFFIX)


def relative(data_dir: Path, path: Path) -> str:
    """The path as the index stores it; raises ValueError for a path outside the data dir."""
    return path.resolve().relative_to(data_dir.resolve()).as_posix()


@dataclass(frozen=True)
class SegmentName:
    chid: int
    begin_ms: int
    is_part: bool


def parse(path: Path) -> SegmentName | None:
    """Channel and begin of a segment file laid out as part_path() does, else None."""
    name = _FILE_NAME.match(path.name)
    channel = _CHANNEL_DIR.match(path.parents[3].name) if len(path.parents) > 3 else None
    if not name or not channel:
        return None
    return SegmentName(chid=int(channel.group(1)), begin_ms=int(name.group(1)), is_part=bool(name.group(2)))


def channel_dirs(data_dir: Path) -> list[Path]:
    root = data_dir / REC_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and _CHANNEL_DIR.match(p.name))


def latest_day_dirs(channel: Path, count: int) -> list[Path]:
    """The channel's `count` most recent day folders, newest first, walking only what is needed."""
    out: list[Path] = []

    def numeric_children(path: Path) -> list[Path]:
        return sorted((p for p in path.iterdir() if p.is_dir() and p.name.isdigit()), reverse=True)

    for year in numeric_children(channel):
        for month in numeric_children(year):
            for day in numeric_children(month):
                out.append(day)
                if len(out) >= count:
                    return out
    return out


def remove_empty_parents(path: Path, stop: Path) -> None:
    """Remove path's parent folders while they are empty, up to (not including) stop."""
    parent = path.parent
    stop = stop.resolve()
    while parent.resolve() != stop and stop in parent.resolve().parents:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
