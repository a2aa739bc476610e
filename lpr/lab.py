"""CIE L*a*b*'s colour plane (a*, b*) of BGR colours, as OpenCV's COLOR_BGR2Lab makes it (sRGB, D65 white).

OpenCV's conversion of float colours builds a table on its first call, about 90 ms, which the first photo of
every `tsnvr lpr read` paid; the character band converts a few dozen mean colours a plate, for which numpy is as
quick.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# sRGB (linear) to XYZ, rows X, Y, Z over columns R, G, B, and the D65 white point: OpenCV's constants
_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423],
                    [0.212671, 0.715160, 0.072169],
                    [0.019334, 0.119193, 0.950227]])
_WHITE = np.array([0.950456, 1.0, 1.088754])


def lab_ab(bgr: NDArray[np.floating] | NDArray[np.uint8]) -> NDArray[np.float32]:
    """The (a*, b*) of BGR colours with values 0-255, shape (..., 3) -> (..., 2)."""
    rgb = np.asarray(bgr, np.float64)[..., ::-1] / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _TO_XYZ.T / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1).astype(np.float32)
