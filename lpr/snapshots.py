"""Still images of what the worker saw, under DIR/images (served by /storage): plate crops, the
frame a plate was read in, and object crops. Written to a temporary name and renamed, so a reader
never sees half a file."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import cast

import cv2

from lpr.arrays import Picture

Box = tuple[int, int, int, int]

FRAME_MAX_WIDTH = 1280  # context frames are shrunk to this: the plate crop carries the detail
QUALITY = 85


def day_folder(kind: str, chid: int, wall_ms: float) -> str:
    """"images/plates/2026-11-21/ch1": relative to the data directory, by UTC day."""
    return f"images/{kind}/{time.strftime('%Y-%m-%d', time.gmtime(wall_ms / 1000))}/ch{chid}"


def crop(frame: Picture, box: Box, margin: float = 0.0) -> Picture:
    """The box, widened by `margin` of its size on each side, clipped to the frame."""
    x, y, w, h = box
    mx, my = int(margin * w), int(margin * h)
    fh, fw = frame.shape[:2]
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(fw, x + w + mx), min(fh, y + h + my)
    return frame[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]


def shrink(frame: Picture, max_width: int = FRAME_MAX_WIDTH) -> Picture:
    h, w = frame.shape[:2]
    if w <= max_width:
        return frame
    return cast(Picture, cv2.resize(frame, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA))


def save_jpeg(data_dir: Path, relative: str, image: Picture) -> str:
    """Write `image` to DIR/relative; returns `relative`."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
    if not ok:
        raise OSError(f"cannot encode {relative} as JPEG")
    path = data_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(encoded.tobytes())
    os.replace(partial, path)
    return relative
