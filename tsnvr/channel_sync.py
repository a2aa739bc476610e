"""Channels added or deleted outside the running server (`tsnvr camera add`, or another process
sharing the database) start or stop recording: every few seconds the server compares the channels in
the database with those the recorder runs. A difference is acted on when two polls in a row see it,
since the API's own add or delete changes the database a moment before the recorder."""

from __future__ import annotations

from typing import Protocol

from storage.channels import all_channels
from storage.clock import now_ms
from storage.db import Database
from storage.events import ChannelEvent, ChannelStatusEvent, Publish
from storage.models import Channel


class Recorder(Protocol):
    def chids(self) -> list[int]: ...

    def add(self, channel: Channel) -> None: ...

    def remove(self, chid: int) -> None: ...


class ChannelListSync:
    def __init__(self, db: Database, recorder: Recorder, publish: Publish) -> None:
        self.db = db
        self.recorder = recorder
        self.publish = publish
        self._missing: set[int] = set()  # in the database, not recorded, at the last poll
        self._gone: set[int] = set()     # recorded, not in the database, at the last poll

    def poll(self) -> tuple[list[int], list[int]]:
        """Start the channels missing from the recorder twice running, stop those gone from the
        database twice running; returns (started, stopped)."""
        rows = {channel.chid: channel for channel in all_channels(self.db)}
        running = set(self.recorder.chids())
        missing, gone = set(rows) - running, running - set(rows)
        started, stopped = sorted(missing & self._missing), sorted(gone & self._gone)
        self._missing, self._gone = missing - set(started), gone - set(stopped)
        for chid in started:
            self.recorder.add(rows[chid])
            self.publish(ChannelStatusEvent(ChannelEvent.CHANNEL_ADDED, chid, now_ms(), name=rows[chid].name))
        for chid in stopped:
            self.recorder.remove(chid)
            self.publish(ChannelStatusEvent(ChannelEvent.CHANNEL_REMOVED, chid, now_ms()))
        return started, stopped
