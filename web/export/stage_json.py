"""The export task's stages (recorder/export/stages.py) as the guide's JSON messages of
/wsapi/dataExport, keys in the guide's order; times with milliseconds and the server's offset."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from recorder.export.stages import (
    Begin,
    ChannelBegin,
    ChannelEnd,
    End,
    EndCode,
    FileBegin,
    FileEnd,
    FileWriting,
    Ready,
    ReadyCode,
    Stage,
)
from web.core import i18n
from web.core.timefmt import format_ms

TIMEOUT_ALERT_MS = 2000  # timeoutAlert's ttl: the guide's 2 seconds


def message(code: ReadyCode | EndCode, lang: str, detail: str = "") -> str:
    """The guide's message for the code in `lang` (dataExport.status.<code> of web/core/locales:
    ready's and end's codes share them, 0 and -2 meaning the same in both), then the detail, in
    English, after a colon."""
    text = i18n.text(lang, f"dataExport.status.{int(code)}")
    return f"{text}: {detail}" if detail else text


def src(base: str, task_id: str, name: str) -> str:
    return f"{base}/download/{task_id}/{quote(name, safe='()')}"


def ready_json(ready: Ready, lang: str, tz: ZoneInfo) -> dict[str, Any]:
    answer: dict[str, Any] = {"stage": "ready",
                              "status": {"code": int(ready.code), "message": message(ready.code, lang, ready.detail)}}
    plan = ready.plan
    if plan is not None:
        answer["task"] = {
            "id": plan.task_id,
            "ch": list(plan.chids),
            "timeRange": [format_ms(plan.begin_ms, tz), format_ms(plan.end_ms, tz)],
            "mediaSize": plan.max_file_bytes,
            "subtitleFormat": plan.subtitle_format or "None",
            "language": plan.language,
        }
    return answer


class StageRenderer:
    """The messages of one task, for one client (the host its download links name)."""

    def __init__(self, task_id: str, base: str, lang: str, tz: ZoneInfo) -> None:
        self.task_id, self.base, self.lang, self.tz = task_id, base, lang, tz

    def head(self, name: str, overall: int, position_ms: int) -> dict[str, Any]:
        return {"stage": name, "overallProgress": f"{overall}%", "timestamp": format_ms(position_ms, self.tz)}

    def render(self, stage: Stage, ttl_ms: int = 0) -> dict[str, Any]:
        """The stage's message; ttl_ms: fileEnd's ttl."""
        match stage:
            case Begin():
                return self.head("begin", stage.overall, stage.position_ms)
            case ChannelBegin() | ChannelEnd():
                name = "channelBegin" if isinstance(stage, ChannelBegin) else "channelEnd"
                return {**self.head(name, stage.overall, stage.position_ms),
                        "channel": {"chid": stage.chid, "progress": f"{stage.progress}%"}}
            case FileBegin():
                return {**self.head("fileBegin", stage.overall, stage.position_ms),
                        "channel": {"chid": stage.chid, "progress": f"{stage.progress}%",
                                    "file": {"fid": stage.fid, "name": stage.name}}}
            case FileWriting():
                return {**self.head("fileWriting", stage.overall, stage.position_ms),
                        "channel": {"chid": stage.chid, "progress": f"{stage.progress}%", "file": {"fid": stage.fid}}}
            case FileEnd():
                return {**self.head("fileEnd", stage.overall, stage.position_ms),
                        "channel": {"chid": stage.chid, "progress": f"{stage.progress}%",
                                    "file": {"fid": stage.fid, "ttl": ttl_ms, "download": self.downloads(stage)}}}
            case End():
                return {**self.head("end", stage.overall, stage.position_ms),
                        "status": {"code": int(stage.code), "message": message(stage.code, self.lang, stage.detail)}}
        raise TypeError(f"not a stage: {stage!r}")

    def downloads(self, stage: FileEnd) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for file in stage.files:
            item: dict[str, Any] = {"fileName": file.name, "src": src(self.base, self.task_id, file.name)}
            if file.md5 is not None:
                item["md5"] = file.md5
            out.append(item)
        return out


def timeout_alert() -> dict[str, Any]:
    """The guide's {"request": "timeoutAlert", "ttl": 2000}, and "stage": "timeoutAlert" as well: the
    guide calls it stage:timeoutAlert, and its ex4 page answers it (with wait, while it downloads) only
    when msg.stage says so; without it, ex4 lets a download longer than the ttl end the task."""
    return {"request": "timeoutAlert", "ttl": TIMEOUT_ALERT_MS, "stage": "timeoutAlert"}
