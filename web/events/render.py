"""Bus events (storage.events), rendered as TS-API JSON for one WebSocket subscriber.

The renderer adds what depends on the subscriber: absolute URLs (from the Host it connected to),
language, verbosity, the `ch` and `objectType` filters, and the server's time zone. Rendering an
event reads no database (channel titles come from services.titles), so it may run on the event
loop; the current state a new subscriber is told first does read it (call that in a thread).

parkingCount is rendered as "updated": the changed lots and the groups that hold them, names and
capacities from the settings at the time of rendering. packing and bodyTemperature have no source.

A View is hashable and says all that a message depends on: subscribers with equal views get the
same text, so the bus renders and serialises each event once per distinct view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage import parking
from storage.channels import all_channels
from storage.clock import now_ms
from storage.events import (
    ChannelEvent,
    ChannelRecording,
    ChannelStatusEvent,
    EmergencyCallEvent,
    Event,
    LprEvent,
    MotionChangesEvent,
    ObjectEvent,
    ParkingCountEvent,
    RecordingStatusEvent,
    SystemEvent,
    Topic,
)
from storage.models import Channel
from web.core import i18n
from web.core.answers import dumps
from web.core.channel_view import caps, display_name, live_sources, summary
from web.core.context import Services
from web.core.device_view import parking_lot_items, parking_lot_ref
from web.core.timefmt import format_ms
from web.core.urls import storage_url, watch_url
from web.find.eventlog import event_json

OBJECT_TYPES = ("face", "human", "vehicle")
STREAM_KEYS = ("src", "type", "label", "size")  # what emergencyCall "streams" items carry


@dataclass(frozen=True)
class View:
    """How one subscriber asked to see events; equal views get the same messages."""

    base: str  # http://host:port the subscriber connected to
    lang: str
    verbose: bool = False
    ch: frozenset[int] | None = None  # channels, or parking-lot ids for parkingCount
    object_types: frozenset[str] | None = None


def number(value: float) -> int | float:
    """98.0 -> 98, 71.1049 -> 71.1 (scores and likelihoods as the guide writes them)."""
    return int(value) if float(value).is_integer() else round(float(value), 2)


class EventRenderer:
    def __init__(self, services: Services, view: View) -> None:
        self.services = services
        self.view = view

    # -- shared pieces --------------------------------------------------------------------------

    def time(self, ms: int) -> str:
        return format_ms(ms, self.services.tz)

    def wants(self, *chids: int) -> bool:
        """Whether the `ch` filter lets through an event about any of `chids`."""
        return self.view.ch is None or any(c in self.view.ch for c in chids)

    def status(self, code: int) -> dict[str, Any]:
        status: dict[str, Any] = {"code": code}
        if self.view.verbose:
            status["message"] = i18n.text(self.view.lang, f"status.{code}")
        return status

    def channel_ref(self, chid: int, when_ms: int | None) -> dict[str, Any]:
        """{"chid", "title", "displayName", "src"}: the watch page live, or at `when_ms`."""
        title = self.services.titles.title(chid) or ""
        return {
            "chid": chid,
            "title": title,
            "displayName": display_name(chid, title),
            "src": watch_url(self.view.base, chid, when_ms, self.services.tz),
        }

    def live_sources(self, chid: int) -> list[dict[str, Any]]:
        """The channel's live streams; none for a channel that does not exist."""
        if self.services.titles.title(chid) is None:
            return []
        return live_sources(chid, self.view.base, self.services.live.video_size(chid),
                            self.services.sub_stream_size(chid))

    # -- the first message of stateful topics ---------------------------------------------------

    def current_state(self, topic: Topic) -> dict[str, Any] | None:
        """What a new subscriber is told first: channelStatus, recordingStatus, motionChanges and
        parkingCount start with the current state; the other topics only with later events.
        Reads the database: call it in a thread."""
        if topic == Topic.CHANNEL_STATUS:
            return self.current_channel_status()
        if topic == Topic.RECORDING_STATUS:
            return self.current_recording_status()
        if topic == Topic.MOTION_CHANGES:
            return self.current_motion()
        if topic == Topic.PARKING_COUNT:
            return self.current_parking_count()
        return None

    def watched_channels(self) -> list[Channel]:
        return [c for c in all_channels(self.services.db) if self.wants(c.chid)]

    def current_channel_status(self) -> dict[str, Any]:
        live = self.services.live
        items = [
            {**summary(c), "status": self.status(live.channel_status(c.chid)), "caps": caps(c, self.services.cameras),
             "src": live_sources(c.chid, self.view.base, live.video_size(c.chid),
                                 self.services.sub_stream_size(c.chid))}
            for c in self.watched_channels()
        ]
        return {"timestamp": self.time(now_ms()), "topic": "channelStatus", "event": "currentStatus",
                "channel": items}

    def recording_item(self, item: ChannelRecording) -> dict[str, Any]:
        out: dict[str, Any] = {"chid": item.chid, "streaming": item.streaming, "recording": item.recording}
        if item.failure_ms is not None:
            out["timestampRecordingFailure"] = self.time(item.failure_ms)
        return out

    def current_recording_status(self) -> dict[str, Any]:
        live = self.services.live
        items = []
        for c in self.watched_channels():
            state = live.recording_status(c.chid)
            items.append(self.recording_item(ChannelRecording(c.chid, bool(state.get("streaming")),
                                                              bool(state.get("recording")), state.get("failure_ms"))))
        return {"timestamp": self.time(now_ms()), "topic": "recordingStatus", "event": "currentStatus",
                "channel": items}

    def current_motion(self) -> dict[str, Any]:
        motion = self.services.live.motion()
        return {"topic": "motionChanges",
                "updated": [{"chid": c.chid, "motion": motion.get(c.chid, False)} for c in self.watched_channels()]}

    def current_parking_count(self) -> dict[str, Any]:
        lots = self.services.settings.parking_lot
        items = parking_lot_items(lots, parking.counts(self.services.db), self.view.ch)
        return {"timestamp": self.time(now_ms()), "topic": "parkingCount", "updated": items}

    # -- events ---------------------------------------------------------------------------------

    def message(self, event: Event) -> str | None:
        """The event as the text of one WebSocket message for this view, or None (nothing to send).
        The bus calls it once per event for all the subscribers of an equal view."""
        rendered = self.render(event)
        return None if rendered is None else dumps(rendered)

    def render(self, event: Event) -> dict[str, Any] | None:
        """The message for this subscriber, or None when its filters leave nothing to send."""
        match event:
            case ChannelStatusEvent():
                return self.render_channel_status(event)
            case RecordingStatusEvent():
                return self.render_recording_status(event)
            case MotionChangesEvent():
                return self.render_motion_changes(event)
            case ParkingCountEvent():
                return self.render_parking_count(event)
            case LprEvent():
                return self.render_lpr(event)
            case EmergencyCallEvent():
                return self.render_emergency_call(event)
            case ObjectEvent():
                return self.render_object(event)
            case SystemEvent():
                return self.render_system_event(event)
        return None  # an internal topic: no subscriber asks for it

    def render_channel_status(self, event: ChannelStatusEvent) -> dict[str, Any] | None:
        chids = (event.chid,) if event.swapped_with is None else (event.chid, event.swapped_with)
        if not self.wants(*chids):
            return None
        message: dict[str, Any] = {"timestamp": self.time(event.ts_ms or now_ms()), "topic": "channelStatus",
                                   "event": event.event, "chid": event.chid if len(chids) == 1 else list(chids)}
        if event.event == ChannelEvent.NAME_CHANGED:
            message["name"] = event.name or ""
            message["displayName"] = display_name(event.chid, message["name"])
        if event.status is not None:
            message["status"] = self.status(event.status)
        if event.event == ChannelEvent.VIDEO_STREAM_READY:
            message["src"] = self.live_sources(event.chid)
        if event.codec is not None:
            message["codec"] = event.codec
        if event.size is not None:
            message["size"] = list(event.size)
        return message

    def render_recording_status(self, event: RecordingStatusEvent) -> dict[str, Any] | None:
        items = [self.recording_item(item) for item in event.channel if self.wants(item.chid)]
        if not items:
            return None
        return {"timestamp": self.time(event.ts_ms or now_ms()), "topic": "recordingStatus",
                "event": "statusChanged", "channel": items}

    def render_motion_changes(self, event: MotionChangesEvent) -> dict[str, Any] | None:
        items = [{"chid": item.chid, "motion": item.motion} for item in event.updated if self.wants(item.chid)]
        return {"topic": "motionChanges", "updated": items} if items else None

    def render_parking_count(self, event: ParkingCountEvent) -> dict[str, Any] | None:
        lots = self.services.settings.parking_lot
        changed = set(event.changed)
        touched = {lot.id for lot in lots if lot.id in changed or (lot.type == "group" and changed & set(lot.members))}
        if self.view.ch is not None:
            touched &= self.view.ch
        if not touched:
            return None
        return {"timestamp": self.time(event.ts_ms), "topic": "parkingCount",
                "updated": parking_lot_items(lots, event.counts, touched)}

    def render_lpr(self, event: LprEvent) -> dict[str, Any]:
        ts = event.ts_ms
        message: dict[str, Any] = {"timestamp": self.time(ts)}
        if event.chid is not None:
            message["chid"] = self.channel_ref(event.chid, ts)
        message["deviceCode"] = event.device_code
        message["deviceName"] = event.device_name or event.device_code
        message["linkedChannel"] = [self.channel_ref(c, ts) for c in event.linked]
        if event.image:
            message["image"] = storage_url(self.view.base, event.image)
        message["plateNo"] = event.plate_no
        if event.score is not None:
            message["score"] = number(event.score)
        if event.roi:
            x, y, w, h = event.roi
            message["roi"] = {"offset": [x, y], "size": [w, h]}
        message["timeBegin"] = self.time(event.begin_ms or ts)
        message["topic"] = "LPR"
        lots = parking_lot_ref(event.parking_entrance, event.parking_exit)
        if lots:
            message["parkingLot"] = lots
        if event.direction:
            message["direction"] = event.direction
        return message

    def render_emergency_call(self, event: EmergencyCallEvent) -> dict[str, Any]:
        linked = []
        for chid in event.linked:
            item = self.channel_ref(chid, None)  # live video: a call is happening now
            if self.view.verbose:
                item["streams"] = [{k: s[k] for k in STREAM_KEYS if k in s} for s in self.live_sources(chid)]
            linked.append(item)
        return {
            "timestamp": self.time(event.ts_ms),
            "caller": event.caller,
            "device": event.device,
            "event": event.event,
            "linkedChannel": linked,
            "name": event.name or event.caller,
            "topic": "emergencyCall",
        }

    def render_object(self, event: ObjectEvent) -> dict[str, Any] | None:
        if not self.wants(event.chid):
            return None
        if self.view.object_types is not None and event.kind not in self.view.object_types:
            return None
        message: dict[str, Any] = {"timestamp": self.time(event.ts_ms), "chid": event.chid, "objId": event.obj_id}
        if event.parent_id is not None:
            message["parentId"] = event.parent_id
        message["type"] = event.kind
        message["likelihood"] = number(event.likelihood)
        message["attributes"] = dict(event.attributes)
        if event.image:
            message["image"] = storage_url(self.view.base, event.image)
        message["topic"] = "object"
        return message

    def render_system_event(self, event: SystemEvent) -> dict[str, Any]:
        # the item /api/find?what=eventLog lists, led by the topic
        return {"topic": "systemEvent", **event_json(event.entry, self.view.lang, self.services.tz)}
