"""The event bus's contract: every topic, the payload each one carries, the `Publish` callable the
sources are given, and the error a dropped subscriber gets.

A payload is domain data: times are epoch milliseconds (`*_ms`), files are paths relative to the
data directory, channels are numbers. Each payload class names its topic; web/events/render.py
turns payloads into TS-API JSON for each subscriber.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from storage.models import EventLogEntry


class Topic(StrEnum):
    CHANNEL_STATUS = "channelStatus"
    EMERGENCY_CALL = "emergencyCall"
    LPR = "LPR"
    SYSTEM_EVENT = "systemEvent"
    MOTION_CHANGES = "motionChanges"
    RECORDING_STATUS = "recordingStatus"
    PARKING_COUNT = "parkingCount"
    PACKING = "packing"  # no source: accepted for compatibility
    OBJECT = "object"
    BODY_TEMPERATURE = "bodyTemperature"  # guide @0.9.14; no source: accepted for compatibility
    SETTINGS_CHANGED = "settingsChanged"  # internal: no subscriber may ask for it


# The guide's list of real-time events, in its order (/api/enum?what=realtimeEvent answers it).
REALTIME_TOPICS: tuple[Topic, ...] = (
    Topic.CHANNEL_STATUS, Topic.EMERGENCY_CALL, Topic.LPR, Topic.SYSTEM_EVENT, Topic.MOTION_CHANGES,
    Topic.RECORDING_STATUS, Topic.PARKING_COUNT, Topic.PACKING, Topic.OBJECT,
)
# What a subscriber may ask for: the list, and bodyTemperature, which the guide documents (@0.9.14)
# but leaves out of that list and of its list of supported topics.
SUBSCRIBABLE_TOPICS: tuple[Topic, ...] = (*REALTIME_TOPICS, Topic.BODY_TEMPERATURE)


class ChannelEvent(StrEnum):
    """The `event` of a channelStatus payload."""

    STATUS_CHANGED = "statusChanged"
    NAME_CHANGED = "nameChanged"
    CHANNEL_ADDED = "channelAdded"
    CHANNEL_REMOVED = "channelRemoved"
    CHANNEL_SWAPPED = "channelSwapped"
    VIDEO_SRC_MODIFIED = "videoSrcModified"
    VIDEO_STREAM_READY = "videoStreamReady"
    VIDEO_STREAM_CHANGED = "videoStreamChanged"


@dataclass(frozen=True)
class ChannelStatusEvent:
    """Something happened to a channel. Which fields are set depends on `event`."""

    topic: ClassVar[Topic] = Topic.CHANNEL_STATUS
    event: ChannelEvent
    chid: int
    ts_ms: int | None = None  # None: now
    status: int | None = None  # a TS-API channel status code (statusChanged)
    name: str | None = None  # the channel's title (nameChanged, channelAdded)
    codec: str | None = None  # videoStreamReady
    size: tuple[int, int] | None = None  # videoStreamReady: width, height
    swapped_with: int | None = None  # channelSwapped: the other channel


@dataclass(frozen=True)
class ChannelRecording:
    chid: int
    streaming: bool
    recording: bool
    failure_ms: int | None = None  # when a segment could not be written


@dataclass(frozen=True)
class RecordingStatusEvent:
    """Channels started or stopped streaming or recording (TS-API event "statusChanged")."""

    topic: ClassVar[Topic] = Topic.RECORDING_STATUS
    channel: tuple[ChannelRecording, ...]
    ts_ms: int | None = None  # None: now


@dataclass(frozen=True)
class ChannelMotion:
    chid: int
    motion: bool


@dataclass(frozen=True)
class MotionChangesEvent:
    """The channels whose motion state changed."""

    topic: ClassVar[Topic] = Topic.MOTION_CHANGES
    updated: tuple[ChannelMotion, ...]


@dataclass(frozen=True)
class LprEvent:
    """A plate read: pushed to /api/push, or read in an LPR zone (those set chid, score, roi, image)."""

    topic: ClassVar[Topic] = Topic.LPR
    ts_ms: int  # when the plate was last read
    plate_no: str
    device_code: str
    device_name: str
    begin_ms: int | None = None  # first read of the same car; None: ts_ms
    plate_id: int | None = None  # the plate-log row
    chid: int | None = None  # the channel it was read on
    linked: tuple[int, ...] = ()  # channels to show
    score: float | None = None  # 0..100
    roi: tuple[int, int, int, int] | None = None  # the plate in the image: x, y, w, h
    image: str | None = None  # the plate crop
    parking_entrance: int | None = None  # the lot the device counts cars into
    parking_exit: int | None = None  # the lot it counts cars out of
    direction: str | None = None  # "entry", "exit" or None


@dataclass(frozen=True)
class EmergencyCallEvent:
    topic: ClassVar[Topic] = Topic.EMERGENCY_CALL
    ts_ms: int
    event: str  # "callStart" or "callEnd"
    caller: str  # the calling device's location code
    name: str  # the location's name
    device: str = ""  # the device model
    linked: tuple[int, ...] = ()  # channels to show


@dataclass(frozen=True)
class ParkingCountEvent:
    """A car moved parking counters: subscribers get the changed lots and the groups holding them."""

    topic: ClassVar[Topic] = Topic.PARKING_COUNT
    ts_ms: int
    changed: tuple[int, ...]  # counter lots whose count moved
    counts: Mapping[int, int]  # every stored counter after the move


@dataclass(frozen=True)
class ObjectEvent:
    """A person or vehicle tracked on a channel."""

    topic: ClassVar[Topic] = Topic.OBJECT
    ts_ms: int
    chid: int
    obj_id: int
    kind: str  # TS-API "type": "face", "human" or "vehicle"
    likelihood: float  # 0..100
    attributes: Mapping[str, Any] = field(default_factory=dict)  # as the guide writes them
    parent_id: int | None = None
    image: str | None = None


@dataclass(frozen=True)
class SystemEvent:
    """A committed event-log row of type 0 (System log)."""

    topic: ClassVar[Topic] = Topic.SYSTEM_EVENT
    entry: EventLogEntry


@dataclass(frozen=True)
class SettingsChangedEvent:
    """settings.toml was reloaded; `keys` are the settings that changed."""

    topic: ClassVar[Topic] = Topic.SETTINGS_CHANGED
    keys: tuple[str, ...]


Event = (ChannelStatusEvent | RecordingStatusEvent | MotionChangesEvent | LprEvent | EmergencyCallEvent
         | ParkingCountEvent | ObjectEvent | SystemEvent | SettingsChangedEvent)

# What every event source is given: publish from any thread; never blocks on subscribers.
Publish = Callable[[Event], None]


class SubscriberOverflow(Exception):
    """The subscriber fell too far behind and was dropped from the bus."""
