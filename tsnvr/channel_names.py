"""Channel titles changed outside the running server (`tsnvr channel rename`, or another
process sharing the database) reach subscribers as channelStatus nameChanged events: the
server compares the titles in the database with the ones it saw last, every few seconds."""

from __future__ import annotations

from storage.channels import all_channels
from storage.clock import now_ms
from storage.db import Database
from tsnvr.bus import EventBus


class ChannelNameWatch:
    def __init__(self, db: Database, bus: EventBus) -> None:
        self.db = db
        self.bus = bus
        self._names: dict[int, str] | None = None

    def poll(self) -> list[int]:
        """Publish nameChanged for each channel whose title changed since the last poll."""
        names = {c.chid: c.name for c in all_channels(self.db)}
        seen, self._names = self._names, names
        if seen is None:
            return []
        renamed = [chid for chid, name in names.items() if chid in seen and seen[chid] != name]
        for chid in renamed:
            self.bus.publish("channelStatus", {"event": "nameChanged", "chid": chid, "name": names[chid],
                                               "ts_ms": now_ms()})
        return renamed
