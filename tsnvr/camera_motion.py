"""Motion from the cameras themselves: one ONVIF pull-point subscription per ONVIF channel
(recorder.onvif.events), joined with the motion the LPR worker decodes into one `motionChanges`.

`motion_source` chooses: `camera` (the camera's motion events), `decoded` (the worker's) or `both`
(motion while either says so). Decoded changes are published as the worker gives them (once a
second); camera changes on the guide's one-second cycle, a motion that began and ended within one
cycle still shown for one. A camera whose subscription is lost counts as not moving until it is
subscribed again. Tamper events have no topic in the guide: each start is written to the event log
(channel event, code 6, "Camera tamper detected").

The channels to watch are read from the database every few seconds, and at once when a channel is
added or removed (channelStatus on the bus) or motion_source changes (`decoded`: no subscriptions).
The subscriptions run on the server's event loop; the bus and the worker may call in from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from recorder.onvif.events import CameraEvent, watch
from storage.channels import all_channels
from storage.db import Database
from storage.eventlog import ChannelCode, EventLog, EventType
from storage.events import (
    ChannelEvent,
    ChannelMotion,
    ChannelStatusEvent,
    Event,
    MotionChangesEvent,
    Publish,
    SettingsChangedEvent,
)
from storage.models import Channel
from storage.settings import Settings

log = logging.getLogger("tsnvr.camera_motion")

CYCLE_S = 1.0  # the guide's motionChanges cycle
SYNC_S = 5.0  # the channel list is read again this often
CAMERA_TIMEOUT_S = 5.0

Address = tuple[str, str, str]  # device URL, user, password


def onvif_address(channel: Channel) -> Address | None:
    if channel.type != "onvif" or not channel.device_url:
        return None
    return channel.device_url, channel.uid or "", channel.password or ""


class MotionJoin:
    """Each channel's decoded and camera motion, and what was last published of their join."""

    def __init__(self, publish: Publish, source: Callable[[], str]) -> None:
        self.publish = publish
        self.source = source
        self._decoded: dict[int, bool] = {}
        self._camera: dict[int, bool] = {}
        self._camera_began: set[int] = set()  # moved at some time since the last cycle
        self._published: dict[int, bool] = {}
        self._lock = threading.Lock()

    def decoded(self, updated: tuple[ChannelMotion, ...]) -> None:
        with self._lock:
            for item in updated:
                self._decoded[item.chid] = item.motion
            changed = self._changes({item.chid for item in updated})
        self._send(changed)

    def camera(self, chid: int, moving: bool) -> None:
        with self._lock:
            self._camera[chid] = moving
            if moving:
                self._camera_began.add(chid)

    def cycle(self) -> None:
        """Publish the channels whose joined motion changed (once a second)."""
        with self._lock:
            changed = self._changes(set(self._decoded) | set(self._camera) | set(self._published))
            self._camera_began.clear()
        self._send(changed)

    def forget(self, chid: int) -> None:
        """A channel removed: nothing more is published about it."""
        with self._lock:
            for states in (self._decoded, self._camera, self._published):
                states.pop(chid, None)
            self._camera_began.discard(chid)

    def _moving(self, chid: int, source: str) -> bool:
        decoded = self._decoded.get(chid, False)
        camera = self._camera.get(chid, False) or chid in self._camera_began
        return decoded if source == "decoded" else camera if source == "camera" else decoded or camera

    def _changes(self, chids: set[int]) -> list[ChannelMotion]:
        source = self.source()
        changed = []
        for chid in sorted(chids):
            moving = self._moving(chid, source)
            if moving != self._published.get(chid, False):
                self._published[chid] = moving
                changed.append(ChannelMotion(chid, moving))
        return changed

    def _send(self, changed: list[ChannelMotion]) -> None:
        if changed:
            self.publish(MotionChangesEvent(tuple(changed)))


class CameraMotion:
    def __init__(self, db: Database, publish: Publish, eventlog: EventLog, settings: Callable[[], Settings],
                 timeout: float = CAMERA_TIMEOUT_S) -> None:
        self.db = db
        self.publish = publish
        self.eventlog = eventlog
        self.settings = settings
        self.timeout = timeout
        self.join = MotionJoin(publish, lambda: str(self.settings().motion_source))
        self._watches: dict[int, tuple[Address, asyncio.Task[None]]] = {}
        self._tampered: dict[int, set[str]] = {}  # the tamper topics active on each channel
        self._writes: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self.synced = False  # the channel list has been read once

    def publish_decoded(self, event: Event) -> None:
        """What the LPR worker is given to publish with: its motion joins the cameras'; the rest passes."""
        if isinstance(event, MotionChangesEvent):
            self.join.decoded(event.updated)
        else:
            self.publish(event)

    @property
    def watched(self) -> set[int]:
        """The channels whose cameras are subscribed to (or being subscribed to again)."""
        return set(self._watches)

    def __call__(self, event: Event) -> None:
        """Bus listener (any thread): a channel added or removed, or motion_source changed, is acted on now."""
        if isinstance(event, SettingsChangedEvent):
            if "motion_source" not in event.keys:
                return
        elif not isinstance(event, ChannelStatusEvent) or event.event not in (ChannelEvent.CHANNEL_ADDED,
                                                                               ChannelEvent.CHANNEL_REMOVED):
            return
        elif event.event == ChannelEvent.CHANNEL_REMOVED:
            self.join.forget(event.chid)
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(wake.set)

    async def run(self) -> None:
        """Until cancelled: keep one subscription per ONVIF channel and publish the motion cycle."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        loop = self._loop
        next_sync = next_cycle = loop.time()
        try:
            while True:
                if loop.time() >= next_sync or self._wake.is_set():
                    self._wake.clear()
                    try:
                        await self._sync()
                    except Exception:  # a database hiccup must not end the watch
                        log.exception("channel list not read")
                    next_sync = loop.time() + SYNC_S
                if loop.time() >= next_cycle:
                    self.join.cycle()
                    next_cycle = loop.time() + CYCLE_S
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, min(next_sync, next_cycle) - loop.time())):
                        await self._wake.wait()
        finally:
            tasks = [task for _, task in self._watches.values()] + list(self._writes)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)  # each unsubscribes, bounded by its timeout
            self._watches.clear()

    async def _sync(self) -> None:
        channels = await asyncio.to_thread(all_channels, self.db)
        wanted: dict[int, Address] = {}
        if self.settings().motion_source != "decoded":
            wanted = {c.chid: a for c in channels if (a := onvif_address(c)) is not None}
        existing = {c.chid for c in channels}
        for chid, (address, task) in list(self._watches.items()):
            if wanted.get(chid) != address:
                del self._watches[chid]
                task.cancel()
                # wait() rather than `await task` under suppress(CancelledError), which would also
                # swallow a cancellation of run() itself (the server stopping) and keep it running
                await asyncio.wait({task})
                if chid in existing:
                    self.join.camera(chid, False)
                else:
                    self.join.forget(chid)
                    self._tampered.pop(chid, None)
        for chid, address in wanted.items():
            if chid not in self._watches:
                self._watches[chid] = (address, asyncio.create_task(self._watch(chid, address)))
        self.synced = True

    async def _watch(self, chid: int, address: Address) -> None:
        url, user, password = address

        def lost(why: str) -> None:
            self.join.camera(chid, False)

        await watch(url, user or None, password or None, lambda event: self._on_event(chid, event), lost,
                    timeout=self.timeout)

    def _on_event(self, chid: int, event: CameraEvent) -> None:
        if event.kind == "motion":
            self.join.camera(chid, event.active)
            return
        active = self._tampered.setdefault(chid, set())
        if event.active and event.topic not in active:
            active.add(event.topic)
            task = asyncio.create_task(asyncio.to_thread(self._log_tamper, chid, event.topic))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)
        elif not event.active:
            active.discard(event.topic)

    def _log_tamper(self, chid: int, topic: str) -> None:
        self.eventlog.record(EventType.CHANNEL, ChannelCode.TAMPER, {"chid": chid, "topic": topic}, chid=chid,
                             comment=f"Camera tamper: {topic}")
