"""Recorded footage for the export tests: INTERFACE, written by the clips part (see record_footage)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Footage:
    data_dir: Path   # a complete data directory: settings.toml, tsnvr.db (admin user), rec/
    chids: tuple[int, ...]


def record_footage(directory: Path) -> Footage:
    """Record the real RTSP test server into a fresh data directory under `directory` (once per session)."""
    raise NotImplementedError
