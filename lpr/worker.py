"""The analytics worker: decoded frames in; motion, plates and objects out.

Frames arrive from each analysed channel (`offer`, called by the recorder's frame sampler thread):
the motion detector looks at every one of them, and the newest waits for the worker thread, which
takes the channels in turn, so one busy channel cannot starve the others and a slow machine
analyses fewer frames instead of falling behind. Models run only on a channel that moved in the
last few seconds or still has a car in view.

Each second the channels whose motion state changed are published (`motionChanges`). A plate
track that ends becomes one plate-log row, two images, an `LPR` event and the parking counts it
moves (storage.plate_passing); an object track, once confirmed, one object-log row, an image and
an `object` event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import func, select

from lpr.models import ModelError
from lpr.motion import MotionDetector
from lpr.pipeline import LprEngine
from lpr.snapshots import crop, day_folder, save_jpeg, shrink
from lpr.tracker import ObjectTrack, ObjectTracker, PlateTrack, PlateTracker
from lpr.vehicle_detector import HUMAN
from lpr.zones import Zone, centre
from storage.db import Database
from storage.events import ChannelMotion, MotionChangesEvent, ObjectEvent, Publish
from storage.models import DetectedObject as ObjectRow
from storage.objects import add_object
from storage.plate_passing import Passing, record_passing
from storage.plates import set_plate_end
from storage.settings import ParkingLot

log = logging.getLogger("tsnvr.lpr")

MOTION_CYCLE_S = 1.0  # the guide's motionChanges cycle
MOTION_HOLD_MS = 2000.0  # models keep running this long after the last motion
MIN_READS = 2  # a plate read in fewer frames is logged only when its score reaches SURE_SCORE
SURE_SCORE = 80.0
STILL_CHECK_MS = 2000.0  # with no motion, a car still in view is looked at this often (not every frame)
# an object unseen this long is gone: longer than the still checks, or someone standing still would be
# taken for a new person at every check
OBJECT_GAP_MS = STILL_CHECK_MS + 1000.0
PARKED_MS = 5000.0  # in a parking zone, a car seen this long has parked: it is logged then
PARKED_READS = 3


@dataclass(frozen=True)
class ChannelPlan:
    """What to look for on one channel."""

    chid: int
    zones: tuple[Zone, ...] = ()  # plates are read inside these
    objects: bool = False  # people and vehicles


@dataclass
class ChannelState:
    plan: ChannelPlan
    motion: MotionDetector
    plates: PlateTracker[Zone]
    objects: ObjectTracker
    pending: tuple[float, np.ndarray] | None = None  # the newest frame not analysed yet
    moved_in_cycle: bool = False
    motion_published: bool = False  # as subscribers start: a channel not known to move
    last_motion_ms: float = -1e18
    last_analysed_ms: float = -1e18


class AnalyticsWorker:
    def __init__(self, engine: LprEngine, db: Database, data_dir: Path, publish: Publish,
                 parking_lots: Callable[[], list[ParkingLot]], motion_threshold: float = 0.003,
                 track_seconds: float = 0.6) -> None:
        self.engine = engine
        self.db = db
        self.data_dir = data_dir
        self.publish = publish
        self.parking_lots = parking_lots
        self.motion_threshold = motion_threshold
        self.gap_ms = 1000 * track_seconds
        self.model_error: str | None = None
        self._channels: dict[int, ChannelState] = {}
        self._order: list[int] = []
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_obj_id = 0
        self._models_ready = False
        self._models_tried = False

    # configuration (any thread)
    def configure(self, plans: list[ChannelPlan], motion_threshold: float | None = None,
                  track_seconds: float | None = None) -> None:
        """The channels to analyse and what to look for; channels left out stop being analysed."""
        gone: list[ChannelState] = []
        with self._lock:
            if motion_threshold is not None:
                self.motion_threshold = motion_threshold
            if track_seconds is not None:
                self.gap_ms = 1000 * track_seconds
            wanted = {p.chid: p for p in plans}
            for chid in list(self._channels):
                if chid not in wanted:
                    gone.append(self._channels.pop(chid))
            for chid, plan in wanted.items():
                state = self._channels.get(chid)
                if state is None:
                    self._channels[chid] = ChannelState(plan, MotionDetector(self.motion_threshold),
                                                        PlateTracker[Zone](self.gap_ms),
                                                        ObjectTracker(self._new_object_id, OBJECT_GAP_MS))
                else:
                    state.plan = plan
                    state.motion.threshold = self.motion_threshold
                    state.plates.gap_ms = self.gap_ms
            self._order = sorted(self._channels)
        stopped = tuple(ChannelMotion(s.plan.chid, False) for s in gone if s.motion_published)
        if stopped:
            self.publish(MotionChangesEvent(stopped))

    # frames (the sampler's thread: must be quick)
    def offer(self, chid: int, wall_ms: float, image: np.ndarray) -> None:
        with self._lock:
            state = self._channels.get(chid)
        if state is None:
            return
        moved = state.motion.update(image)
        with self._lock:
            if moved:
                state.moved_in_cycle = True
                state.last_motion_ms = wall_ms
            state.pending = (wall_ms, image)
            self._lock.notify()

    # the worker thread
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lpr-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread; tracks still open are logged first."""
        self._stop.set()
        with self._lock:
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        next_cycle = time.monotonic() + MOTION_CYCLE_S
        turn = 0
        while not self._stop.is_set():
            job = None
            with self._lock:
                order = list(self._order)
                for k in range(len(order)):
                    state = self._channels[order[(turn + k) % len(order)]]
                    if state.pending is not None:
                        job, state.pending = (state, *state.pending), None
                        turn = (turn + k + 1) % len(order)
                        break
                if job is None:
                    self._lock.wait(0.1)
            if job is not None:
                if not self._models_tried:
                    # loaded when the first frame comes (a zone on a silent channel costs nothing), beside
                    # this loop: making the int8 copies the first time takes a while, and motion goes on
                    self._models_tried = True
                    threading.Thread(target=self._load_models, name="lpr-models", daemon=True).start()
                self._analyse(*job)
            self._close_tracks(time.time() * 1000)
            if time.monotonic() >= next_cycle:
                next_cycle = time.monotonic() + MOTION_CYCLE_S
                self._publish_motion()
        self._close_tracks(time.time() * 1000, everything=True)

    def _load_models(self) -> None:
        try:
            self.engine.load(objects=True)
            self._next_obj_id = self._stored_max_obj_id()
            self._models_ready = True
        except ModelError as exc:
            self.model_error = str(exc)
            log.error("LPR models unavailable: plates and objects are not read (recording goes on)",
                      extra={"fields": {"error": str(exc)}})

    def _stored_max_obj_id(self) -> int:
        with self.db.read() as s:
            return int(s.exec(select(func.max(ObjectRow.obj_id))).one() or 0)

    def _new_object_id(self) -> int:
        self._next_obj_id += 1
        return self._next_obj_id

    def _analyse(self, state: ChannelState, wall_ms: float, image: np.ndarray) -> None:
        plan = state.plan
        if not self._models_ready or not (plan.zones or plan.objects):
            return
        if wall_ms - state.last_motion_ms >= MOTION_HOLD_MS:  # a still picture: nothing new to see...
            in_view = state.plates.open or any(t.reported for t in state.objects.open)
            if not in_view or wall_ms - state.last_analysed_ms < STILL_CHECK_MS:  # ...but a parked car may leave
                return
        state.last_analysed_ms = wall_ms
        try:
            vehicles_first = plan.zones and self.engine.config.plate_search == "vehicles"
            objects = self.engine.detect_objects(image) if plan.objects or vehicles_first else []
            # the second look only inside vehicles: over the whole frame it would cost most frames 7 detector runs
            reads = self.engine.read_plates(image, objects or None, look_again=bool(objects)) if plan.zones else []
        except Exception:  # one bad frame must not end the worker
            log.exception("frame not analysed", extra={"fields": {"chid": plan.chid}})
            return
        height, width = image.shape[:2]
        placed = []
        for read in reads:
            x, y = centre(read.box)
            zone = next((z for z in plan.zones if z.contains(x, y, width, height)), None)
            if zone is not None:
                placed.append((read, zone))
        state.plates.update(wall_ms, placed, image)
        for track in state.plates.open:
            if track.zone.mode == "parking" and track.row_id is None and len(track.reads) >= PARKED_READS \
                    and track.last_ms - track.first_ms >= PARKED_MS:
                self._guarded(self._log_plate, state, track)
        if plan.objects:
            for seen in state.objects.update(wall_ms, objects, image):
                self._report_object(plan.chid, seen)

    def _close_tracks(self, now_ms: float, everything: bool = False) -> None:
        with self._lock:
            states = list(self._channels.values())
        for state in states:
            for track in state.plates.close(now_ms, everything):
                if track.row_id is None:
                    self._guarded(self._log_plate, state, track)
                else:  # a parked car has left: its row's time range now ends when it was last seen
                    self._guarded(set_plate_end, self.db, track.row_id, int(track.last_ms))

    @staticmethod
    def _guarded(action: Callable[..., Any], *args: Any) -> None:
        try:
            action(*args)
        except Exception:  # a full disk or a database hiccup loses this plate, not the worker
            log.exception("plate not logged")

    def _publish_motion(self) -> None:
        changed: list[ChannelMotion] = []
        with self._lock:
            for chid in self._order:
                state = self._channels[chid]
                moving = state.moved_in_cycle
                state.moved_in_cycle = False
                if moving != state.motion_published:
                    state.motion_published = moving
                    changed.append(ChannelMotion(chid, moving))
        if changed:
            self.publish(MotionChangesEvent(tuple(changed)))

    # results
    def _log_plate(self, state: ChannelState, track: PlateTrack[Zone]) -> None:
        result = track.vote(self.engine.formats_for_reads(track.reads), self.engine.prior_for_reads(track.reads))
        if result.reads < MIN_READS and result.score < SURE_SCORE:
            log.debug("plate dropped", extra={"fields": {"text": result.text, "score": result.score}})
            return
        zone = track.zone
        parking_zone = zone.mode == "parking"
        chid = state.plan.chid
        index = track.representative(result.text)
        read = track.reads[index]
        folder = day_folder("plates", chid, track.first_ms)
        stem = f"{folder}/{int(track.first_ms)}-{track.id}"
        images = [save_jpeg(self.data_dir, f"{stem}.plate.jpg", track.crops[index])]
        if track.best_frame is not None:
            images.append(save_jpeg(self.data_dir, f"{stem}.jpg", shrink(track.best_frame)))
        width, height = track.best_frame.shape[1], track.best_frame.shape[0]  # type: ignore[union-attr]
        passing = Passing(
            plate_no=result.text, begin_ms=int(track.first_ms), end_ms=int(track.last_ms),
            src_code=zone.code, src_name=zone.name, linked=list(zone.linked) or [zone.chid],
            # a parked car neither enters nor leaves a lot
            parking_entrance=None if parking_zone else zone.parking_entrance,
            parking_exit=None if parking_zone else zone.parking_exit,
            direction=None if parking_zone else zone.direction(track.path, width, height), chid=chid,
            score=result.score, roi=tuple(int(v) for v in read.box), images=images)  # type: ignore[arg-type]
        track.row_id = record_passing(self.db, self.parking_lots(), self.publish, passing).id
        log.debug("plate", extra={"fields": {"chid": chid, "plate": result.text, "score": result.score,
                                            "reads": len(track.reads), "zone": zone.code}})

    def _report_object(self, chid: int, track: ObjectTrack) -> None:
        found = track.best or track.latest
        if found.kind == HUMAN:
            clothes = [{"type": kind, "colors": colours} for kind, colours in
                       (("tops", found.upper_colors), ("bottoms", found.lower_colors)) if colours]
            attributes: dict[str, Any] = {"clothes": clothes} if clothes else {}
        else:
            attributes = {"vehicleType": found.vehicle_type} if found.vehicle_type else {}
            if found.colors:
                attributes["colors"] = list(found.colors)
        image = None
        if track.best_frame is not None:
            image = save_jpeg(self.data_dir, f"{day_folder('objects', chid, track.last_ms)}/{track.obj_id}.jpg",
                              crop(track.best_frame, found.box, 0.05))
        ts_ms = int(track.last_ms)
        try:
            add_object(self.db, ts_ms, chid, track.obj_id, found.kind, attributes, found.score, image)
        except Exception:
            log.exception("object not logged", extra={"fields": {"chid": chid}})
            return
        self.publish(ObjectEvent(ts_ms=ts_ms, chid=chid, obj_id=track.obj_id, kind=found.kind,
                                 likelihood=found.score, attributes=attributes, image=image))
