"""The current state of every channel, kept from the events that pass on the bus, so that a new
subscriber (or /api/status) can be told how things stand now."""

from __future__ import annotations

import threading
from typing import Any

NOT_REPORTED = -2  # "Loading": the recorder has not reported on the channel yet


class LiveState:
    def __init__(self) -> None:
        self._status: dict[int, int] = {}
        self._recording: dict[int, dict[str, Any]] = {}
        self._motion: dict[int, bool] = {}
        self._size: dict[int, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def channel_status(self, chid: int) -> int:
        with self._lock:
            return self._status.get(chid, NOT_REPORTED)

    def recording_status(self, chid: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._recording.get(chid, {"streaming": False, "recording": False}))

    def video_size(self, chid: int) -> tuple[int, int] | None:
        """The live stream's resolution, from the last videoStreamReady."""
        with self._lock:
            return self._size.get(chid)

    def motion(self) -> dict[int, bool]:
        with self._lock:
            return dict(self._motion)

    def __call__(self, topic: str, event: dict[str, Any]) -> None:
        """The bus listener."""
        with self._lock:
            if topic == "channelStatus":
                chid = event.get("chid")
                if event.get("event") == "channelRemoved":
                    self._status.pop(chid, None)
                    self._recording.pop(chid, None)
                    self._motion.pop(chid, None)
                    self._size.pop(chid, None)
                elif event.get("event") == "videoStreamReady" and event.get("size"):
                    width, height = event["size"]
                    self._size[chid] = (int(width), int(height))
                elif "status" in event:
                    self._status[chid] = int(event["status"]["code"])
            elif topic == "recordingStatus":
                for item in event.get("channel", []):
                    self._recording[item["chid"]] = {k: v for k, v in item.items() if k != "chid"}
            elif topic == "motionChanges":
                for item in event.get("updated", []):
                    self._motion[item["chid"]] = bool(item["motion"])
