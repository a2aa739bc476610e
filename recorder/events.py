"""What the recorder reports on the bus (storage.events): TS-API channel status codes, each
channel's status, its video stream, and whether it records."""

from __future__ import annotations

from enum import IntEnum

from storage.clock import now_ms
from storage.events import (
    ChannelEvent,
    ChannelRecording,
    ChannelStatusEvent,
    Publish,
    RecordingStatusEvent,
)


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


def status_changed(chid: int, code: int) -> ChannelStatusEvent:
    return ChannelStatusEvent(ChannelEvent.STATUS_CHANGED, chid, now_ms(), status=int(code))


def video_stream_ready(chid: int, codec: str, width: int, height: int) -> ChannelStatusEvent:
    # No status: LiveState would take it as the channel's status code.
    return ChannelStatusEvent(ChannelEvent.VIDEO_STREAM_READY, chid, now_ms(), codec=codec, size=(width, height))


def recording_changed(chid: int, streaming: bool, recording: bool,
                      failure_ms: int | None = None) -> RecordingStatusEvent:
    return RecordingStatusEvent((ChannelRecording(chid, streaming, recording, failure_ms),), now_ms())


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
            self._publish(status_changed(self.chid, code))

    def stream_ready(self, codec: str, width: int, height: int) -> None:
        self._publish(video_stream_ready(self.chid, codec, width, height))

    def set_recording(self, streaming: bool, recording: bool, failure_ms: int | None = None) -> None:
        state = (streaming, recording, failure_ms)
        if state != self._recording:
            self._recording = state
            self._publish(recording_changed(self.chid, streaming, recording, failure_ms))
