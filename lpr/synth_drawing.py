"""What the synthetic plates (lpr.korean_synth, lpr.band_synth) draw with: font files from Debian's packages, and
colours that vary from plate to plate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.random import Generator


def font_file(folder: Path, name: str, package: str) -> Path:
    """The font file `name` in `folder`; FileNotFoundError naming the Debian `package` to install if it is not
    there."""
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: install Debian's {package} (apt-get install {package})")
    return path


def jitter(colour: tuple[int, int, int], rng: Generator, amount: int) -> tuple[int, int, int]:
    """`colour` with each channel moved by up to `amount` either way (within 0-255)."""
    b, g, r = (int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255)) for c in colour)
    return b, g, r
