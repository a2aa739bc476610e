"""The export tasks a server is running: what /download/{task}/{file} may serve, where each task's
files are made (DIR/exports/tasks/{id}/, which the find exports' /download/{name} never serves:
it takes plain file names only), and the limit on tasks remuxing at once."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
from starlette.applications import Starlette

from recorder.export.task import ExportTask
from storage.exports import exports_dir

TASKS_DIR = "tasks"


@dataclass(frozen=True)
class LiveTask:
    task: ExportTask
    uid: str  # who started it: only they may download its files


def tasks_root(data_dir: Path) -> Path:
    return exports_dir(data_dir) / TASKS_DIR


def remove_stale_work_dirs(root: Path, keep: set[str], max_age_s: float) -> None:
    """Work directories a server that stopped mid-task left behind (not `keep`, untouched for max_age_s)."""
    if not root.is_dir():
        return
    now = time.time()
    for entry in os.scandir(root):
        if entry.name in keep or not entry.is_dir(follow_symlinks=False):
            continue
        if now - entry.stat(follow_symlinks=False).st_mtime > max_age_s:
            shutil.rmtree(entry.path, ignore_errors=True)


class LiveTasks:
    def __init__(self, concurrent: int) -> None:
        self.tasks: dict[str, LiveTask] = {}
        self.concurrent = concurrent
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        """Shared by every task of this server (made on first use: it belongs to the event loop)."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.concurrent)
        return self._limiter

    def add(self, task: ExportTask, uid: str) -> None:
        self.tasks[task.id] = LiveTask(task, uid)

    def remove(self, task_id: str) -> None:
        self.tasks.pop(task_id, None)

    def get(self, task_id: str) -> LiveTask | None:
        return self.tasks.get(task_id)


def live_tasks(app: Starlette) -> LiveTasks:
    """The app's registry, made on first use (export_concurrent_tasks is read then: it is not live)."""
    registry: LiveTasks | None = getattr(app.state, "export_tasks", None)
    if registry is None:
        registry = LiveTasks(app.state.services.settings.export_concurrent_tasks)
        app.state.export_tasks = registry
    return registry
