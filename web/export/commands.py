"""The client's side of a /wsapi/dataExport task: its commands {"task": id, "cmd": "wait"|"next"|"cancel"}
and the ttl of each finished file.

- cancel stops the task at once, whenever it comes (even while a file is being made);
- next counts only while a finished file waits for an answer: the files are deleted and the next is
  made. A next that comes while a file is being made is ignored, so a client that sends it twice
  (the guide's ex4 page can) never skips a file;
- wait, while a file waits, starts its ttl again;
- without either, timeoutAlert ({"request": "timeoutAlert", "ttl": 2000, ...}) goes out 2 s before the
  ttl runs out, and when it has run out the task ends with -1004.
Anything else (not JSON, another task's id, an unknown command) is ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from recorder.export.stages import FileEnd
from recorder.export.task import AfterFile, ExportTask
from web.export.stage_json import TIMEOUT_ALERT_MS, timeout_alert

log = logging.getLogger("tsnvr.web")

MAX_COMMAND_CHARS = 4096


def parse_command(text: str | bytes, task_id: str) -> str | None:
    """"wait", "next" or "cancel" when `text` is one of this task's commands; None otherwise."""
    if not isinstance(text, str) or len(text) > MAX_COMMAND_CHARS:
        return None
    try:
        value: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("task") != task_id:
        return None
    cmd = value.get("cmd")
    return cmd if cmd in ("wait", "next", "cancel") else None


class Commands:
    def __init__(self, task: ExportTask, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.task = task
        self.send = send
        self.ttl_s = 10.0
        self._waiting = False   # a finished file waits for the client's answer
        self._next = False
        self._wait_asked = False
        self._offered_at = 0.0
        self._poke = anyio.Event()

    def offer(self, ttl_s: float) -> None:
        """A file's fileEnd is about to be sent: from now on next and wait count (a quick client may
        answer before the sending coroutine has resumed)."""
        self.ttl_s = ttl_s
        self._offered_at = anyio.current_time()
        self._next = self._wait_asked = False
        self._waiting = True

    def receive(self, text: str | bytes) -> None:
        cmd = parse_command(text, self.task.id)
        if cmd is None:
            log.debug("dataExport: ignored a message", extra={"fields": {"task": self.task.id}})
        elif cmd == "cancel":
            self.task.cancel()
        elif self._waiting:
            if cmd == "next":
                self._next = True
            else:
                self._wait_asked = True
            self._poke.set()

    async def after_file(self, file_end: FileEnd) -> AfterFile:
        """NEXT when the client says next within the ttl (wait restarts it), TIMEOUT otherwise. The
        task itself turns a cancel into CANCEL."""
        try:
            return await self._wait_for_next()
        finally:
            self._waiting = False

    async def _wait_for_next(self) -> AfterFile:
        alert_s = TIMEOUT_ALERT_MS / 1000
        deadline = self._offered_at + self.ttl_s
        alerted = False
        while True:
            if self._next:
                return AfterFile.NEXT
            now = anyio.current_time()
            if self._wait_asked:
                self._wait_asked = False
                deadline, alerted = now + self.ttl_s, False
            if alerted and now >= deadline:
                return AfterFile.TIMEOUT
            if not alerted and now >= deadline - alert_s:
                await self.send(timeout_alert())
                alerted = True
                continue
            self._poke = anyio.Event()
            with anyio.move_on_after((deadline if alerted else deadline - alert_s) - now):
                await self._poke.wait()
