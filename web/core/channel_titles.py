"""Channel titles for rendering events: read from the database once, before the first subscriber
is served, then kept from the bus's channelStatus events (channelAdded, nameChanged,
channelRemoved), so that rendering an event for any number of subscribers reads no database."""

from __future__ import annotations

import threading

from storage.channels import all_channels
from storage.db import Database
from storage.events import ChannelEvent, ChannelStatusEvent, Event


class ChannelTitles:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._titles: dict[int, str] | None = None  # replaced, never changed in place: read without a lock
        self._lock = threading.Lock()  # one load; events applied in order

    def load(self) -> None:
        """Read every title, the first time only. Blocking: call it in a thread."""
        # Under the lock, so that an event published meanwhile is applied after the rows are read.
        with self._lock:
            if self._titles is None:
                self._titles = {c.chid: c.name for c in all_channels(self.db)}

    def __call__(self, event: Event) -> None:
        """The bus listener. Before the load there is nothing to keep: the load reads the rows."""
        if not isinstance(event, ChannelStatusEvent):
            return
        with self._lock:
            if self._titles is None:
                return
            if event.event in (ChannelEvent.CHANNEL_ADDED, ChannelEvent.NAME_CHANGED) and event.name is not None:
                self._titles = {**self._titles, event.chid: event.name}
            elif event.event == ChannelEvent.CHANNEL_REMOVED:
                self._titles = {chid: name for chid, name in self._titles.items() if chid != event.chid}

    def title(self, chid: int) -> str | None:
        """The channel's title ("" when it has none), or None for a channel that does not exist."""
        titles = self._titles
        if titles is None:
            raise RuntimeError("channel titles read before load()")
        return titles.get(chid)
