"""Freeing disk space: delete the oldest segments (file, then row) while free space on the data
directory's filesystem is below the threshold, and any segment older than the maximum age.

The file goes first: a crash between the two leaves a row without a file, which the next pass
deletes, rather than a file no row points to, which nothing would ever delete.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from recorder import segment_files
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


def free_space(path: Path) -> tuple[int, int]:
    """(free, total) bytes of the filesystem holding path."""
    usage = shutil.disk_usage(path)
    return usage.free, usage.total


def _delete(db: Database, data_dir: Path, rows: list[Segment]) -> int:
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
    segments.delete_segments(db, (row.id for row in rows if row.id is not None))
    return freed


def enforce(db: Database, data_dir: Path, policy: RetentionPolicy,
            measure: Callable[[Path], tuple[int, int]] = free_space) -> list[Segment]:
    """One pass; returns the segments deleted, oldest first."""
    deleted: list[Segment] = []
    if policy.max_age_days > 0:
        cutoff = now_ms() - int(policy.max_age_days * DAY_MS)
        while rows := segments.oldest_segments(db, BATCH, ended_before_ms=cutoff):
            _delete(db, data_dir, rows)
            deleted += rows
    while True:
        free, total = measure(data_dir)
        if free >= policy.required_free(total):
            break
        # As few files as it takes, judged by their sizes, then measure again.
        rows = segments.oldest_segments(db, BATCH)
        if not rows:
            log.warning("disk space low and no recordings left to delete", extra={"fields": {"free": free}})
            break
        shortfall = policy.required_free(total) - free
        batch: list[Segment] = []
        for row in rows:
            batch.append(row)
            shortfall -= row.size
            if shortfall <= 0:
                break
        _delete(db, data_dir, batch)
        deleted += batch
    if deleted:
        log.info("old recordings deleted", extra={"fields": {"count": len(deleted)}})
    return deleted
