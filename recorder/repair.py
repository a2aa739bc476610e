"""Segments a crash left as .part files: cut to their last complete fragment, renamed to .mp4
and indexed with their true duration (or deleted when nothing in them plays). Runs before any
capture starts. Also indexes a finished .mp4 the crash left without its row.

Only the newest day folders of each channel are looked at: each channel writes one file at a
time, in the folder of that file's begin, so older folders hold no unfinished work.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from recorder import mp4_boxes, segment_files
from recorder.index import ClosedSegment, index_segment
from storage import segments
from storage.db import Database

log = logging.getLogger("tsnvr.recorder")

DAYS_SCANNED = 2


@dataclass(frozen=True)
class MediaFacts:
    duration_ms: int
    codec: str
    width: int
    height: int
    packets: int


@dataclass
class RepairReport:
    repaired: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    indexed: list[Path] = field(default_factory=list)


def probe(path: Path) -> MediaFacts | None:
    """Duration of the video packets that can be read (demuxed, not decoded), or None."""
    try:
        with av.open(str(path), "r", format="mp4") as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            time_base = stream.time_base or Fraction(1, 90000)
            first: int | None = None
            end: int | None = None
            count = 0
            for packet in container.demux(stream):
                if packet.dts is None or packet.is_corrupt:
                    continue
                first = packet.dts if first is None else min(first, packet.dts)
                packet_end = packet.dts + (packet.duration or 0)
                end = packet_end if end is None else max(end, packet_end)
                count += 1
            if first is None or end is None:
                return None
            ctx = stream.codec_context
            return MediaFacts(duration_ms=round((end - first) * time_base * 1000), codec=ctx.name,
                              width=ctx.width, height=ctx.height, packets=count)
    except (av.FFmpegError, OSError) as exc:
        log.warning("cannot read segment", extra={"fields": {"path": str(path), "error": str(exc)}})
        return None


def repair_part(db: Database, data_dir: Path, part: Path) -> Path | None:
    """Finish one .part file; returns the .mp4 it became, or None when it was deleted or skipped."""
    closed = finish_part(part)
    if closed is None:
        return None
    index_segment(db, data_dir, closed)
    return closed.path


def finish_part(part: Path) -> ClosedSegment | None:
    """Cut a .part file to what plays and rename it .mp4, not yet indexed; None when it was deleted
    (nothing in it plays) or is not a segment's name."""
    name = segment_files.parse(part)
    if name is None or not name.is_part:
        log.warning("unexpected file in recordings", extra={"fields": {"path": str(part)}})
        return None
    facts = probe(part) if mp4_boxes.truncate_to_playable(part) else None
    if facts is None or facts.packets == 0:
        part.unlink(missing_ok=True)
        return None
    final = segment_files.final_path(part)
    os.replace(part, final)
    return _closed(final, name.chid, name.begin_ms, facts)


def _closed(path: Path, chid: int, begin_ms: int, facts: MediaFacts) -> ClosedSegment:
    return ClosedSegment(chid=chid, path=path, begin_ms=begin_ms, end_ms=begin_ms + facts.duration_ms,
                         codec=facts.codec, width=facts.width, height=facts.height)


def _index(db: Database, data_dir: Path, path: Path, chid: int, begin_ms: int, facts: MediaFacts) -> None:
    index_segment(db, data_dir, _closed(path, chid, begin_ms, facts))


def repair_all(db: Database, data_dir: Path) -> RepairReport:
    report = RepairReport()
    for channel in segment_files.channel_dirs(data_dir):
        for day in segment_files.latest_day_dirs(channel, DAYS_SCANNED):
            files = sorted(day.iterdir())
            for part in (p for p in files if p.name.endswith(segment_files.PART_SUFFIX)):
                final = repair_part(db, data_dir, part)
                (report.repaired if final else report.deleted).append(final or part)
            finals = [p for p in files if p.name.endswith(segment_files.FINAL_SUFFIX) and p.exists()]
            known = segments.indexed_paths(db, (segment_files.relative(data_dir, p) for p in finals))
            for path in finals:
                name = segment_files.parse(path)
                if name is None or segment_files.relative(data_dir, path) in known:
                    continue
                facts = probe(path)
                if facts is not None:
                    _index(db, data_dir, path, name.chid, name.begin_ms, facts)
                    report.indexed.append(path)
    if report.repaired or report.deleted or report.indexed:
        log.info("recordings repaired", extra={"fields": {
            "repaired": len(report.repaired), "deleted": len(report.deleted), "indexed": len(report.indexed)}})
    return report
