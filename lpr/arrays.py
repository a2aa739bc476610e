"""The kinds of numpy array the LPR code passes around.

OpenCV's stubs type every result as MatLike (any numeric array); the result of a resize, blur or warp, which
keeps its input's dtype, is cast back to Picture.
"""

import numpy as np
from numpy.typing import NDArray

Picture = NDArray[np.uint8]  # BGR (height, width, 3), or grey (height, width)
Floats = NDArray[np.float32]  # boxes (n, 4) xyxy, quadrilaterals (4, 2), scores, probabilities
