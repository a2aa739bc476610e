"""Synthetic street-like pictures for calibrating the int8 models (lpr.quantize): textured backgrounds,
flat coloured shapes and light and yellow plates with dark characters, drawn from a fixed seed.

Calibration only measures the range of each layer's activations, so the pictures need a real picture's mix
of textures, flat areas and sharp edges, not real content; being generated, they carry no data set's licence.
"""

from __future__ import annotations

import string
from typing import cast

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lpr.arrays import Picture

PLATE_CHARS = string.ascii_uppercase + string.digits
PLATE_COLOURS = ((250, 250, 250), (240, 200, 40), (200, 200, 200), (230, 235, 240))


def scene(seed: int, width: int = 1280, height: int = 720) -> Picture:
    """One synthetic BGR picture."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((height, width, 3), np.float32)
    for cell in (4, 16, 64, 256):  # noise at several scales: fine texture to large shading
        noise = rng.normal(0, 1, (height // cell + 2, width // cell + 2, 3)).astype(np.float32)
        canvas += cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC) * rng.uniform(10, 40)
    canvas += rng.uniform(60, 190, 3)
    picture = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    for _ in range(int(rng.integers(5, 15))):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(20, 500)), int(rng.integers(20, 300))
        draw.rectangle((x, y, x + w, y + h), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    for _ in range(int(rng.integers(1, 4))):
        pw = int(rng.integers(80, 320))
        ph = int(pw * float(rng.choice([0.22, 0.3, 0.5])))
        x, y = int(rng.integers(0, width - pw)), int(rng.integers(0, height - ph))
        fill = PLATE_COLOURS[int(rng.integers(0, len(PLATE_COLOURS)))]
        draw.rounded_rectangle((x, y, x + pw, y + ph), radius=4, fill=fill, outline=(0, 0, 0), width=2)
        text = "".join(rng.choice(list(PLATE_CHARS), 7))
        font = ImageFont.load_default(size=max(8, int(ph * 0.6)))
        draw.text((x + pw / 2, y + ph / 2), text, font=font, fill=(0, 0, 0), anchor="mm")
    bgr = np.asarray(picture)[:, :, ::-1]
    return cast(Picture, cv2.GaussianBlur(bgr, (0, 0), float(rng.uniform(0.3, 1.2))))


def scenes(count: int = 12) -> list[Picture]:
    """`count` pictures, alternately 1280x720 and 960x960 (letterboxing both ways)."""
    return [scene(i, 1280, 720) if i % 2 else scene(i, 960, 960) for i in range(count)]
