"""What an export task reports as it goes, one dataclass per stage of the guide's /wsapi/dataExport
("Exporting recorded video"): ready, begin, channelBegin, fileBegin, fileWriting, fileEnd,
channelEnd, end. The web layer renders them as the guide's JSON (web/export/stage_json.py), the
command line as a progress bar; neither needs more than these fields.

Progress is an honest integer percentage (rounded down) of the recorded time processed: the time
the channel's segments cover within the requested range, not the range's length. `position_ms` is
the wall-clock position reached in the recording (epoch ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path


class ReadyCode(IntEnum):
    """status.code of stage:ready (the guide's list)."""

    SUCCESS = 0
    NO_DATA = -1        # nothing recorded in the range on the requested channels
    INVALID = -2        # invalid parameters
    NO_SPACE = -5       # free space on the disk the files are written to is short (see ExportTask.prepare)


class EndCode(IntEnum):
    """status.code of stage:end (the guide's list)."""

    SUCCESS = 0
    INVALID = -2        # mediaSize cannot hold one keyframe of this recording (found only when it is read)
    NO_SPACE = -1001    # the disk filled up, or its free space fell below what the next file needs
    CANCELLED = -1003   # the client's cancel, or the client went away
    TIMEOUT = -1004     # no command within the ttl of a finished file


@dataclass(frozen=True)
class ExportPlan:
    """The task summary of stage:ready: what will be exported."""

    task_id: str                  # uuid4
    chids: tuple[int, ...]        # in the order they are exported
    begin_ms: int
    end_ms: int
    max_file_bytes: int
    subtitle_format: str | None   # "VTT", "SRT", "SMI"; None: no subtitles
    language: str                 # the catalogue tag serving the request's lang (e.g. "en-US")


@dataclass(frozen=True)
class Ready:
    code: ReadyCode
    detail: str = ""              # why, when code is not SUCCESS
    plan: ExportPlan | None = None  # None only for INVALID


@dataclass(frozen=True)
class Begin:
    overall: int                  # percent
    position_ms: int


@dataclass(frozen=True)
class ChannelBegin:
    overall: int
    position_ms: int
    chid: int
    progress: int                 # percent of this channel's recorded time


@dataclass(frozen=True)
class FileBegin:
    overall: int
    position_ms: int              # the file's first frame
    chid: int
    progress: int
    fid: int                      # 1, 2, ... across the whole task
    name: str                     # CH1.2018-07-27T09.11.19.mp4 (server-local time of the first frame)


@dataclass(frozen=True)
class FileWriting:
    overall: int
    position_ms: int
    chid: int
    progress: int
    fid: int


@dataclass(frozen=True)
class ExportedFile:
    """One file handed over: the video, or its subtitles (each a .zip when a password was given)."""

    name: str
    path: Path
    size: int
    md5: str | None               # 32 lowercase hex digits when md5 was asked for


@dataclass(frozen=True)
class FileEnd:
    overall: int
    position_ms: int              # where the file's last frame ends
    chid: int
    progress: int
    fid: int
    begin_ms: int                 # the file's first frame
    files: tuple[ExportedFile, ...]  # the video first, then its subtitle file


@dataclass(frozen=True)
class ChannelEnd:
    overall: int
    position_ms: int
    chid: int
    progress: int


@dataclass(frozen=True)
class End:
    overall: int
    position_ms: int
    code: EndCode
    detail: str = ""


Stage = Begin | ChannelBegin | FileBegin | FileWriting | FileEnd | ChannelEnd | End


def percent(done_ms: int, total_ms: int) -> int:
    """done/total as a whole percentage, rounded down (100 only when all is done)."""
    if total_ms <= 0:
        return 100
    return max(0, min(100, done_ms * 100 // total_ms))
