"""Wiring the LPR and object worker to the recorder: which channels are analysed, at what frame
rate and with which models, redone whenever the settings change.

A channel is analysed when an LPR zone is drawn on it or it is listed in `lpr_channels`. Without
the `lpr` extra installed, or with `lpr_enabled = false`, nothing is analysed and recording goes on.
"""

from __future__ import annotations

import logging
from typing import Any

from recorder.frames import SampledFrame
from recorder.supervisor import RecorderSupervisor
from storage.db import Database
from storage.events import Publish
from storage.settings import Settings

log = logging.getLogger("tsnvr.lpr")


class Analytics:
    def __init__(self, db: Database, recorder: RecorderSupervisor, publish: Publish) -> None:
        self.db = db
        self.recorder = recorder
        self.publish = publish
        self.worker: Any = None  # lpr.worker.AnalyticsWorker while running
        self._engine_config: Any = None  # the lpr.config.LprConfig the running worker was made with
        self._told_missing = False
        self._settings: Settings | None = None
        self._attached: set[int] = set()
        self.error: str | None = None  # why analysis cannot run with the current settings

    def apply(self, settings: Settings) -> None:
        """Start, reconfigure or stop analysis to match `settings`."""
        self._settings = settings
        if not settings.lpr_enabled:
            self.stop()
            return
        try:
            from lpr.config import LprConfig
            from lpr.pipeline import LprEngine
            from lpr.worker import AnalyticsWorker, ChannelPlan
            from lpr.zones import zones_of
        except ImportError as exc:
            if not self._told_missing:
                log.warning("LPR is not installed: plates and objects are not read (install tsnvr[lpr])",
                            extra={"fields": {"error": str(exc)}})
                self._told_missing = True
            return
        by_channel: dict[int, list[Any]] = {}
        for zone in zones_of(settings):
            by_channel.setdefault(zone.chid, []).append(zone)
        chids = sorted(set(by_channel) | set(settings.lpr_channels))
        if not chids:  # nothing to analyse: no models in memory
            self.stop()
            return
        # int8 copies of the detectors are made once, into the data directory unless told otherwise
        cache_dir = settings.lpr_cache_dir or str(settings.data_dir / "models")
        config = LprConfig.from_settings(settings, cache_dir=cache_dir)
        if self.worker is not None and config != self._engine_config:
            self.stop()
        if self.worker is None:
            try:
                engine = LprEngine(config)
            except ValueError as exc:  # a plate region or pattern it does not know
                if self.error != str(exc):
                    log.error("LPR settings unusable: plates and objects are not read (recording goes on)",
                              extra={"fields": {"error": str(exc)}})
                self.error = str(exc)
                return
            self._engine_config = config
            self.worker = AnalyticsWorker(engine, self.db, settings.data_dir, self.publish, self._parking_lots,
                                          settings.lpr_motion_threshold, settings.lpr_track_seconds)
            self.worker.start()
        self.error = None
        plans = [ChannelPlan(chid, tuple(by_channel.get(chid, ())), settings.lpr_objects) for chid in chids]
        self.worker.configure(plans, settings.lpr_motion_threshold, settings.lpr_track_seconds)
        for chid in self._attached - set(chids):
            self.recorder.frame_sampler(chid).detach()
        for chid in chids:
            self.recorder.frame_sampler(chid).attach(self._on_frame, settings.lpr_fps)
        self._attached = set(chids)

    def _parking_lots(self) -> list[Any]:
        return self._settings.parking_lot if self._settings is not None else []

    def _on_frame(self, frame: SampledFrame) -> None:
        worker = self.worker
        if worker is not None:
            worker.offer(frame.chid, frame.wall_ms, frame.image)

    def stop(self) -> None:
        for chid in self._attached:
            self.recorder.frame_sampler(chid).detach()
        self._attached = set()
        if self.worker is not None:
            self.worker.stop()  # logs the cars still in view
            self.worker.configure([])  # their channels' motion ends
            self.worker = None
