"""What the recorder reports on the bus: TS-API channel status codes and the event shapes
tsnvr/live.py and the web layer read."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from storage.clock import now_ms

Publish = Callable[[str, dict[str, Any]], None]


class ChannelStatus(IntEnum):
    """TS-API "Request channel status" codes."""

    RECONNECTING = -4
    CONNECTING = -3
    CONNECTED = 200
    LOGIN_FAILED = 401
    BLOCKED = 403
    NO_NETWORK = 404
    TIMEOUT = 408
    NO_VIDEO = 410
    SERVICE_FAILURE = 503
    PLAYBACK_COMPLETE = 1000
    NO_FILE = 1404


def status_changed(chid: int, code: int) -> dict[str, Any]:
    return {"event": "statusChanged", "chid": chid, "status": {"code": int(code)}, "ts_ms": now_ms()}


def video_stream_ready(chid: int, codec: str, width: int, height: int) -> dict[str, Any]:
    # No "status" key: LiveState would take it as the channel's status code.
    return {"event": "videoStreamReady", "chid": chid, "codec": codec, "size": [width, height], "ts_ms": now_ms()}


def recording_changed(chid: int, streaming: bool, recording: bool, failure_ms: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"chid": chid, "streaming": streaming, "recording": recording}
    if failure_ms is not None:
        item["failure_ms"] = failure_ms
    return {"event": "statusChanged", "channel": [item], "ts_ms": now_ms()}


class ChannelReporter:
    """Publishes one channel's status, each change once."""

    def __init__(self, chid: int, publish: Publish) -> None:
        self.chid = chid
        self._publish = publish
        self.status: int | None = None
        self._recording: tuple[bool, bool, int | None] = (False, False, None)

    def set_status(self, code: int) -> None:
        if code != self.status:
            self.status = int(code)
            self._publish("channelStatus", status_changed(self.chid, code))

    def stream_ready(self, codec: str, width: int, height: int) -> None:
        self._publish("channelStatus", video_stream_ready(self.chid, codec, width, height))

    def set_recording(self, streaming: bool, recording: bool, failure_ms: int | None = None) -> None:
        state = (streaming, recording, failure_ms)
        if state != self._recording:
            self._recording = state
            self._publish("recordingStatus", recording_changed(self.chid, streaming, recording, failure_ms))
