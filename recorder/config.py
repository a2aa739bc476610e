"""The recorder's settings, read from a Settings object with defaults for the ones it lacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RecorderConfig:
    data_dir: Path
    segment_seconds: float = 60.0
    source_timeout_seconds: float = 4.0  # socket timeout: to connect, and for a stalled stream
    reconnect_min_seconds: float = 0.5
    reconnect_max_seconds: float = 10.0
    retention_min_free_bytes: int = 1 << 30
    retention_min_free_percent: float = 5.0
    retention_max_age_days: float = 0.0  # 0: keep until space runs short
    retention_interval_seconds: float = 30.0
    timezone: str = ""  # IANA name for the times written into event-log text; "": the machine's

    @classmethod
    def from_settings(cls, settings: Any) -> RecorderConfig:
        defaults = cls(data_dir=Path(settings.data_dir))
        values = {name: getattr(settings, name, getattr(defaults, name)) for name in cls.__dataclass_fields__
                  if name != "data_dir"}
        return cls(data_dir=Path(settings.data_dir), **values)
