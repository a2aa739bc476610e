"""The playable prefix of a fragmented MP4 cut short: ftyp, moov, then moof+mdat pairs; whatever
follows the last complete pair (a fragment half written when the process died) is dropped. A
plain MP4 plays only whole (its index, moov, comes last)."""

from __future__ import annotations

import struct
from pathlib import Path

HEADER = struct.Struct(">I4s")
LARGE_SIZE = struct.Struct(">Q")


def playable_length(path: Path) -> int:
    """Bytes up to the end of the last complete fragment (or of a whole plain MP4); 0: none."""
    total = path.stat().st_size
    offset = 0
    have_moov = False
    fragment_open = False  # a moof seen, its mdat not yet
    fragmented = False
    have_mdat = False
    good_end = 0
    with path.open("rb") as f:
        while offset + HEADER.size <= total:
            f.seek(offset)
            size, kind = HEADER.unpack(f.read(HEADER.size))
            if size == 1:
                if offset + HEADER.size + LARGE_SIZE.size > total:
                    break
                (size,) = LARGE_SIZE.unpack(f.read(LARGE_SIZE.size))
            elif size == 0:
                size = total - offset  # "to the end of the file": never complete when cut short
            if size < HEADER.size or offset + size > total:
                break
            offset += size
            if kind == b"moov":
                have_moov = True
            elif kind == b"moof":
                fragment_open = fragmented = True
            elif kind == b"mdat" and fragment_open and have_moov:
                fragment_open = False
                good_end = offset
            elif not fragment_open and have_moov and good_end:
                good_end = offset  # complete trailing boxes (mfra, free) are harmless
            have_mdat = have_mdat or kind == b"mdat"
    if not fragmented and have_moov and have_mdat:
        return offset  # a plain MP4 whose boxes are all complete
    return good_end


def truncate_to_playable(path: Path) -> int:
    """Cut the file after its last complete fragment; returns the new length (0: nothing playable)."""
    length = playable_length(path)
    if length and length < path.stat().st_size:
        with path.open("r+b") as f:
            f.truncate(length)
    return length
