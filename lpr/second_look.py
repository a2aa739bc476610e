"""The second look for plates the first pass missed: the picture cut into overlapping views, each magnified
before it goes to the detector, so that a plate a few dozen pixels wide in the first pass's shrunk picture
is seen at twice the size or more.

The views: each known vehicle (its box with a margin), or, when no vehicles are known, the whole picture.
A view that fits the detector's input at more than ZOOM times the first pass's magnification is looked at
whole (a small vehicle: its crop enlarged); a larger one is enlarged ZOOM times and cut into overlapping
tiles of the detector's input size. When nothing the magnified views of a whole picture find reads either, it is
looked at from further away (`step_back`): in the middle of a grey canvas WIDER times its size, so the detector
sees it at 1/WIDER of the first pass's size, each distance in turn until a plate found reads. A detector misses
some plates it sees large and sharp (a close-up of a plate, a plate in an unusual colour that fills its input)
and finds them smaller, where they look like the plates of the street scenes it learnt from; how small it
finds such a plate best varies from plate to plate, hence several distances. (Not for vehicles: in video the
car is seen again in the next frames, and each look costs every plate-less frame with a vehicle in view.)
Costs at most MAX_VIEWS + len(WIDER) detector runs; LprEngine runs it only when the first pass found nothing
that reads, so pictures with a readable plate pay nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np

from lpr.arrays import Picture
from lpr.plate_detector import PlateDetection, overlap
from lpr.yolo import PAD_VALUE

Region = tuple[int, int, int, int]  # x0, y0, x1, y1 in image pixels
Detect = Callable[[Picture], list[PlateDetection]]  # one detector pass on a picture (PlateDetector.detect)

ZOOM = 2.0  # magnification of the second look over the first pass's
MAX_SCALE = 4.0  # never enlarge the picture's own pixels more than this (a tiny vehicle far away)
MIN_OVERLAP = 0.25  # neighbouring tiles share at least this share of a tile: a plate that wide lies whole in one
VEHICLE_MARGIN = 0.05  # of a vehicle box's size on each side
MAX_VIEWS = 9  # detector runs, at most (ZOOM 2 on the whole picture: 3 x 3 tiles at most)
EDGE = 2.0  # a detection this close (input pixels) to a tile side inside the picture is cut by the tile
SAME_PLATE = 0.5  # detections from two views overlapping this much (of the smaller) are one plate
WIDER = (2, 3, 4)  # the step back: the region on a canvas this many times its size, nearest first
CANVAS_MAX = 4096  # pixels on the canvas's longer side, at most: the picture is shrunk first beyond that


@dataclass(frozen=True)
class View:
    """A region of the picture as the detector sees it: enlarged `scale` times."""

    region: Region
    scale: float


def search(image: Picture, detect: Detect, input_size: tuple[int, int],
           vehicles: Sequence[Region] | None = None) -> list[PlateDetection]:
    """Plates found by looking again at magnified views of the picture (or of its vehicles), best first,
    in image pixels. input_size is the detector's (height, width)."""
    found: list[PlateDetection] = []
    for view in views(image.shape[:2], input_size, vehicles):
        found += look(image, view, detect)
    return merge(found)


def step_back(image: Picture, detect: Detect) -> Iterator[list[PlateDetection]]:
    """The whole picture seen from each distance of WIDER in turn: the detections at each, best first, in
    image pixels (the caller stops at the first that holds a plate that reads)."""
    h, w = image.shape[:2]
    for wider in WIDER:
        yield merge(look_wider(image, (0, 0, w, h), detect, wider))


def views(shape: tuple[int, ...], input_size: tuple[int, int],
          vehicles: Sequence[Region] | None = None) -> list[View]:
    """The views to look at, largest vehicles first, at most MAX_VIEWS."""
    h, w = shape[:2]
    ih, iw = input_size
    first = min(ih / h, iw / w)  # the first pass's magnification
    out: list[View] = []
    for x0, y0, x1, y1 in regions(shape, vehicles):
        rw, rh = x1 - x0, y1 - y0
        whole = min(ih / rh, iw / rw, MAX_SCALE)
        if whole >= ZOOM * first:
            out.append(View((x0, y0, x1, y1), whole))
            continue
        scale = min(ZOOM * first, MAX_SCALE)
        tile_w, tile_h = min(rw, int(iw / scale)), min(rh, int(ih / scale))  # a tile in image pixels
        for ty in _starts(y0, rh, tile_h):
            for tx in _starts(x0, rw, tile_w):
                out.append(View((tx, ty, tx + tile_w, ty + tile_h), scale))
    return out[:MAX_VIEWS]


def regions(shape: tuple[int, ...], vehicles: Sequence[Region] | None = None) -> list[Region]:
    """The regions to look at: the whole picture, or each vehicle with a margin (largest first), but none
    too small to hold a plate."""
    h, w = shape[:2]
    if vehicles is None:
        return [(0, 0, w, h)]
    out = [_with_margin(v, w, h) for v in sorted(vehicles, key=lambda v: -(v[2] - v[0]) * (v[3] - v[1]))]
    return [r for r in out if r[2] - r[0] >= 8 and r[3] - r[1] >= 8]


def _with_margin(box: Region, w: int, h: int) -> Region:
    x0, y0, x1, y1 = box
    mx, my = VEHICLE_MARGIN * (x1 - x0), VEHICLE_MARGIN * (y1 - y0)
    return max(0, int(x0 - mx)), max(0, int(y0 - my)), min(w, math.ceil(x1 + mx)), min(h, math.ceil(y1 + my))


def _starts(start: int, length: int, tile: int) -> list[int]:
    """Where tiles `tile` long begin to cover [start, start + length) with at least MIN_OVERLAP between
    neighbours, spread evenly (the last one ends at the end)."""
    if length <= tile:
        return [start]
    count = math.ceil((length - tile) / (tile * (1 - MIN_OVERLAP))) + 1
    step = (length - tile) / (count - 1)
    return [start + round(i * step) for i in range(count)]


def look(image: Picture, view: View, detect: Detect) -> list[PlateDetection]:
    """The detections in one view, in image pixels, less those the view's sides cut (a side inside the
    picture: the plate lies whole in a neighbouring view)."""
    x0, y0, x1, y1 = view.region
    crop = image[y0:y1, x0:x1]
    size = (max(1, round((x1 - x0) * view.scale)), max(1, round((y1 - y0) * view.scale)))
    big = cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR if view.scale >= 1 else cv2.INTER_AREA)
    h, w = image.shape[:2]
    limit = EDGE / view.scale
    out = []
    for found in detect(np.ascontiguousarray(big)):
        d = found.in_picture(view.scale, (x0, y0))
        box = d.box
        cut = ((x0 > 0 and box[0] - x0 < limit) or (y0 > 0 and box[1] - y0 < limit)
               or (x1 < w and x1 - box[2] < limit) or (y1 < h and y1 - box[3] < limit))
        if not cut:
            out.append(d)
    return out


def look_wider(image: Picture, region: Region, detect: Detect, wider: float = WIDER[0]) -> list[PlateDetection]:
    """The detections in a region seen from further away (in the middle of a grey canvas `wider` times its
    size, the region shrunk first where that canvas would be larger than CANVAS_MAX), in image pixels; those
    reaching beyond the region are the canvas's and dropped."""
    x0, y0, x1, y1 = region
    crop = image[y0:y1, x0:x1]
    scale = min(1.0, CANVAS_MAX / (wider * max(x1 - x0, y1 - y0)))
    if scale < 1.0:
        size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        crop = cast(Picture, cv2.resize(crop, size, interpolation=cv2.INTER_AREA))
    rh, rw = crop.shape[:2]
    canvas = np.full((round(rh * wider), round(rw * wider), 3), PAD_VALUE, np.uint8)  # the letterbox's grey
    oy, ox = (canvas.shape[0] - rh) // 2, (canvas.shape[1] - rw) // 2
    canvas[oy:oy + rh, ox:ox + rw] = crop
    out = []
    for found in detect(canvas):
        d = found.in_picture(scale, (x0 - ox / scale, y0 - oy / scale))
        box = d.box
        if box[0] >= x0 - EDGE and box[1] >= y0 - EDGE and box[2] <= x1 + EDGE and box[3] <= y1 + EDGE:
            out.append(d)
    return out


def merge(found: list[PlateDetection]) -> list[PlateDetection]:
    """One detection per plate (the best scored where views overlap), best first."""
    kept: list[PlateDetection] = []
    for d in sorted(found, key=lambda d: -d.score):
        if not any(overlap(d.box, k.box) > SAME_PLATE for k in kept):
            kept.append(d)
    return kept


def vehicle_regions(boxes: Sequence[tuple[int, int, int, int]]) -> list[Region]:
    """(x, y, width, height) boxes -> regions."""
    return [(x, y, x + bw, y + bh) for x, y, bw, bh in boxes]

