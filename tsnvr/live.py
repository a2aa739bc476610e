"""The current state of every channel, kept from the events that pass on the bus, so that a new
subscriber (or /api/status) can be told how things stand now."""

from __future__ import annotations

import threading
from typing import Any

from storage.events import (
    ChannelEvent,
    ChannelRecording,
    ChannelStatusEvent,
    Event,
    MotionChangesEvent,
    RecordingStatusEvent,
)

NOT_REPORTED = -2  # "Loading": the recorder has not reported on the channel yet


class LiveState:
    def __init__(self) -> None:
        self._status: dict[int, int] = {}
        self._recording: dict[int, ChannelRecording] = {}
        self._motion: dict[int, bool] = {}
        self._size: dict[int, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def channel_status(self, chid: int) -> int:
        with self._lock:
            return self._status.get(chid, NOT_REPORTED)

    def recording_status(self, chid: int) -> dict[str, Any]:
        """{"streaming", "recording"}, and "failure_ms" while segments cannot be written."""
        with self._lock:
            item = self._recording.get(chid)
        if item is None:
            return {"streaming": False, "recording": False}
        state: dict[str, Any] = {"streaming": item.streaming, "recording": item.recording}
        if item.failure_ms is not None:
            state["failure_ms"] = item.failure_ms
        return state

    def video_size(self, chid: int) -> tuple[int, int] | None:
        """The live stream's resolution, from the last videoStreamReady."""
        with self._lock:
            return self._size.get(chid)

    def motion(self) -> dict[int, bool]:
        with self._lock:
            return dict(self._motion)

    def __call__(self, event: Event) -> None:
        """The bus listener."""
        with self._lock:
            if isinstance(event, ChannelStatusEvent):
                chid = event.chid
                if event.event == ChannelEvent.CHANNEL_REMOVED:
                    self._status.pop(chid, None)
                    self._recording.pop(chid, None)
                    self._motion.pop(chid, None)
                    self._size.pop(chid, None)
                elif event.event == ChannelEvent.VIDEO_STREAM_READY and event.size:
                    self._size[chid] = event.size
                elif event.status is not None:
                    self._status[chid] = event.status
            elif isinstance(event, RecordingStatusEvent):
                for item in event.channel:
                    self._recording[item.chid] = item
            elif isinstance(event, MotionChangesEvent):
                for motion in event.updated:
                    self._motion[motion.chid] = motion.motion
