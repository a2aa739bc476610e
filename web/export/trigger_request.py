"""The body of PUT /api/event-videos/trigger, read and checked whole before anything is stored.

{"chid", "timestamp"?, "title"?, "comment"?, "tasks"?: [{"command": "presetGo", "token"},
{"command": "eventBackup", "preAlarm", "postAlarm", "chids"?}]}. Every complaint is an ApiError 400
that names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from web.core.errors import bad_request
from web.core.json_body import read_json
from web.core.timefmt import EARLIEST_MS, TimeFormatError, parse

MAX_ALARM_MS = 3_600_000  # preAlarm and postAlarm: up to 1 hour each (the guide)
MAX_AHEAD_MS = 300_000  # a timestamp at most 5 minutes ahead of the server's clock (clock skew)
MAX_TITLE = 256  # event_backups.title
MAX_TOKEN = 256
MAX_TASKS = 16
COMMANDS = ("presetGo", "eventBackup")
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([smhSMH]?)\s*")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Backup:
    pre_ms: int
    post_ms: int
    chids: list[int]  # the trigger's channel first, then the others asked for, each once


@dataclass(frozen=True)
class Trigger:
    chid: int
    ts_ms: int
    title: str | None
    comment: Any  # free JSON, None when absent
    commands: list[str]  # the tasks, in order
    backup: Backup | None
    preset_tokens: tuple[str, ...] = ()  # the presetGo tasks' tokens, in order


def channel(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 999_999_999:
        raise bad_request(f"{field} must be a channel number (a whole number from 1)")
    return value


def alarm_ms(value: Any, field: str) -> int:
    """"5s", "1m", "1h", or seconds as a number or numeric string -> milliseconds, up to 1 hour."""
    if isinstance(value, bool):
        raise bad_request(f"{field} must be a duration such as \"5s\", \"1m\", \"1h\" or seconds")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.fullmatch(value)):
        seconds = float(m.group(1)) * _UNIT_S[m.group(2).lower()]
    else:
        raise bad_request(f"{field} must be a duration such as \"5s\", \"1m\", \"1h\" or seconds")
    if not 0 <= seconds * 1000 <= MAX_ALARM_MS:
        raise bad_request(f"{field} must be from 0 to 1 hour")
    return round(seconds * 1000)


def read_backup(task: dict[str, Any], label: str, chid: int) -> Backup:
    for name in ("preAlarm", "postAlarm"):
        if name not in task:
            raise bad_request(f"{label}.{name} is required")
    pre, post = alarm_ms(task["preAlarm"], f"{label}.preAlarm"), alarm_ms(task["postAlarm"], f"{label}.postAlarm")
    if pre + post == 0:
        raise bad_request(f"{label}: preAlarm and postAlarm are both 0; there is nothing to back up")
    asked = task.get("chids")
    if asked is None:
        asked = []
    if not isinstance(asked, list):
        raise bad_request(f"{label}.chids must be an array of channel numbers")
    chids = [chid]
    for i, value in enumerate(asked):
        number = channel(value, f"{label}.chids[{i}]")
        if number not in chids:
            chids.append(number)
    return Backup(pre_ms=pre, post_ms=post, chids=chids)


def read_tasks(value: Any, chid: int) -> tuple[list[str], Backup | None, tuple[str, ...]]:
    if value is None:
        return [], None, ()
    if not isinstance(value, list):
        raise bad_request("tasks must be an array of {\"command\": ...} objects")
    if len(value) > MAX_TASKS:
        raise bad_request(f"tasks has more than {MAX_TASKS} items")
    commands: list[str] = []
    backup: Backup | None = None
    tokens: list[str] = []
    for i, task in enumerate(value):
        label = f"tasks[{i}]"
        if not isinstance(task, dict):
            raise bad_request(f"{label} must be a JSON object")
        command = task.get("command")
        if command not in COMMANDS:
            raise bad_request(f"{label}.command must be presetGo or eventBackup")
        if command == "presetGo":
            token = task.get("token")
            if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
                raise bad_request(f"{label}.token must be a preset token (text of 1 to {MAX_TOKEN} characters)")
            tokens.append(token)
        else:
            if backup is not None:
                raise bad_request(f"{label}: only one eventBackup task is allowed")
            backup = read_backup(task, label, chid)
        commands.append(command)
    return commands, backup, tuple(tokens)


def read_timestamp(value: Any, tz: ZoneInfo, now: int) -> int:
    if value is None:
        return now
    if not isinstance(value, str):
        raise bad_request("timestamp must be an ISO 8601 date-time such as 2022-11-29T10:13:09.646")
    try:
        ms = parse(value, tz).ms
    except TimeFormatError as exc:
        raise bad_request(f"timestamp: {exc}") from None
    if ms < EARLIEST_MS + MAX_ALARM_MS:
        raise bad_request("timestamp is before 1900")
    if ms > now + MAX_AHEAD_MS:
        raise bad_request("timestamp is more than 5 minutes ahead of the server's clock")
    return ms


def read_trigger(body: bytes, tz: ZoneInfo, now: int) -> Trigger:
    """The trigger the body asks for, or ApiError 400 (whether the channels exist is checked later)."""
    data = read_json(body)
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    if "chid" not in data:
        raise bad_request("chid is required")
    chid = channel(data["chid"], "chid")
    title = data.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > MAX_TITLE):
        raise bad_request(f"title must be text of at most {MAX_TITLE} characters")
    commands, backup, tokens = read_tasks(data.get("tasks"), chid)
    return Trigger(chid=chid, ts_ms=read_timestamp(data.get("timestamp"), tz, now), title=title or None,
                   comment=data.get("comment"), commands=commands, backup=backup, preset_tokens=tokens)


def check_channels(trigger: Trigger, existing: set[int]) -> None:
    """400 for a trigger on, or a backup of, a channel that does not exist."""
    if trigger.chid not in existing:
        raise bad_request(f"chid: no channel {trigger.chid}")
    missing = [c for c in (trigger.backup.chids if trigger.backup else []) if c not in existing]
    if missing:
        raise bad_request(f"eventBackup.chids: no channel {', '.join(map(str, missing))}")
