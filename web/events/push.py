"""POST /api/push: external devices send LPR and emergencyCall events (TS-API @0.4.0).

Who may push: any user with the Control right (and Remote, like every API user), signed in by
`auth=`, HTTP Basic or the session cookie.

The body is one JSON object or an array of them. The whole body is checked before anything is
stored: malformed JSON, a wrong type, an unknown topic, a missing field or a bad date answers 400
{"code", "message"} and stores nothing. Success answers 200 with an empty body.

LPR {"topic", "src", "plateNo", "when"?, "timeBegin"?}: one plate-log row (device code and name,
the device's linked channels, begin = timeBegin or when, end = when or now), one event-log row
(Device / Plate pushed), the device's parking lots counted (+1 entrance, -1 exit) and `LPR` (then
`parkingCount`) on the bus. emergencyCall {"topic", "src", "event", "device"?, "camera"?, "when"?}:
one event-log row (Emergency call / Call start|end) and `emergencyCall` on the bus; `camera`
("1,2,3,4") picks the channels to show, "" or none means the device's linked channels.
A device code that is not configured is accepted: its name is the code and it has no links.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage.clock import now_ms
from storage.eventlog import DeviceCode, EmergencyCallCode, EventType
from storage.events import EmergencyCallEvent
from storage.parking import counter_lots
from storage.plate_passing import Passing, record_passing
from web.core.auth import require
from web.core.context import Services
from web.core.errors import bad_request
from web.core.json_body import read_json
from web.core.numbers import channel_number
from web.core.timefmt import TimeFormatError, parse

log = logging.getLogger("tsnvr.web")

MAX_CODE_LENGTH = 64  # plate_log.src_code
MAX_PLATE_LENGTH = 32  # plate_log.plate_no
MAX_DEVICE_LENGTH = 128
CALL_EVENTS = {"callStart": EmergencyCallCode.CALL_START, "callEnd": EmergencyCallCode.CALL_END}


@dataclass(frozen=True)
class PlatePush:
    src: str
    plate_no: str
    when_ms: int
    begin_ms: int


@dataclass(frozen=True)
class CallPush:
    src: str
    event: str
    device: str
    camera: list[int]  # empty: the device's linked channels
    when_ms: int


Push = PlatePush | CallPush


class Item:
    """One pushed object, read field by field; every complaint names the item and the field."""

    def __init__(self, data: Any, label: str, services: Services, now: int) -> None:
        if not isinstance(data, dict):
            raise bad_request(f"{label}must be a JSON object")
        self.data = data
        self.label = label
        self.services = services
        self.now = now

    def fail(self, message: str) -> Exception:
        return bad_request(self.label + message)

    def optional(self, name: str, max_length: int) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{name} must be a string")
        value = value.strip()
        if len(value) > max_length:
            raise self.fail(f"{name} is longer than {max_length} characters")
        return value

    def required(self, name: str, max_length: int) -> str:
        value = self.optional(name, max_length)
        if value is None:
            raise self.fail(f"{name} is required")
        if not value:
            raise self.fail(f"{name} must not be empty")
        return value

    def time(self, name: str) -> int | None:
        value = self.optional(name, 64)
        if not value:
            return None
        try:
            return parse(value, self.services.tz).ms
        except TimeFormatError as exc:
            raise self.fail(f"{name}: {exc}") from None

    def channels(self, name: str) -> list[int]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            parts: list[Any] = [p.strip() for p in value.split(",") if p.strip()]
        elif isinstance(value, list):
            parts = value
        else:
            raise self.fail(f"{name} must be channel numbers separated by commas, e.g. \"1,2\"")
        chids: list[int] = []
        for part in parts:
            number = part if isinstance(part, int) and not isinstance(part, bool) else None
            if isinstance(part, str):
                number = channel_number(part)
            if number is None or number < 1:
                raise self.fail(f"{name}: {part!r} is not a channel number")
            if number not in chids:
                chids.append(number)
        return chids

    def read(self) -> Push:
        topic = self.required("topic", 32)
        if topic == "LPR":
            return self.read_plate()
        if topic == "emergencyCall":
            return self.read_call()
        raise self.fail(f"unsupported topic {topic!r}; the server accepts LPR and emergencyCall")

    def read_plate(self) -> PlatePush:
        src, plate_no = self.required("src", MAX_CODE_LENGTH), self.required("plateNo", MAX_PLATE_LENGTH)
        when, begin = self.time("when"), self.time("timeBegin")
        when = when if when is not None else self.now
        if begin is not None and begin > when:
            raise self.fail("timeBegin is after when")
        return PlatePush(src=src, plate_no=plate_no, when_ms=when, begin_ms=begin if begin is not None else when)

    def read_call(self) -> CallPush:
        src, event = self.required("src", MAX_CODE_LENGTH), self.required("event", 16)
        if event not in CALL_EVENTS:
            raise self.fail("event must be callStart or callEnd")
        device = self.optional("device", MAX_DEVICE_LENGTH) or ""
        camera, when = self.channels("camera"), self.time("when")
        return CallPush(src=src, event=event, device=device, camera=camera,
                        when_ms=when if when is not None else self.now)


def read_pushes(body: bytes, services: Services) -> list[Push]:
    """Every event of the body, or ApiError 400 before anything is stored."""
    if not body.strip():
        raise bad_request("the body is empty; send a JSON object or an array of them")
    data = read_json(body)
    now = now_ms()
    if isinstance(data, list):
        if not data:
            raise bad_request("the body is an empty array; there is nothing to push")
        return [Item(item, f"item {i}: ", services, now).read() for i, item in enumerate(data, 1)]
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object or an array of them")
    return [Item(data, "", services, now).read()]


def store_plate(services: Services, push: PlatePush) -> None:
    device = services.settings.lpr_device_by_code(push.src)
    lots = counter_lots(services.settings.parking_lot)
    entrance = device.parking_entrance if device else None
    exit_lot = device.parking_exit if device else None
    # a reader counting into one lot only tells the direction; one between two lots does not
    direction = {(True, False): "entry", (False, True): "exit"}.get((entrance in lots, exit_lot in lots))
    passing = Passing(push.plate_no, push.begin_ms, push.when_ms, push.src, device.display_name if device else push.src,
                      list(device.linked_channels) if device else [], entrance, exit_lot, direction)
    row = record_passing(services.db, services.settings.parking_lot, services.bus.publish, passing)
    services.eventlog.record(EventType.DEVICE, DeviceCode.PLATE_PUSHED,
                             {"src": push.src, "plateNo": push.plate_no, "plateLogId": row.id},
                             comment=f"{push.plate_no}: {passing.src_name}", ts_ms=push.when_ms)


def store_call(services: Services, push: CallPush) -> None:
    device = services.settings.emergency_device_by_code(push.src)
    name = (device.name or device.code) if device else push.src
    linked = push.camera or (list(device.linked_channels) if device else [])
    services.eventlog.record(EventType.EMERGENCY_CALL, CALL_EVENTS[push.event],
                             {"caller": push.src, "name": name, "device": push.device, "linkedChannel": linked},
                             comment=f"{name} ({push.src})" if name != push.src else push.src, ts_ms=push.when_ms)
    services.bus.publish(EmergencyCallEvent(ts_ms=push.when_ms, event=push.event, caller=push.src, name=name,
                                            device=push.device, linked=tuple(linked)))


def authorize_and_store(request: Request, body: bytes) -> None:
    require(request, "Control")
    services: Services = request.app.state.services
    for push in read_pushes(body, services):
        if isinstance(push, PlatePush):
            store_plate(services, push)
        else:
            store_call(services, push)


async def push_endpoint(request: Request) -> Response:
    # The body is read before anything else so that an oversized one always meets Starlette's
    # limit here (HTTPException 413, rendered as JSON) rather than after a response has started.
    body = await request.body()
    await run_in_threadpool(authorize_and_store, request, body)
    return Response(status_code=200)


routes = [Route("/api/push", push_endpoint, methods=["POST"])]
