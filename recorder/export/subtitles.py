"""Subtitle files showing the recording's wall-clock time, one cue per second: INTERFACE, not written yet."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo


class SubtitleFormat(StrEnum):
    VTT = "VTT"
    SRT = "SRT"
    SMI = "SMI"

    @property
    def suffix(self) -> str:
        return "." + self.value.lower()


def write_subtitles(path: Path, fmt: SubtitleFormat, begin_ms: int, end_ms: int, tz: ZoneInfo, lang: str) -> Path:
    """Write the subtitles for a clip whose first frame is at wall-clock begin_ms (the file's time 0) and
    whose last frame ends at end_ms: the local date and time of each second, written for `lang`."""
    raise NotImplementedError
