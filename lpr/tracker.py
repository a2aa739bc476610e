"""Following plates and objects from one analysed frame to the next.

A plate track is one car's plate inside one zone: reads are joined to the open track of their zone
whose plate is nearest (or whose text is the same), and a track that has not been seen for `gap_ms`
is closed: the car has left. Its text is a vote over every read of the track (lpr.plate_vote), so one
blurred frame does not decide the plate.

The gap is counted in the channel's own frame time, and a track must also have been missed in
MIN_MISSES analysed frames: a machine that analyses slowly sees a car less often, and must not
take each sighting for a new car. A channel whose frames stop (camera gone) closes its tracks on
the wall clock, STALL_MS later.

An object track is one person or vehicle: detections join the track of the same kind they overlap
most; a track is confirmed (and reported, once) after `confirm_hits` sightings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from lpr.arrays import Picture
from lpr.pipeline import DetectedObject, PlateRead
from lpr.plate_formats import PlateFormat, Prior
from lpr.plate_vote import Vote, vote
from lpr.snapshots import crop
from lpr.zones import centre

Box = tuple[int, int, int, int]

MAX_STEP_WIDTHS = 4.0  # a plate moves at most this many of its widths between analysed frames
CROP_MARGIN = 0.15  # around a plate's box in its saved crop
MIN_MISSES = 2
STALL_MS = 5000.0


def iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


Track = TypeVar("Track")
ZoneT = TypeVar("ZoneT", bound=Hashable)  # whatever the caller groups plates by (the worker: its Zone)


def greedy(pairs: list[tuple[float, int, Track]]) -> dict[int, Track]:
    """Detection index -> track, cheapest (cost, detection, track) pairs first, each used once."""
    matched: dict[int, Track] = {}
    taken: list[Track] = []
    for _cost, i, track in sorted(pairs, key=lambda p: p[0]):
        if i not in matched and not any(t is track for t in taken):
            matched[i] = track
            taken.append(track)
    return matched


@dataclass
class PlateTrack(Generic[ZoneT]):
    id: int
    zone: ZoneT  # the zone the plate was read in
    first_ms: float
    last_ms: float
    reads: list[PlateRead] = field(default_factory=list)
    crops: list[Picture] = field(default_factory=list)  # each read's plate, cut from its frame
    path: list[tuple[float, float]] = field(default_factory=list)  # plate centres, oldest first
    best: PlateRead | None = None
    best_frame: Picture | None = None  # the frame of the best read (for the images)
    misses: int = 0  # analysed frames since the last sighting
    row_id: int | None = None  # its plate-log row, once logged (a parked car is logged before it leaves)

    def add(self, wall_ms: float, read: PlateRead, frame: Picture) -> None:
        self.last_ms = wall_ms
        self.misses = 0
        self.reads.append(read)
        self.crops.append(crop(frame, read.box, CROP_MARGIN).copy())
        self.path.append(centre(read.box))
        if self.best is None or read.score > self.best.score:
            self.best, self.best_frame = read, frame

    def vote(self, formats: Sequence[PlateFormat] = (), prior: Prior | None = None) -> Vote:
        """The track's plate: the vote over its reads, settled by the engine's `formats` (weighed by `prior`)."""
        return vote(self.reads, formats, prior)

    def representative(self, text: str) -> int:
        """The index of the read whose crop and box stand for the track: of the reads that say the voted
        text (all reads when none does), the largest plate among those scoring within 5 points of the best."""
        agreeing = [i for i, r in enumerate(self.reads) if r.text == text] or list(range(len(self.reads)))
        best = max(self.reads[i].score for i in agreeing)
        return max((i for i in agreeing if self.reads[i].score >= best - 5),
                   key=lambda i: self.reads[i].box[2] * self.reads[i].box[3])


class PlateTracker(Generic[ZoneT]):
    def __init__(self, gap_ms: float) -> None:
        self.gap_ms = gap_ms
        self.open: list[PlateTrack[ZoneT]] = []
        self.frame_ms = -math.inf  # the newest analysed frame's time
        self._ids = 0

    def update(self, wall_ms: float, reads: Sequence[tuple[PlateRead, ZoneT]], frame: Picture) -> None:
        """This frame's reads, each with the zone it lies in."""
        self.frame_ms = max(self.frame_ms, wall_ms)
        pairs = []
        for i, (read, zone) in enumerate(reads):
            for track in self.open:
                if track.zone != zone or track.last_ms >= wall_ms:
                    continue
                last = track.reads[-1]
                if read.text == last.text:
                    cost = 0.0
                else:
                    (x0, y0), (x1, y1) = centre(last.box), centre(read.box)
                    cost = math.hypot(x1 - x0, y1 - y0) / max(1, last.box[2], read.box[2])
                    if cost > MAX_STEP_WIDTHS:
                        continue
                pairs.append((cost, i, track))
        matched = greedy(pairs)
        for i, track in matched.items():
            track.add(wall_ms, reads[i][0], frame)
        for track in self.open:
            if not any(t is track for t in matched.values()):
                track.misses += 1
        for i, (read, zone) in enumerate(reads):
            if i not in matched:
                self._ids += 1
                track = PlateTrack(self._ids, zone, wall_ms, wall_ms)
                track.add(wall_ms, read, frame)
                self.open.append(track)

    def close(self, now_ms: float, everything: bool = False) -> list[PlateTrack[ZoneT]]:
        """Remove and return the tracks whose car has gone (all of them with everything=True);
        `now_ms` is the wall clock, for channels whose frames stopped."""
        def gone(t: PlateTrack[ZoneT]) -> bool:
            missed = t.misses >= MIN_MISSES and self.frame_ms - t.last_ms >= self.gap_ms
            return everything or missed or now_ms - t.last_ms >= self.gap_ms + STALL_MS

        done = [t for t in self.open if gone(t)]
        self.open = [t for t in self.open if t not in done]
        return done


@dataclass
class ObjectTrack:
    obj_id: int
    kind: str
    first_ms: float
    last_ms: float
    latest: DetectedObject
    hits: int = 1
    best: DetectedObject | None = None
    best_frame: Picture | None = None
    reported: bool = False

    def add(self, wall_ms: float, found: DetectedObject, frame: Picture) -> None:
        self.last_ms, self.latest = wall_ms, found
        self.hits += 1
        if self.best is None or found.score > self.best.score:
            self.best, self.best_frame = found, frame


class ObjectTracker:
    def __init__(self, next_id: Callable[[], int], gap_ms: float = 1500.0, confirm_hits: int = 2) -> None:
        self.next_id = next_id
        self.gap_ms, self.confirm_hits = gap_ms, confirm_hits
        self.open: list[ObjectTrack] = []

    def update(self, wall_ms: float, found: list[DetectedObject], frame: Picture) -> list[ObjectTrack]:
        """This frame's detections; returns the tracks confirmed by it (each is returned once)."""
        self.open = [t for t in self.open if wall_ms - t.last_ms < self.gap_ms]
        pairs = []
        for i, obj in enumerate(found):
            for track in self.open:
                if track.kind != obj.kind:
                    continue
                overlap = iou(track.latest.box, obj.box)
                (x0, y0), (x1, y1) = centre(track.latest.box), centre(obj.box)
                near = math.hypot(x1 - x0, y1 - y0) / max(1.0, math.hypot(obj.box[2], obj.box[3]))
                if overlap >= 0.2 or near < 0.5:
                    pairs.append((-overlap + near, i, track))
        matched = greedy(pairs)
        for i, track in matched.items():
            track.add(wall_ms, found[i], frame)
        for i, obj in enumerate(found):
            if i not in matched:
                track = ObjectTrack(self.next_id(), obj.kind, wall_ms, wall_ms, obj, 0)
                track.add(wall_ms, obj, frame)
                self.open.append(track)
        confirmed = [t for t in self.open if not t.reported and t.hits >= self.confirm_hits]
        for track in confirmed:
            track.reported = True
        return confirmed
