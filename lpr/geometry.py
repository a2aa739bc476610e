"""Boxes and quadrilaterals: conversions and corner ordering."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import ArrayLike

from lpr.arrays import Floats


def order_corners(points: ArrayLike) -> Floats:
    """Four points -> (4, 2) float32 in the order top-left, top-right, bottom-right, bottom-left."""
    pts = np.asarray(points, np.float32).reshape(4, 2)
    centre = pts.mean(0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen (y down), starting near the left
    start = int(np.argmin(pts.sum(1)))  # top-left: smallest x + y
    return np.roll(pts, -start, axis=0)


def box_quad(box: Floats | tuple[float, float, float, float]) -> Floats:
    """An xyxy box as a quadrilateral."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def quad_from_contour(contour: Floats) -> Floats:
    """The quadrilateral that best outlines a (convex-ish) region: a four-corner simplification of its hull
    when that covers the hull well, else the minimum-area rotated rectangle."""
    hull = cv2.convexHull(contour.reshape(-1, 1, 2).astype(np.float32))
    hull_area = float(cv2.contourArea(hull))
    rect = cv2.boxPoints(cv2.minAreaRect(hull))
    if hull_area <= 0 or len(hull) < 4:
        return order_corners(rect)
    perimeter = cv2.arcLength(hull, True)
    for fraction in (0.02, 0.04, 0.06, 0.08, 0.1):
        approx = cv2.approxPolyDP(hull, fraction * perimeter, True)
        if len(approx) == 4:
            area = abs(float(cv2.contourArea(approx)))
            if 0.9 * hull_area <= area <= 1.1 * hull_area and cv2.isContourConvex(approx.astype(np.int32)):
                return order_corners(approx.reshape(4, 2))
            break
        if len(approx) < 4:
            break
    return order_corners(rect)


def quad_size(quad: Floats) -> tuple[float, float]:
    """(width, height) of a tl-tr-br-bl quadrilateral: the longer of each pair of opposite sides."""
    tl, tr, br, bl = quad
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    return float(width), float(height)


def xywh(box: Floats | tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """xyxy -> integer (x, y, width, height)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return round(x0), round(y0), max(0, round(x1 - x0)), max(0, round(y1 - y0))
