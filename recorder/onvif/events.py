"""A camera's own motion and tamper events, by ONVIF pull-point (the events service), on
onvif-zeep-async: CreatePullPointSubscription, then PullMessages as a long poll, Renew before the
subscription's termination time, Unsubscribe when done.

    async with PullPoint.open("onvif://192.168.0.20:80", "admin", "secret") as pull_point:
        for event in await pull_point.pull():    # waits up to `wait` seconds for messages
            ...                                  # CameraEvent("motion", True, ...)

    await watch("onvif://...", "admin", "secret", on_event, on_lost)   # runs until cancelled

`watch` subscribes again (a new subscription, with back-off) whenever the camera goes away or its
subscription is lost; every call is bounded by `timeout` (the long poll by its wait plus `timeout`).

Topics read (ONVIF core spec, topic namespace tns1; prefixes ignored):
- motion: RuleEngine/CellMotionDetector/Motion (data IsMotion), VideoSource/MotionAlarm (State);
- tamper: VideoSource/GlobalSceneChange/* and VideoSource/ImageTooBlurry|ImageTooDark|ImageTooBright/*
  (State), RuleEngine/TamperDetector/Tamper (IsTamper).
Other topics are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

from recorder.backoff import Backoff
from recorder.onvif.address import device_endpoint
from recorder.onvif.errors import DeviceError, NotSupported
from recorder.onvif.faults import device_error
from recorder.onvif.library import SERVICES, ONVIFCamera, ONVIFService, connect_camera

log = logging.getLogger("tsnvr.onvif.events")

TERMINATION = dt.timedelta(seconds=60)  # asked of the camera; renewed at RENEW_SHARE of what it grants
RENEW_SHARE = 0.5
PULL_WAIT_S = 10.0  # a PullMessages waits this long for a message
MESSAGE_LIMIT = 32
RETRY_MIN_S, RETRY_MAX_S = 1.0, 30.0
UNSUBSCRIBE_TIMEOUT_S = 2.0  # a courtesy (the subscription ends by itself): never holds up a shutdown long

Kind = Literal["motion", "tamper"]
MOTION_TOPICS: dict[tuple[str, ...], str] = {
    ("RuleEngine", "CellMotionDetector", "Motion"): "IsMotion",
    ("VideoSource", "MotionAlarm"): "State",
}
TAMPER_PARENTS = frozenset({"GlobalSceneChange", "ImageTooBlurry", "ImageTooDark", "ImageTooBright"})


@dataclass(frozen=True)
class CameraEvent:
    kind: Kind
    active: bool
    topic: str            # as the camera wrote it (tns1:RuleEngine/CellMotionDetector/Motion)
    initial: bool = False  # PropertyOperation "Initialized": the state when subscribing, not a change


def topic_path(topic: str) -> tuple[str, ...]:
    """("RuleEngine", "CellMotionDetector", "Motion") of "tns1:RuleEngine/CellMotionDetector/Motion"."""
    return tuple(part.rpartition(":")[2] for part in topic.strip().split("/") if part and part != ".")


def classify(topic: str) -> tuple[Kind, str] | None:
    """The kind of a topic and the data item that carries its state; None for other topics."""
    path = topic_path(topic)
    if path in MOTION_TOPICS:
        return "motion", MOTION_TOPICS[path]
    if len(path) >= 2 and path[0] == "VideoSource" and path[1] in TAMPER_PARENTS:
        return "tamper", "State"
    if path == ("RuleEngine", "TamperDetector", "Tamper"):
        return "tamper", "IsTamper"
    return None


def _items(message: Any, part: str) -> dict[str, str]:
    """{Name: Value} of the SimpleItems of a tt:Message's Source or Data (zeep object or lxml element)."""
    if hasattr(message, "tag"):  # an element zeep did not read
        return {str(item.get("Name")): str(item.get("Value"))
                for item in message.iter() if str(item.tag).endswith("SimpleItem")
                and str(item.getparent().tag).endswith(part)}
    holder = getattr(message, part, None)
    return {str(item.Name): str(item.Value) for item in getattr(holder, "SimpleItem", None) or []}


def read_notification(notification: Any) -> CameraEvent | None:
    """The CameraEvent of one wsnt:NotificationMessage, or None (another topic, no state in it)."""
    topic_holder = getattr(notification, "Topic", None)
    topic = str(getattr(topic_holder, "_value_1", "") or "")
    found = classify(topic)
    message_holder = getattr(notification, "Message", None)
    message = getattr(message_holder, "_value_1", None)
    if found is None or message is None:
        return None
    kind, item = found
    value = _items(message, "Data").get(item)
    if value is None:
        return None
    operation = message.get("PropertyOperation") if hasattr(message, "tag") else message.PropertyOperation
    return CameraEvent(kind, value.strip().lower() in ("true", "1"), topic, operation == "Initialized")


class PullPoint:
    """One pull-point subscription on its own connection to the camera (apart from the one control
    commands use, so a long poll never makes a command wait)."""

    def __init__(self, camera: ONVIFCamera, timeout: float, termination: dt.timedelta = TERMINATION) -> None:
        self._camera = camera
        self.timeout = timeout
        self.termination = termination
        self._pull: ONVIFService | None = None
        self._manager: ONVIFService | None = None
        self._renew_at = 0.0  # loop time

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, url: str, user: str | None, password: str | None, timeout: float = 5.0,
                   termination: dt.timedelta = TERMINATION) -> AsyncIterator[PullPoint]:
        """Connect and subscribe (for `termination`, renewed as it goes); NotReady when the camera
        cannot be reached, NotSupported when it has no events service. Unsubscribes and closes on the
        way out."""
        camera = connect_camera(device_endpoint(url), user, password)
        pull_point = cls(camera, timeout, termination)
        try:
            await pull_point._call(pull_point._subscribe())
            yield pull_point
        finally:
            await pull_point._close()

    async def pull(self, wait: float = PULL_WAIT_S) -> list[CameraEvent]:
        """The motion and tamper events the camera sends within `wait` seconds (renewing first when due)."""
        if asyncio.get_running_loop().time() >= self._renew_at:
            await self._call(self._renew())
        assert self._pull is not None
        answer = await self._call(
            self._pull.PullMessages({"MessageLimit": MESSAGE_LIMIT, "Timeout": dt.timedelta(seconds=wait)}),
            wait)
        found = (read_notification(n) for n in getattr(answer, "NotificationMessage", None) or [])
        return [event for event in found if event is not None]

    async def _subscribe(self) -> None:
        camera = self._camera
        await camera.update_xaddrs()
        if SERVICES["events"]["ns"] not in camera.xaddrs:
            raise NotSupported("the camera has no events service")
        # onvif-zeep-async's PullPointManager does the subscribing (the subscription's address, cameras
        # with broken relative times); its own renewal timer is not used: pull() renews in turn.
        manager = await camera.create_pullpoint_manager(self.termination, lambda: None)
        manager.pause()
        self._pull = manager.get_service()
        self._manager = await camera.create_subscription_service("PullPointSubscription")
        self._renew_at = asyncio.get_running_loop().time() + self.termination.total_seconds() * RENEW_SHARE

    async def _renew(self) -> None:
        assert self._manager is not None
        answer = await self._manager.Renew(self._camera.get_next_termination_time(self.termination))
        granted = self.termination
        current, termination = getattr(answer, "CurrentTime", None), getattr(answer, "TerminationTime", None)
        if isinstance(current, dt.datetime) and isinstance(termination, dt.datetime):
            with contextlib.suppress(TypeError):  # one with and one without a zone
                granted = min(termination - current, self.termination)
        self._renew_at = asyncio.get_running_loop().time() + max(granted.total_seconds() * RENEW_SHARE, 1.0)

    async def _call(self, call: Any, extra: float = 0.0) -> Any:
        try:
            async with asyncio.timeout(self.timeout + extra):
                return await call
        except DeviceError:
            raise
        except Exception as exc:
            raise device_error(exc) from exc

    async def _close(self) -> None:
        try:
            if self._manager is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(min(self.timeout, UNSUBSCRIBE_TIMEOUT_S)):
                        await self._manager.Unsubscribe()
        finally:
            with contextlib.suppress(Exception):
                await self._camera.close()


async def watch(url: str, user: str | None, password: str | None, on_event: Callable[[CameraEvent], None],
                on_lost: Callable[[str], None], timeout: float = 5.0, wait: float = PULL_WAIT_S,
                retry_min_s: float = RETRY_MIN_S, retry_max_s: float = RETRY_MAX_S) -> None:
    """Subscribe and hand every event to on_event, until cancelled; when the subscription cannot be
    made or is lost, on_lost(why) and subscribe again after a back-off."""
    backoff = Backoff(retry_min_s, retry_max_s)
    while True:
        try:
            async with PullPoint.open(url, user, password, timeout) as pull_point:
                backoff.reset()
                log.info("camera events subscribed", extra={"fields": {"url": url}})
                while True:
                    for event in await pull_point.pull(wait):
                        on_event(event)
        except Exception as exc:  # whatever went wrong, the channel's events are wanted again
            on_lost(str(exc))
            delay = backoff.next()
            fields = {"url": url, "error": str(exc), "retry_s": delay}
            if isinstance(exc, DeviceError):
                log.info("camera events not received", extra={"fields": fields})
            else:
                log.exception("camera events not read", extra={"fields": fields})
            await asyncio.sleep(delay)
