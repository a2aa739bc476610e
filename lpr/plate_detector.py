"""Licence-plate detection with a YOLOv8 segmentation model (default: platedet): each plate's box, score and
the quadrilateral its mask outlines (for perspective correction). Detection-only models work too: their
quadrilateral is the box."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lpr.arrays import Floats, Picture
from lpr.geometry import box_quad, quad_from_contour
from lpr.yolo import RawDetections, YoloModel

SETTING = "lpr_plate_model"
# A plate wider than this share of the detector's input is larger than the plates it learnt from (it tends to
# find only part of it): such close-ups are looked at again with the picture shrunk to half its size.
CLOSE_UP = 0.4


@dataclass
class PlateDetection:
    box: Floats  # xyxy in image pixels
    score: float
    quad: Floats  # (4, 2) tl, tr, br, bl in image pixels
    from_mask: bool  # the quad comes from the segmentation mask, not the box

    def in_picture(self, scale: float, origin: tuple[float, float]) -> PlateDetection:
        """This detection, made in a view of a picture (the picture `scale` times its size, the view's (0, 0) at
        the picture's `origin`), in the picture's own pixels."""
        at = np.array(origin, np.float32)
        return PlateDetection(self.box / scale + np.tile(at, 2), self.score, self.quad / scale + at, self.from_mask)


class PlateDetector:
    def __init__(self, path: Path, threads: int = 1, conf: float = 0.25, iou: float = 0.5) -> None:
        self.model = YoloModel(path, SETTING, threads)
        self.conf, self.iou = conf, iou

    def __call__(self, image: Picture) -> list[PlateDetection]:
        found = self.detect(image)
        h, w = image.shape[:2]
        scale = min(self.model.height / h, self.model.width / w)
        if not any((d.box[2] - d.box[0]) * scale > CLOSE_UP * self.model.width for d in found):
            return found
        # (the shrunk picture is the picture at half size, its corner at (w // 4, h // 4))
        far = [d.in_picture(0.5, (-2 * (w // 4), -2 * (h // 4))) for d in self.detect(shrunk(image))]
        return far + [d for d in found if not any(overlap(d.box, f.box) > 0.2 for f in far)]

    def detect(self, image: Picture) -> list[PlateDetection]:
        raw = self.model(image, self.conf, self.iou)
        out = []
        for i in range(len(raw.scores)):
            box = raw.boxes[i]
            if box[2] - box[0] < 4 or box[3] - box[1] < 2:
                continue
            quad = mask_quad(raw, i)
            out.append(PlateDetection(box, float(raw.scores[i]), quad if quad is not None else box_quad(box),
                                      quad is not None))
        return out


def shrunk(image: Picture) -> Picture:
    """The picture at half size in the middle of a grey canvas of its own size."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    canvas = np.full_like(image, 114)
    canvas[h // 4:h // 4 + small.shape[0], w // 4:w // 4 + small.shape[1]] = small
    return canvas


def overlap(a: Floats, b: Floats) -> float:
    """Intersection over the smaller box's area."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / smaller) if smaller > 0 else 0.0


def mask_quad(raw: RawDetections, i: int) -> Floats | None:
    """The plate's outline from its segmentation mask, in image pixels (None without a usable mask)."""
    if raw.protos is None or raw.coefs.shape[1] != raw.protos.shape[0]:
        return None
    nm, ph, pw = raw.protos.shape
    lb = raw.letterbox
    ratio = pw / raw.input_size[1]  # prototype pixels per input pixel (1/4)
    x0, y0, x1, y1 = raw.boxes[i]
    margin_x, margin_y = 0.1 * (x1 - x0), 0.15 * (y1 - y0)
    # the region around the box, in prototype pixels
    px0 = int(np.floor(((x0 - margin_x) * lb.scale + lb.pad_x) * ratio))
    py0 = int(np.floor(((y0 - margin_y) * lb.scale + lb.pad_y) * ratio))
    px1 = int(np.ceil(((x1 + margin_x) * lb.scale + lb.pad_x) * ratio)) + 1
    py1 = int(np.ceil(((y1 + margin_y) * lb.scale + lb.pad_y) * ratio)) + 1
    px0, py0, px1, py1 = max(px0, 0), max(py0, 0), min(px1, pw), min(py1, ph)
    if px1 - px0 < 2 or py1 - py0 < 2:
        return None
    logits = raw.coefs[i] @ raw.protos.region(py0, py1, px0, px1).reshape(nm, -1)
    logits = logits.reshape(py1 - py0, px1 - px0)
    # up-sample the logits to image pixels (at most 4x the prototype grid: enough for a smooth outline)
    per_image_px = 1 / (ratio * lb.scale)  # image pixels per prototype pixel
    up = max(1.0, min(4.0, per_image_px))
    fine = cv2.resize(logits, (round((px1 - px0) * up), round((py1 - py0) * up)), interpolation=cv2.INTER_LINEAR)
    # keep only the box (Ultralytics crops masks to the box when training)
    to_fine = lambda v, pad, p0: ((v * lb.scale + pad) * ratio - p0) * up  # noqa: E731
    bx0, bx1 = to_fine(np.array([x0, x1]), lb.pad_x, px0)
    by0, by1 = to_fine(np.array([y0, y1]), lb.pad_y, py0)
    binary = np.zeros(fine.shape, np.uint8)
    ys, ye = max(0, int(by0) - 1), min(fine.shape[0], int(np.ceil(by1)) + 1)
    xs, xe = max(0, int(bx0) - 1), min(fine.shape[1], int(np.ceil(bx1)) + 1)
    binary[ys:ye, xs:xe] = (fine[ys:ye, xs:xe] > 0).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    if cv2.contourArea(contour) < 0.3 * (bx1 - bx0) * (by1 - by0):
        return None
    pts = contour.reshape(-1, 2).astype(np.float32) + 0.5
    # fine pixels -> image pixels
    pts[:, 0] = ((pts[:, 0] / up + px0) / ratio - lb.pad_x) / lb.scale
    pts[:, 1] = ((pts[:, 1] / up + py0) / ratio - lb.pad_y) / lb.scale
    return quad_from_contour(pts)
