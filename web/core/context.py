"""What the web layer is handed by `tsnvr`: settings, database, event bus, live state, event log."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from starlette.requests import HTTPConnection

from storage.db import Database
from storage.eventlog import EventLog
from storage.events import Event, Topic
from storage.settings import Settings
from web.core.cameras import CameraRegistry
from web.core.channel_titles import ChannelTitles

Message = TypeVar("Message", covariant=True)


class Subscription(Protocol[Message]):
    topics: frozenset[Topic]

    async def get(self) -> Message:
        """The next message; storage.events.SubscriberOverflow once the bus has dropped this subscriber."""

    def close(self) -> None: ...


class Bus(Protocol):
    def publish(self, event: Event) -> None: ...

    def listen(self, listener: Callable[[Event], None]) -> None: ...

    def subscribe(self, topics: frozenset[Topic], queue_size: int) -> Subscription[Event]: ...

    def subscribe_view(self, topics: frozenset[Topic], queue_size: int, view: Hashable,
                       render: Callable[[Event], str | None]) -> Subscription[str]:
        """Each event rendered by `render`, once for all the subscriptions of an equal `view`."""


class LiveState(Protocol):
    def channel_status(self, chid: int) -> int: ...

    def recording_status(self, chid: int) -> dict[str, Any]: ...

    def video_size(self, chid: int) -> tuple[int, int] | None: ...

    def motion(self) -> dict[int, bool]: ...


class ChannelControl(Protocol):
    """The recorder's narrow interface: (re)start a channel's capture, or stop it."""

    def add(self, channel: Any) -> None: ...

    def remove(self, chid: int) -> None: ...

    def live_stream(self, chid: int, profile: str = "main") -> Any:
        """The channel's recorder.live.LiveStream (HLS and WebSocket fMP4) of profile "main" or "sub";
        None when not recording, or when the channel has no such stream."""

    def sub_stream_size(self, chid: int) -> tuple[int, int] | None:
        """The resolution of the channel's live sub stream; None when it has none."""


class EventBackupQueue(Protocol):
    """tsnvr's event-backup scheduler: it copies the pending backups of storage.event_backups once
    their post-alarm recording is in."""

    def wake(self) -> None:
        """Pending backups were stored: look at them now."""


@dataclass
class Services:
    settings: Settings
    db: Database
    bus: Bus
    live: LiveState
    eventlog: EventLog
    recorder: ChannelControl | None = None
    event_backups: EventBackupQueue | None = None
    request_restart: Callable[[], None] = lambda: None
    request_reboot: Callable[[], None] = lambda: None
    cameras: CameraRegistry = field(default_factory=CameraRegistry)  # ONVIF channels' cameras
    titles: ChannelTitles = field(init=False)  # kept from the bus, for rendering events

    def __post_init__(self) -> None:
        self.titles = ChannelTitles(self.db)
        self.bus.listen(self.titles)
        self.bus.listen(self.cameras)

    def sub_stream_size(self, chid: int) -> tuple[int, int] | None:
        """The resolution of the channel's live sub stream (an ONVIF camera's second profile); None
        when there is none."""
        return self.recorder.sub_stream_size(chid) if self.recorder is not None else None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone) if self.settings.timezone else local_zone()


def services_of(conn: HTTPConnection) -> Services:
    """The Services a request or WebSocket's app was made with."""
    return conn.app.state.services


@cache
def local_zone() -> ZoneInfo:
    """The machine's IANA zone (TZ, then /etc/timezone, then /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, KeyError, OSError):
                continue
    return ZoneInfo("UTC")
