"""/api/system?health=recording: the recording storage as the guide shapes it ("current", and
"storage" items with "comment", "path", "usage"), each storage item extended with its space and
the recorder's retention state (keys the guide lacks; see docs/system.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from recorder.config import RecorderConfig
from recorder.retention import RetentionPass, RetentionPolicy
from storage import segments
from storage.eventlog import EventType, SystemCode, last_time
from web.core.context import Services
from web.core.timefmt import format_ms

OVERWRITE = 2  # the guide's recording-storage usage codes: -1 not used, 0 read-only, 1 write once, 2 overwrite
USAGE_COMMENTS = {-1: "Not used", 0: "Read-only", 1: "Write once", 2: "Overwrite"}


@runtime_checkable
class RetentionReporter(Protocol):
    """What a recorder (recorder.supervisor.RecorderSupervisor) tells about its retention."""

    last_retention: RetentionPass | None

    @property
    def retention_policy(self) -> RetentionPolicy: ...


def _policy(services: Services) -> tuple[RetentionPolicy, RetentionPass | None]:
    """The limits in force (the running recorder's: they are read at start-up), and its latest pass."""
    if isinstance(services.recorder, RetentionReporter):
        return services.recorder.retention_policy, services.recorder.last_retention
    config = RecorderConfig.from_settings(services.settings)
    return RetentionPolicy(config.retention_min_free_bytes, config.retention_min_free_percent,
                           config.retention_max_age_days), None


def storage_state(services: Services, data_dir: Path) -> dict[str, Any]:
    """Space, limits and retention of the data directory (the keys after the guide's three)."""
    usage = shutil.disk_usage(data_dir)
    policy, last_pass = _policy(services)
    required = policy.required_free(usage.total)
    state: dict[str, Any] = {
        "totalSpace": usage.total,
        "usedSpace": usage.used,
        "freeSpace": usage.free,
        "minFreeSpace": required,
        "maxAgeDays": policy.max_age_days,
        "overwriting": usage.free < required or bool(last_pass and last_pass.deleted),
    }
    oldest = segments.oldest_begin_ms(services.db)
    if oldest is not None:
        state["oldestRecording"] = format_ms(oldest, services.tz)
    overwritten = last_time(services.db, EventType.SYSTEM, SystemCode.OLDEST_OVERWRITTEN)
    if overwritten is not None:
        state["lastOverwritten"] = format_ms(overwritten, services.tz)
    return state


def recording_item(services: Services) -> dict[str, Any]:
    data_dir = services.settings.data_dir
    path = str(data_dir.resolve())  # as the event log's "Storage ready" rows name it
    storage: dict[str, Any] = {"comment": USAGE_COMMENTS[OVERWRITE], "path": path, "usage": OVERWRITE}
    storage.update(storage_state(services, data_dir))
    return {"current": path, "storage": [storage]}
