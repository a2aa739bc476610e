"""Channel titles changed outside the running server (`tsnvr channel rename`, or another
process sharing the database) reach subscribers as channelStatus nameChanged events: the
server compares the titles in the database with the ones it saw last, every few seconds."""

from __future__ import annotations

import threading

from storage.channels import all_channels
from storage.clock import now_ms
from storage.db import Database
from storage.events import ChannelEvent, ChannelStatusEvent, Event
from tsnvr.bus import EventBus


class ChannelNameWatch:
    def __init__(self, db: Database, bus: EventBus) -> None:
        self.db = db
        self.bus = bus
        self._names: dict[int, str] | None = None
        self._lock = threading.Lock()
        bus.listen(self._on_event)

    def _on_event(self, event: Event) -> None:
        # A channel added through the API is known by its first title at once, so a rename that
        # lands before the next poll is still seen as a rename.
        if not isinstance(event, ChannelStatusEvent) or event.event != ChannelEvent.CHANNEL_ADDED:
            return
        with self._lock:
            if event.name is not None and self._names is not None:
                self._names.setdefault(event.chid, event.name)

    def poll(self) -> list[int]:
        """Publish nameChanged for each channel whose title changed since the last poll."""
        names = {c.chid: c.name for c in all_channels(self.db)}
        with self._lock:
            seen, self._names = self._names, names
        if seen is None:
            return []
        renamed = [chid for chid, name in names.items() if chid in seen and seen[chid] != name]
        for chid in renamed:
            self.bus.publish(ChannelStatusEvent(ChannelEvent.NAME_CHANGED, chid, now_ms(), name=names[chid]))
        return renamed
