"""Freeing disk space: delete the oldest segments (file, then row) while free space on the data
directory's filesystem is below the threshold, and any segment older than the maximum age; then
the plate and object images of the days no recording is left of (recorder.image_retention).

The file goes first: a crash between the two leaves a row without a file, which the next pass
deletes, rather than a file no row points to, which nothing would ever delete.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from recorder import segment_files
from recorder.image_retention import prune_images, utc_day
from storage import segments
from storage.clock import now_ms
from storage.db import Database
from storage.models import Segment

log = logging.getLogger("tsnvr.recorder")

BATCH = 50
DAY_MS = 86_400_000


@dataclass(frozen=True)
class RetentionPolicy:
    min_free_bytes: int = 1 << 30
    min_free_percent: float = 5.0
    max_age_days: float = 0.0  # 0: no age limit

    def required_free(self, total_bytes: int) -> int:
        return max(self.min_free_bytes, int(total_bytes * self.min_free_percent / 100))


@dataclass
class RetentionPass:
    """What one pass did. `free`/`required` are the first measurement after the age limit applied."""

    started_ms: int
    finished_ms: int = 0
    by_age: list[Segment] = field(default_factory=list)
    for_space: list[Segment] = field(default_factory=list)
    max_age_days: float = 0.0
    free: int = 0
    total: int = 0
    required: int = 0
    space_short: bool = False  # free space still below the threshold and no recordings left to delete
    errors: list[str] = field(default_factory=list)  # "path: error" for files that could not be deleted
    images: list[str] = field(default_factory=list)  # image day folders deleted with their recordings

    @property
    def deleted(self) -> list[Segment]:
        """Every segment deleted, oldest first (the age limit goes first, and takes all it applies to)."""
        return self.by_age + self.for_space


def free_space(path: Path) -> tuple[int, int]:
    """(free, total) bytes of the filesystem holding path."""
    usage = shutil.disk_usage(path)
    return usage.free, usage.total


def _delete(db: Database, data_dir: Path, rows: list[Segment], errors: list[str]) -> int:
    freed = 0
    for row in rows:
        path = data_dir / row.path
        try:
            freed += path.stat().st_size
            path.unlink()
            segment_files.remove_empty_parents(path, data_dir / segment_files.REC_DIR)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot delete segment", extra={"fields": {"path": row.path, "error": str(exc)}})
            errors.append(f"{row.path}: {exc.strerror or exc}")
    segments.delete_segments(db, (row.id for row in rows if row.id is not None))
    return freed


def run(db: Database, data_dir: Path, policy: RetentionPolicy,
        measure: Callable[[Path], tuple[int, int]] = free_space) -> RetentionPass:
    """One pass: the age limit first, then the oldest segments while free space is short."""
    result = RetentionPass(started_ms=now_ms(), max_age_days=policy.max_age_days)
    if policy.max_age_days > 0:
        cutoff = result.started_ms - int(policy.max_age_days * DAY_MS)
        while rows := segments.oldest_segments(db, BATCH, ended_before_ms=cutoff):
            _delete(db, data_dir, rows, result.errors)
            result.by_age += rows
    first = True
    while True:
        free, total = measure(data_dir)
        if first:
            result.free, result.total, result.required = free, total, policy.required_free(total)
            first = False
        if free >= policy.required_free(total):
            break
        # As few files as it takes, judged by their sizes, then measure again.
        rows = segments.oldest_segments(db, BATCH)
        if not rows:
            log.warning("disk space low and no recordings left to delete", extra={"fields": {"free": free}})
            result.space_short = True
            break
        shortfall = policy.required_free(total) - free
        batch: list[Segment] = []
        for row in rows:
            batch.append(row)
            shortfall -= row.size
            if shortfall <= 0:
                break
        _delete(db, data_dir, batch, result.errors)
        result.for_space += batch
    if result.deleted:
        oldest = segments.oldest_segments(db, 1)
        result.images = prune_images(data_dir, utc_day(oldest[0].begin_ms if oldest else result.started_ms))
    result.finished_ms = now_ms()
    if result.deleted:
        log.info("old recordings deleted", extra={"fields": {
            "count": len(result.deleted), "by_age": len(result.by_age), "for_space": len(result.for_space)}})
    return result


def enforce(db: Database, data_dir: Path, policy: RetentionPolicy,
            measure: Callable[[Path], tuple[int, int]] = free_space) -> list[Segment]:
    """One pass; returns the segments deleted, oldest first."""
    return run(db, data_dir, policy, measure).deleted
