"""Assembly: one data directory -> database, bus, live state, event log, web app; and running it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import shlex
import subprocess
import threading
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette

from recorder.supervisor import RecorderSupervisor
from storage import settings as settings_file
from storage.db import Database
from storage.eventlog import EventLog, EventType, SystemCode
from storage.events import SettingsChangedEvent, SystemEvent
from storage.models import EventLogEntry, Meta
from storage.plate_similar import plate_index
from storage.settings import Settings, SettingsError
from tsnvr.analytics import Analytics
from tsnvr.bus import EventBus
from tsnvr.camera_motion import CameraMotion
from tsnvr.channel_names import ChannelNameWatch
from tsnvr.channel_sync import ChannelListSync
from tsnvr.database import open_database
from tsnvr.event_backup import EventBackupScheduler
from tsnvr.http_limits import BoundedHttpToolsProtocol
from tsnvr.live import LiveState
from web.app import create_app
from web.core.context import Services

log = logging.getLogger("tsnvr")

SETTINGS_POLL_S = 2.0
RUNNING_KEY = "running"


def calm_garbage_collector() -> None:
    """Keep the cyclic garbage collector from stalling the event loop.

    With thousands of WebSocket subscribers alive (each with its task, queue and socket objects), a
    collection of the older generations walks them all and held the loop for 100-200 ms at a time:
    the delivery and POST /api/push tails of scripts/bench/events.py (p99 181 ms at 1,000 subscribers,
    44 ms with this). What start-up made is frozen (never walked again), and the youngest generation
    is collected after 100,000 new containers instead of 700, so the older ones run far less often.
    Cycles are still collected."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _set_running(db: Database, running: bool) -> bool:
    """Mark the server running (or stopped); returns whether it was marked running before."""
    with db.write() as s:
        row = s.get(Meta, RUNNING_KEY)
        was = bool(row and row.value)
        s.merge(Meta(key=RUNNING_KEY, value="1" if running else ""))
    return was


def _changed_keys(old: Settings, new: Settings) -> list[str]:
    return settings_file.changed_keys(old, new)


class Runtime:
    """Everything one `tsnvr serve` holds; `app` is what uvicorn serves."""

    def __init__(self, settings: Settings) -> None:
        self.db = open_database(settings)
        self.bus = EventBus()
        self.channel_names = ChannelNameWatch(self.db, self.bus)
        self.live = LiveState()
        self.bus.listen(self.live)
        self.eventlog = EventLog(self.db, on_record=self._on_event_logged)
        self.recorder = RecorderSupervisor(self.db, settings, self.bus.publish, eventlog=self.eventlog)
        self.channel_sync = ChannelListSync(self.db, self.recorder, self.bus.publish)
        # the cameras' own motion events, joined with the motion the analytics decode (motion_source)
        self.camera_motion = CameraMotion(self.db, self.bus.publish, self.eventlog, lambda: self.services.settings)
        self.bus.listen(self.camera_motion)
        self.analytics = Analytics(self.db, self.recorder, self.camera_motion.publish_decoded)
        self.event_backups = EventBackupScheduler(self.db, lambda: self.services.settings, self.eventlog)
        self.services = Services(
            settings=settings,
            db=self.db,
            bus=self.bus,
            live=self.live,
            eventlog=self.eventlog,
            recorder=self.recorder,
            event_backups=self.event_backups,
            request_restart=self.request_restart,
            request_reboot=self.request_reboot,
        )
        self.app: Starlette = create_app(self.services, lifespan=self.lifespan)
        self.server: uvicorn.Server | None = None
        self.restart_requested = False
        self._settings_mtime = self._mtime()

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def _on_event_logged(self, entry: EventLogEntry) -> None:
        if entry.type == EventType.SYSTEM:
            self.bus.publish(SystemEvent(entry))

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        if await asyncio.to_thread(_set_running, self.db, True):
            self.eventlog.record(EventType.SYSTEM, SystemCode.ABNORMAL_SHUTDOWN)
        self.eventlog.record(EventType.SYSTEM, SystemCode.STARTUP, {"pid": os.getpid()})
        self.eventlog.record(EventType.SYSTEM, SystemCode.STORAGE_READY,
                             {"storagePath": str(self.settings.data_dir.resolve()), "statusCode": 0})
        await asyncio.to_thread(self.recorder.start)  # repairs crashed segments, then captures every channel
        await asyncio.to_thread(self.analytics.apply, self.settings)
        await asyncio.to_thread(self.event_backups.start)  # pending backups of before the stop too
        watcher = asyncio.create_task(self._watch_settings())
        # Load the similar-plate index now, off the request path, so the first similarCarNo is fast.
        warm_up = asyncio.create_task(asyncio.to_thread(plate_index(self.db).refresh))
        # Read the ONVIF cameras' caps now, so that channel listings show them before any request.
        cameras = asyncio.create_task(self.services.cameras.warm_up(self.db))
        camera_motion = asyncio.create_task(self.camera_motion.run())
        try:
            yield
        finally:
            watcher.cancel()
            warm_up.cancel()
            cameras.cancel()
            camera_motion.cancel()
            await asyncio.gather(camera_motion, return_exceptions=True)
            await self.services.cameras.close()
            await asyncio.to_thread(self.event_backups.stop)
            await asyncio.to_thread(self.analytics.stop)
            await asyncio.to_thread(self.recorder.stop)
            self.eventlog.record(EventType.SYSTEM, SystemCode.SHUTDOWN)
            await asyncio.to_thread(_set_running, self.db, False)

    def _mtime(self) -> float:
        try:
            return self.settings.settings_path.stat().st_mtime
        except OSError:
            return 0.0

    def reload_settings(self) -> list[str]:
        """Re-read settings.toml; returns the changed keys (logged), or [] when nothing changed."""
        self._settings_mtime = self._mtime()
        try:
            new = settings_file.load(self.settings.data_dir)
        except SettingsError as exc:
            log.warning("settings not reloaded", extra={"fields": {"error": str(exc)}})
            return []
        new.host, new.port = self.settings.host, self.settings.port
        changed = _changed_keys(self.settings, new)
        if changed:
            self.services.settings = new
            self.eventlog.record(EventType.SYSTEM, SystemCode.SETTINGS_CHANGED, {"keys": changed},
                                 comment="Changed: " + ", ".join(changed))
            self.bus.publish(SettingsChangedEvent(tuple(changed)))
            self.analytics.apply(new)
            if restart := settings_file.needs_restart(changed):
                log.warning("changed settings apply at the next start", extra={"fields": {"keys": restart}})
        return changed

    async def _watch_settings(self) -> None:
        """Settings file changes; channel names changed by `tsnvr channel rename`; channels added or deleted
        by another process (`tsnvr camera add`)."""
        await asyncio.to_thread(self.channel_names.poll)
        while True:
            await asyncio.sleep(SETTINGS_POLL_S)
            if self._mtime() != self._settings_mtime:
                await asyncio.to_thread(self.reload_settings)
            try:
                await asyncio.to_thread(self.channel_names.poll)
                await asyncio.to_thread(self.channel_sync.poll)
            except Exception:  # a database hiccup must not end the watch
                log.exception("channel list not read")

    def request_restart(self) -> None:
        self.eventlog.record(EventType.SYSTEM, SystemCode.RESTART_REQUESTED)
        self.restart_requested = True
        threading.Timer(0.5, self._stop_server).start()

    def request_reboot(self) -> None:
        self.eventlog.record(EventType.SYSTEM, SystemCode.REBOOT_REQUESTED)
        command = shlex.split(self.settings.reboot_command)
        threading.Timer(1.0, lambda: subprocess.Popen(command, start_new_session=True)).start()

    def _stop_server(self) -> None:
        if self.server is not None:
            self.server.should_exit = True

    def serve(self) -> bool:
        """Run until stopped; True when the stop was a restart request."""
        settings = self.settings
        config = uvicorn.Config(
            self.app,
            host=settings.host,
            port=settings.port,
            http=BoundedHttpToolsProtocol,  # header size, count and time limits (431, 408)
            log_config=None,
            access_log=settings.access_log,
            ws_ping_interval=settings.ws_ping_interval,
            ws_ping_timeout=settings.ws_ping_interval,
            # No permessage-deflate: it compresses every message once per socket (events are sent
            # to many subscribers as one serialised text; live video does not compress).
            ws_per_message_deflate=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
            # X-Forwarded-For names the client only when a listed proxy sent it (uvicorn's default trusts
            # 127.0.0.1, so any local process could pick the address the sign-in throttle counts)
            proxy_headers=bool(settings.trusted_proxies),
            forwarded_allow_ips=list(settings.trusted_proxies),
        )
        self.server = uvicorn.Server(config)
        calm_garbage_collector()
        self.server.run()
        self.db.dispose()
        return self.restart_requested

