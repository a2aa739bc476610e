"""The ONVIF cameras behind the channels: one connected recorder.onvif OnvifCamera per ONVIF channel,
with what was read from it (caps, device information, presets) kept for the answers that must not
wait for a camera (/api/enum?what=channel&caps, channelStatus, /api/channel/preset?list).

A camera is connected at start (warm_up), when its channel is added, when a request needs it and
it is not connected, and again after a command found it gone (NotReady); what fails is left for the
next request to retry. A channel's entry is dropped, and its connection closed, when the channel is
removed or added again (its address or credentials may have changed), and when its stored address
or credentials no longer match the entry's. The registry lives on the web server's event loop; the
bus may tell it about channels from any thread.

Commands are sent as they come: the camera client answers Busy (-4) at once to a command sent while
another to the same camera waits for its answer, so nothing queues behind a slow camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from recorder.onvif.camera import Caps, DeviceInfo, OnvifCamera, Preset
from recorder.onvif.errors import Busy, DeviceError, NotReady, NotSupported
from storage import preset_names
from storage.channels import all_channels, get_channel
from storage.db import Database
from storage.events import ChannelEvent, ChannelStatusEvent, Event
from storage.models import Channel

log = logging.getLogger("tsnvr.cameras")

CAMERA_TIMEOUT_S = 5.0  # each call to a camera: connect, read, command (recorder.onvif bounds it)
Result = TypeVar("Result")
Connect = Callable[[str, str | None, str | None, float], Awaitable[OnvifCamera]]


def is_onvif(channel: Channel) -> bool:
    return channel.type == "onvif" and bool(channel.device_url)


def address_of(channel: Channel) -> tuple[str, str, str]:
    return channel.device_url or "", channel.uid or "", channel.password or ""


@dataclass
class CameraEntry:
    """One ONVIF channel's camera: its connection (None until connected) and what was read from it."""

    address: tuple[str, str, str]  # device URL, user, password the connection was made with
    camera: OnvifCamera | None = None
    caps: Caps | None = None
    info: DeviceInfo | None = None
    presets: list[Preset] | None = None
    preset_names: dict[str, str] = field(default_factory=dict)  # the registry's, kept across reconnections
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one connect at a time

    def named(self, presets: list[Preset]) -> list[Preset]:
        return [Preset(p.token, self.preset_names.get(p.token, p.name)) for p in presets]

    def keep_preset(self, token: str, name: str) -> None:
        self.preset_names[token] = name
        presets = [p for p in self.presets or [] if p.token != token]
        self.presets = [*presets, Preset(token, name)]

    def forget_preset(self, token: str) -> None:
        self.preset_names.pop(token, None)
        self.presets = [p for p in self.presets or [] if p.token != token]


async def connect_onvif(url: str, user: str | None, password: str | None, timeout: float) -> OnvifCamera:
    return await OnvifCamera.connect(url, user, password, timeout=timeout)


class CameraRegistry:
    def __init__(self, connect: Connect = connect_onvif, timeout: float = CAMERA_TIMEOUT_S) -> None:
        self._connect = connect
        self.timeout = timeout
        self._entries: dict[int, CameraEntry] = {}
        self._preset_names: dict[int, dict[str, str]] = {}  # names given through the API, by channel and token
        self._loop: asyncio.AbstractEventLoop | None = None
        self._db: Database | None = None  # set by warm_up: channels added later are read from it
        self._closing: set[asyncio.Task[None]] = set()  # connections being closed
        self._reading: set[asyncio.Task[None]] = set()  # cameras of channels just added, being read

    # -- what is known without asking the camera ---------------------------------------------------

    def cached_caps(self, chid: int) -> Caps | None:
        entry = self._entries.get(chid)
        return entry.caps if entry is not None else None

    def cached(self, chid: int) -> CameraEntry | None:
        return self._entries.get(chid)

    async def name_preset(self, chid: int, entry: CameraEntry, token: str, name: str) -> None:
        """Keep a preset's name (given with add or set), in the entry and in the database."""
        entry.keep_preset(token, name)
        if self._db is not None:
            await asyncio.to_thread(preset_names.keep, self._db, chid, token, name)

    async def drop_preset(self, chid: int, entry: CameraEntry, token: str) -> None:
        entry.forget_preset(token)
        if self._db is not None:
            await asyncio.to_thread(preset_names.forget, self._db, chid, [token])

    # -- connecting --------------------------------------------------------------------------------

    def entry(self, channel: Channel) -> CameraEntry:
        """The channel's entry (made now when there is none, or replaced when its address changed)."""
        self._loop = asyncio.get_running_loop()
        entry = self._entries.get(channel.chid)
        if entry is None or entry.address != address_of(channel):
            if entry is not None:
                self._close_later(entry)
            names = self._preset_names.get(channel.chid)
            if names is None:  # read once per channel: a small read, not worth a thread hop
                names = self._preset_names[channel.chid] = (
                    preset_names.names_of(self._db, channel.chid) if self._db is not None else {})
            entry = self._entries[channel.chid] = CameraEntry(address_of(channel), preset_names=names)
        return entry

    async def connected(self, channel: Channel, reload: bool = False) -> CameraEntry:
        """The entry with its camera connected and its caps, information and presets read (read
        again with `reload`). NotSupported for a channel that is not ONVIF; NotReady (or another
        DeviceError) when the camera cannot be reached or read."""
        if not is_onvif(channel):
            raise NotSupported("not an ONVIF channel")
        entry = self.entry(channel)
        async with entry.lock:
            if entry.camera is None:
                url, user, password = entry.address
                entry.camera = await self._connect(url, user or None, password or None, self.timeout)
                reload = True
            if reload:
                try:
                    await self._read(entry, entry.camera)
                except Busy:
                    raise
                except DeviceError:  # read again at the next connection
                    await self.disconnect(entry)
                    raise
        return entry

    async def _read(self, entry: CameraEntry, camera: OnvifCamera) -> None:
        entry.caps = await camera.capabilities()
        entry.info = await camera.device_info()
        entry.presets = await self._read_presets(entry, camera)

    async def _read_presets(self, entry: CameraEntry, camera: OnvifCamera) -> list[Preset]:
        if entry.caps is not None and not entry.caps.max_preset:
            return []
        try:
            return entry.named(await camera.presets())
        except NotSupported:
            return []

    async def reload_presets(self, channel: Channel) -> CameraEntry:
        entry = await self.connected(channel)
        camera = entry.camera
        assert camera is not None
        entry.presets = await self.run(entry, lambda _camera: self._read_presets(entry, camera))
        return entry

    async def run(self, entry: CameraEntry, command: Callable[[OnvifCamera], Awaitable[Result]]) -> Result:
        """`command` on the entry's connected camera; a camera found gone is disconnected, so that
        the next command connects again."""
        camera = entry.camera
        if camera is None:
            raise NotReady("not connected")
        try:
            return await command(camera)
        except NotReady:
            await self.disconnect(entry)
            raise

    async def command(self, channel: Channel, command: Callable[[OnvifCamera], Awaitable[Result]]) -> Result:
        """Connect when needed, then run `command` (DeviceError carries the guide's code)."""
        return await self.run(await self.connected(channel), command)

    async def warm_up(self, db: Database) -> None:
        """At start: connect to every ONVIF channel's camera and read its caps (for listings), and
        from then on to each channel added; failures are left for the next request to retry."""
        self._loop, self._db = asyncio.get_running_loop(), db
        channels = await asyncio.to_thread(all_channels, db)
        await asyncio.gather(*(self._read_quietly(c) for c in channels if is_onvif(c)))

    async def _read_quietly(self, channel: Channel) -> None:
        try:
            await self.connected(channel)
        except DeviceError as exc:
            log.info("camera not read", extra={"fields": {"chid": channel.chid, "error": str(exc)}})

    async def _added(self, chid: int) -> None:
        if self._db is not None:
            channel = await asyncio.to_thread(get_channel, self._db, chid)
            if channel is not None and is_onvif(channel):
                await self._read_quietly(channel)

    def _on_added(self, chid: int) -> None:
        self.forget(chid)
        task = asyncio.get_running_loop().create_task(self._added(chid))
        self._reading.add(task)
        task.add_done_callback(self._reading.discard)

    # -- dropping ----------------------------------------------------------------------------------

    async def disconnect(self, entry: CameraEntry) -> None:
        camera, entry.camera = entry.camera, None
        if camera is not None:
            with contextlib.suppress(Exception):
                await camera.close()

    def _close_later(self, entry: CameraEntry) -> None:
        if entry.camera is None:
            return
        task = asyncio.get_running_loop().create_task(self.disconnect(entry))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def forget(self, chid: int) -> None:
        """Drop the channel's entry and close its camera (on the registry's loop)."""
        self._preset_names.pop(chid, None)
        entry = self._entries.pop(chid, None)
        if entry is not None:
            self._close_later(entry)

    def __call__(self, event: Event) -> None:
        """Bus listener (any thread): a channel removed or added again loses its entry."""
        if not isinstance(event, ChannelStatusEvent):
            return
        if event.event not in (ChannelEvent.CHANNEL_REMOVED, ChannelEvent.CHANNEL_ADDED):
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            self._entries.pop(event.chid, None)
            self._preset_names.pop(event.chid, None)
            return
        added = event.event == ChannelEvent.CHANNEL_ADDED
        with contextlib.suppress(RuntimeError):  # the loop has just closed
            loop.call_soon_threadsafe(self._on_added if added else self.forget, event.chid)

    async def close(self) -> None:
        """Close every camera (at shutdown)."""
        reading = list(self._reading)
        for task in reading:
            task.cancel()
        await asyncio.gather(*reading, return_exceptions=True)
        entries = list(self._entries.values())
        self._entries.clear()
        await asyncio.gather(*(self.disconnect(e) for e in entries), *self._closing)
