"""Plate and object images go with the recordings of their day: once retention has deleted every
recording of a day, the image folders of that day and older (DIR/images/<kind>/<YYYY-MM-DD>, UTC,
as lpr.snapshots writes them) are deleted too. Their log rows stay; their image links then answer
404, like the video links of those days."""

from __future__ import annotations

import logging
import re
import shutil
import time
from pathlib import Path

log = logging.getLogger("tsnvr.recorder")

IMAGES_DIR = "images"
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def utc_day(ms: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ms / 1000))


def prune_images(data_dir: Path, keep_from_day: str) -> list[str]:
    """Delete the image day folders older than `keep_from_day` (YYYY-MM-DD); returns them, relative to
    `data_dir`, oldest first."""
    root = data_dir / IMAGES_DIR
    if not root.is_dir():
        return []
    old = sorted((day for kind in root.iterdir() if kind.is_dir() for day in kind.iterdir()
                  if day.is_dir() and DAY.fullmatch(day.name) and day.name < keep_from_day),
                 key=lambda p: (p.name, p.parent.name))
    removed = []
    for folder in old:
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            log.warning("cannot delete images", extra={"fields": {"path": str(folder), "error": str(exc)}})
            continue
        removed.append(folder.relative_to(data_dir).as_posix())
    return removed
