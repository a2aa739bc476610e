"""Domain events from the bus, rendered as TS-API JSON for one WebSocket subscriber.

Every event on the bus is a plain dict of domain data: times are epoch milliseconds ("ts_ms"),
files are paths relative to the data directory, channels are numbers. The renderer adds what
depends on the subscriber: absolute URLs (from the Host it connected to), language, verbosity,
the `ch` and `objectType` filters, and the server's time zone.

The shapes, per topic (a key marked ? may be missing or None):

LPR (published by POST /api/push; the LPR worker publishes the same shape)
    {"ts_ms": int,              when the plate was read ("timestamp")
     "begin_ms": int?,          first read of the same car ("timeBegin"; default ts_ms)
     "plate_no": str,
     "plate_id": int?,          plate-log row id
     "device_code": str,        "deviceCode"
     "device_name": str,        "deviceName"
     "chid": int?,              channel the plate was read on (None for pushed plates)
     "linked": [int],           linked channels
     "score": float?,           0..100
     "roi": [x, y, w, h]?,      plate rectangle in the image
     "image": str?,             still image, relative path
     "parking_entrance": int?,  lot the device counts cars into
     "parking_exit": int?,      lot the device counts cars out of
     "direction": "entry" | "exit" ?}

emergencyCall
    {"ts_ms": int, "event": "callStart" | "callEnd",
     "caller": str,             device location code ("caller")
     "name": str,               location name ("name")
     "device": str,             device model ("device")
     "linked": [int]}           channels to show

parkingCount
    {"ts_ms": int,
     "changed": [int],          counter lots whose count moved
     "counts": {lot id: count}} every stored counter after the move
    Rendered as "updated": the changed lots and the groups that hold them, names and capacities
    from the settings at the time of rendering.

object
    {"ts_ms": int, "chid": int, "obj_id": int, "parent_id": int?,
     "type": "face" | "human" | "vehicle", "likelihood": float (0..100),
     "attributes": {...},       as the guide writes them (gender, age, hat, clothes, colors, ...)
     "image": str?}             relative path

channelStatus, recordingStatus, motionChanges: the shapes tsnvr/live.py keeps state from, e.g.
    {"event": "statusChanged", "chid": 1, "status": {"code": 200}, "ts_ms"?: int}
    {"event": "nameChanged", "chid": 1, "name": "Gate"}   (likewise channelAdded, channelRemoved,
        videoSrcModified, videoStreamReady, videoStreamChanged; channelSwapped has "chid": [1, 2])
    {"event": "statusChanged", "channel": [{"chid", "streaming", "recording", "failure_ms"?}]}
    {"updated": [{"chid": 1, "motion": true}]}

systemEvent
    {"entry": EventLogEntry}    a committed event-log row of type 0 (System log)

packing has no producer; an event on it is passed through with "topic" (and "timestamp").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage import parking
from storage.channels import all_channels
from storage.clock import now_ms
from storage.models import Channel
from web.core import i18n
from web.core.channel_view import caps, display_name, stream_sources, summary
from web.core.context import Services
from web.core.device_view import parking_lot_items, parking_lot_ref
from web.core.timefmt import format_ms
from web.core.urls import storage_url, watch_url
from web.find.eventlog import event_json

# The real-time event topics, in the guide's order (/api/enum?what=realtimeEvent lists them).
TOPICS = ("channelStatus", "emergencyCall", "LPR", "systemEvent", "motionChanges", "recordingStatus",
          "parkingCount", "packing", "object")
OBJECT_TYPES = ("face", "human", "vehicle")
STREAM_KEYS = ("src", "type", "label", "size")  # what emergencyCall "streams" items carry


@dataclass(frozen=True)
class View:
    """How one subscriber asked to see events."""

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
        self.renderers: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {
            "channelStatus": self.render_channel_status,
            "recordingStatus": self.render_recording_status,
            "motionChanges": self.render_motion_changes,
            "parkingCount": self.render_parking_count,
            "LPR": self.render_lpr,
            "emergencyCall": self.render_emergency_call,
            "object": self.render_object,
            "systemEvent": self.render_system_event,
        }

    # -- shared pieces --------------------------------------------------------------------------

    def time(self, ms: int) -> str:
        return format_ms(ms, self.services.tz)

    def wants(self, chid: Any) -> bool:
        if self.view.ch is None:
            return True
        if isinstance(chid, list):
            return any(c in self.view.ch for c in chid)
        return chid in self.view.ch

    def channels(self) -> dict[int, Channel]:
        return {c.chid: c for c in all_channels(self.services.db)}

    def status(self, code: int) -> dict[str, Any]:
        status: dict[str, Any] = {"code": code}
        if self.view.verbose:
            status["message"] = i18n.text(self.view.lang, f"status.{code}")
        return status

    def channel_ref(self, chid: int, channels: dict[int, Channel], when_ms: int | None) -> dict[str, Any]:
        """{"chid", "title", "displayName", "src"}: the watch page live, or at `when_ms`."""
        title = channels[chid].name if chid in channels else ""
        return {
            "chid": chid,
            "title": title,
            "displayName": display_name(chid, title),
            "src": watch_url(self.view.base, chid, when_ms, self.services.tz),
        }

    # -- the first message of stateful topics ---------------------------------------------------

    def current_state(self, topic: str) -> dict[str, Any] | None:
        """What a new subscriber is told first: channelStatus, recordingStatus, motionChanges and
        parkingCount start with the current state; the other topics only with later events."""
        if topic == "channelStatus":
            return self.current_channel_status()
        if topic == "recordingStatus":
            return self.current_recording_status()
        if topic == "motionChanges":
            return self.current_motion()
        if topic == "parkingCount":
            return self.current_parking_count()
        return None

    def watched_channels(self) -> list[Channel]:
        return [c for c in all_channels(self.services.db) if self.wants(c.chid)]

    def current_channel_status(self) -> dict[str, Any]:
        live = self.services.live
        items = [
            {**summary(c), "status": self.status(live.channel_status(c.chid)), "caps": caps(c),
             "src": stream_sources(c, self.view.base, live.video_size(c.chid))}
            for c in self.watched_channels()
        ]
        return {"timestamp": self.time(now_ms()), "topic": "channelStatus", "event": "currentStatus",
                "channel": items}

    def recording_item(self, chid: int, state: dict[str, Any]) -> dict[str, Any]:
        item = {"chid": chid, "streaming": bool(state.get("streaming")), "recording": bool(state.get("recording"))}
        if state.get("failure_ms") is not None:
            item["timestampRecordingFailure"] = self.time(int(state["failure_ms"]))
        return item

    def current_recording_status(self) -> dict[str, Any]:
        live = self.services.live
        items = [self.recording_item(c.chid, live.recording_status(c.chid)) for c in self.watched_channels()]
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

    def render(self, topic: str, event: dict[str, Any]) -> dict[str, Any] | None:
        """The message for this subscriber, or None when its filters leave nothing to send."""
        render = self.renderers.get(topic)
        return render(event) if render is not None else self.render_other(topic, event)

    def render_other(self, topic: str, event: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"timestamp": self.time(event["ts_ms"])} if "ts_ms" in event else {}
        message["topic"] = topic
        message.update((k, v) for k, v in event.items() if k != "ts_ms")
        return message

    def render_channel_status(self, event: dict[str, Any]) -> dict[str, Any] | None:
        chid = event.get("chid")
        if not self.wants(chid):
            return None
        name = event.get("event")
        message: dict[str, Any] = {"timestamp": self.time(event.get("ts_ms") or now_ms()),
                                   "topic": "channelStatus", "event": name, "chid": chid}
        if name == "nameChanged":
            message["name"] = event.get("name", "")
            message["displayName"] = display_name(chid, message["name"])
        if "status" in event:
            message["status"] = self.status(int(event["status"]["code"]))
        if name == "videoStreamReady":
            channel = self.channels().get(chid)
            message["src"] = (stream_sources(channel, self.view.base, self.services.live.video_size(chid))
                              if channel else [])
        message.update((k, v) for k, v in event.items() if k not in message and k != "ts_ms")
        return message

    def render_recording_status(self, event: dict[str, Any]) -> dict[str, Any] | None:
        items = [self.recording_item(item["chid"], item) for item in event.get("channel", [])
                 if self.wants(item["chid"])]
        if not items:
            return None
        return {"timestamp": self.time(event.get("ts_ms") or now_ms()), "topic": "recordingStatus",
                "event": event.get("event", "statusChanged"), "channel": items}

    def render_motion_changes(self, event: dict[str, Any]) -> dict[str, Any] | None:
        items = [{"chid": item["chid"], "motion": bool(item["motion"])} for item in event.get("updated", [])
                 if self.wants(item["chid"])]
        return {"topic": "motionChanges", "updated": items} if items else None

    def render_parking_count(self, event: dict[str, Any]) -> dict[str, Any] | None:
        lots = self.services.settings.parking_lot
        changed = set(event.get("changed", []))
        touched = {lot.id for lot in lots if lot.id in changed or (lot.type == "group" and changed & set(lot.members))}
        if self.view.ch is not None:
            touched &= self.view.ch
        if not touched:
            return None
        return {"timestamp": self.time(event["ts_ms"]), "topic": "parkingCount",
                "updated": parking_lot_items(lots, event.get("counts", {}), touched)}

    def render_lpr(self, event: dict[str, Any]) -> dict[str, Any]:
        ts = event["ts_ms"]
        channels = self.channels()
        message: dict[str, Any] = {"timestamp": self.time(ts)}
        if event.get("chid") is not None:
            message["chid"] = self.channel_ref(event["chid"], channels, ts)
        message["deviceCode"] = event.get("device_code", "")
        message["deviceName"] = event.get("device_name") or event.get("device_code", "")
        message["linkedChannel"] = [self.channel_ref(c, channels, ts) for c in event.get("linked", [])]
        if event.get("image"):
            message["image"] = storage_url(self.view.base, event["image"])
        message["plateNo"] = event["plate_no"]
        if event.get("score") is not None:
            message["score"] = number(event["score"])
        if event.get("roi"):
            x, y, w, h = event["roi"]
            message["roi"] = {"offset": [x, y], "size": [w, h]}
        message["timeBegin"] = self.time(event.get("begin_ms") or ts)
        message["topic"] = "LPR"
        lots = parking_lot_ref(event.get("parking_entrance"), event.get("parking_exit"))
        if lots:
            message["parkingLot"] = lots
        if event.get("direction"):
            message["direction"] = event["direction"]
        return message

    def render_emergency_call(self, event: dict[str, Any]) -> dict[str, Any]:
        channels = self.channels()
        linked = []
        for chid in event.get("linked", []):
            item = self.channel_ref(chid, channels, None)  # live video: a call is happening now
            if self.view.verbose:
                sources = (stream_sources(channels[chid], self.view.base, self.services.live.video_size(chid))
                           if chid in channels else [])
                item["streams"] = [{k: s[k] for k in STREAM_KEYS if k in s} for s in sources]
            linked.append(item)
        return {
            "timestamp": self.time(event["ts_ms"]),
            "caller": event.get("caller", ""),
            "device": event.get("device", ""),
            "event": event["event"],
            "linkedChannel": linked,
            "name": event.get("name") or event.get("caller", ""),
            "topic": "emergencyCall",
        }

    def render_object(self, event: dict[str, Any]) -> dict[str, Any] | None:
        if not self.wants(event.get("chid")):
            return None
        if self.view.object_types is not None and event.get("type") not in self.view.object_types:
            return None
        message: dict[str, Any] = {"timestamp": self.time(event["ts_ms"]), "chid": event["chid"],
                                   "objId": event["obj_id"]}
        if event.get("parent_id") is not None:
            message["parentId"] = event["parent_id"]
        message["type"] = event["type"]
        message["likelihood"] = number(event.get("likelihood", 0.0))
        message["attributes"] = event.get("attributes") or {}
        if event.get("image"):
            message["image"] = storage_url(self.view.base, event["image"])
        message["topic"] = "object"
        return message

    def render_system_event(self, event: dict[str, Any]) -> dict[str, Any]:
        # the item /api/find?what=eventLog lists, led by the topic
        return {"topic": "systemEvent", **event_json(event["entry"], self.view.lang, self.services.tz)}
