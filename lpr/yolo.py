"""Running an Ultralytics YOLOv8 ONNX export (detect or segment): letterbox, inference, decoding, NMS.

The export's output0 is (1, 4 + classes + mask coefficients, anchors): a centre-size box in input pixels,
one score per class, and for segmentation models 32 coefficients over output1's prototype masks.

With `rect`, a picture is fitted into the export's square input but its shorter side is padded only up to a
multiple of 32 (Ultralytics' "rect" letterbox): a 16:9 frame at 448 is a 448x256 input, 43 % less work than
448x448. Every shape but the export's own runs on one free-size copy of the model
(lpr.input_size.free_input_size), made on first use; without the `onnx` package the square input is used. The
boxes move by a pixel or two against the square input's, which changes a few reads either way (docs/models.md).
"""

from __future__ import annotations

import ast
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import cv2
import numpy as np
from numpy.typing import NDArray
from onnxruntime import InferenceSession

from lpr.arrays import Floats, Picture
from lpr.input_size import AnchorInputs, free_input_size
from lpr.onnx_session import open_session
from lpr.prototypes import PROTOTYPE_OUTPUT, PrototypeBranch, Prototypes, WholePrototypes, split

if TYPE_CHECKING:
    from onnx import ModelProto

log = logging.getLogger(__name__)
PAD_VALUE = 114  # Ultralytics' letterbox grey
FloatT = TypeVar("FloatT", bound=np.floating[Any])  # a model's input type: float16 or float32


@dataclass(frozen=True)
class Letterbox:
    """How an image was fitted into the model input: input = image * scale + (pad_x, pad_y)."""

    scale: float
    pad_x: int
    pad_y: int

    def to_image(self, boxes: Floats) -> Floats:
        """xyxy boxes in input pixels -> image pixels."""
        out = boxes.astype(np.float32).copy()
        out[:, [0, 2]] = (out[:, [0, 2]] - self.pad_x) / self.scale
        out[:, [1, 3]] = (out[:, [1, 3]] - self.pad_y) / self.scale
        return out


@dataclass
class RawDetections:
    """Detections after NMS, in image pixels: boxes (n, 4) xyxy, scores (n,), classes (n,), coefs (n, nm)."""

    boxes: Floats
    scores: Floats
    classes: NDArray[np.intp]
    coefs: Floats
    protos: Prototypes | None
    letterbox: Letterbox
    input_size: tuple[int, int]  # (height, width) of the model input


def class_names(session: InferenceSession) -> dict[int, str]:
    """The class names Ultralytics writes into the export's metadata ({0: 'person', ...})."""
    raw = session.get_modelmeta().custom_metadata_map.get("names", "")
    try:
        names = ast.literal_eval(raw) if raw else {}
    except (ValueError, SyntaxError):
        names = {}
    return {int(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}


@dataclass
class Sessions:
    """The sessions of one input shape: the network, and the mask prototype branch when it could be cut out of
    a segmentation export (lpr.prototypes; the network then outputs the branch's feature map instead)."""

    network: InferenceSession
    prototypes: PrototypeBranch | None = None
    anchors: AnchorInputs | None = None  # a free-size copy's anchor inputs (lpr.input_size.free_input_size)


class YoloModel:
    """One YOLOv8 ONNX model on ONNX Runtime."""

    def __init__(self, path: Path, setting: str, threads: int = 1, rect: bool = False) -> None:
        self.setting, self.path, self.threads = setting, path, threads
        whole = open_session(path, setting, threads)
        inp = whole.get_inputs()[0]
        self.input_name = inp.name
        shape = inp.shape
        self.height = shape[2] if isinstance(shape[2], int) else 640
        self.width = shape[3] if isinstance(shape[3], int) else 640
        self.dtype: type[np.float16 | np.float32] = np.float16 if "float16" in inp.type else np.float32
        self.names = class_names(whole)
        self.segment = len(whole.get_outputs()) > 1
        self.rect = rect and isinstance(shape[2], int) and isinstance(shape[3], int)
        cut = self._cut(path) if self.segment else None
        if cut is not None and not self._same_prototypes(whole, cut):
            log.warning("%s: prototypes made over the whole picture (its prototype branch reaches further than "
                        "lpr.prototypes.MARGIN)", path)
            cut = None
        self.sessions = cut or Sessions(whole)
        self._free: Sessions | None = None  # the sessions for every input shape but the export's

    def _cut(self, source: Path | ModelProto) -> Sessions | None:
        """Sessions for a segmentation export (a file, or a graph) with its prototype branch cut out; None if it
        cannot be."""
        try:
            model = _load(source) if isinstance(source, Path) else source
            parts = split(model) if model is not None else None
            if parts is None:
                return None
            network, branch = (open_session(part.SerializeToString(), self.setting, self.threads, self.path)
                               for part in parts)
            return Sessions(network, PrototypeBranch(branch))
        except Exception as exc:  # a graph lpr.prototypes does not know: the whole export, prototypes and all
            log.warning("%s: prototypes made over the whole picture (%s)", self.path, exc)
            return None

    def _same_prototypes(self, whole: InferenceSession, cut: Sessions) -> bool:
        """Whether the cut-out branch makes the whole export's prototypes, in a region inside the picture and in
        one at its corner, for a picture of noise (a check made once, when the model loads)."""
        if cut.prototypes is None:
            return False
        noise = np.random.default_rng(0).random((1, 3, self.height, self.width)).astype(self.dtype)
        want = whole.run(None, {self.input_name: noise})[PROTOTYPE_OUTPUT][0].astype(np.float32)
        got = cut.prototypes.over(cut.network.run(None, {self.input_name: noise})[PROTOTYPE_OUTPUT])
        _, h, w = want.shape
        regions = [(h // 3, h // 3 + 9, w // 3, w // 3 + 17), (0, 7, w - 11, w)]
        return got.shape == want.shape and all(
            np.allclose(got.region(y0, y1, x0, x1), want[:, y0:y1, x0:x1], atol=0.05) for y0, y1, x0, x1 in regions)

    def input_shape(self, image: Picture) -> tuple[int, int]:
        """(height, width) of the input for a picture: the export's, or its rect letterbox."""
        if not self.rect:
            return self.height, self.width
        h, w = image.shape[:2]
        scale = min(self.height / h, self.width / w)
        return (min(self.height, 32 * math.ceil(round(h * scale) / 32)),
                min(self.width, 32 * math.ceil(round(w * scale) / 32)))

    def letterbox(self, image: Picture) -> tuple[NDArray[np.float16 | np.float32], Letterbox]:
        """BGR uint8 image -> (1, 3, H, W) RGB tensor in [0, 1], centred on grey like Ultralytics does."""
        h, w = image.shape[:2]
        height, width = self.input_shape(image)
        scale = min(self.height / h, self.width / w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        resized = shrink(image, nw, nh) if scale < 1 else cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
        pad_x, pad_y = (width - nw) // 2, (height - nh) // 2
        canvas = np.full((height, width, 3), PAD_VALUE, np.uint8)
        canvas[pad_y:pad_y + nh, pad_x:pad_x + nw] = resized
        tensor = _unit_range(canvas[:, :, ::-1].transpose(2, 0, 1)[None], self.dtype)
        return np.ascontiguousarray(tensor), Letterbox(scale, pad_x, pad_y)

    def session_for(self, height: int, width: int) -> Sessions:
        """The sessions for an input of height x width: the export's own, or for any other shape one free-size
        copy of the model (lpr.input_size.free_input_size), made the first time; the export's own when no copy
        can be made."""
        if (height, width) == (self.height, self.width):
            return self.sessions
        if self._free is None:
            try:
                model = _load(self.path)
                if model is None:
                    raise ValueError("no onnx package")
                inputs = free_input_size(model)
                made = (self._cut(model) if self.segment else None) or Sessions(
                    open_session(model.SerializeToString(), self.setting, self.threads, self.path))
            except Exception as exc:  # no onnx package, a graph lpr.input_size does not know: square it is
                log.warning("%s: the square input only (%s)", self.path, exc)
                self.rect = False
                return self.sessions
            self._free = replace(made, anchors=inputs)
        return self._free

    def __call__(self, image: Picture, conf: float, iou: float, classes: set[int] | None = None,
                 max_det: int = 100) -> RawDetections:
        # the sessions first: when no free-size copy can be made, session_for turns rect off and the picture is
        # letterboxed to the square
        sessions = self.session_for(*self.input_shape(image))
        tensor, box = self.letterbox(image)
        input_size = (int(tensor.shape[2]), int(tensor.shape[3]))
        feeds = sessions.anchors.feeds(*input_size) if sessions.anchors is not None else {}
        outputs = sessions.network.run(None, {**feeds, self.input_name: tensor})
        pred = outputs[0][0].astype(np.float32).T  # (anchors, channels)
        protos: Prototypes | None = None
        if self.segment and len(outputs) > PROTOTYPE_OUTPUT:
            second = outputs[PROTOTYPE_OUTPUT]
            protos = (WholePrototypes(second[0].astype(np.float32)) if sessions.prototypes is None
                      else sessions.prototypes.over(second))
        nm = protos.shape[0] if protos is not None else 0
        nc = pred.shape[1] - 4 - nm
        class_scores = pred[:, 4:4 + nc]
        if classes is not None:
            keep_cols = np.zeros(nc, bool)
            keep_cols[[c for c in classes if c < nc]] = True
            class_scores = np.where(keep_cols, class_scores, 0)
        cls = class_scores.argmax(1)
        score = class_scores[np.arange(len(cls)), cls]
        mask = score > conf
        pred, cls, score = pred[mask], cls[mask], score[mask]
        xyxy = np.empty((len(pred), 4), np.float32)
        xyxy[:, :2] = pred[:, :2] - pred[:, 2:4] / 2
        xyxy[:, 2:] = pred[:, :2] + pred[:, 2:4] / 2
        keep = nms(xyxy, score, cls, iou)[:max_det]
        boxes = box.to_image(xyxy[keep])
        h, w = image.shape[:2]
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        coefs = pred[keep, 4 + nc:] if nm else np.zeros((len(keep), 0), np.float32)
        return RawDetections(boxes, score[keep], cls[keep], coefs, protos, box, input_size)


def _load(path: Path) -> ModelProto | None:
    """The model at `path` as an ONNX graph to edit; None without the onnx package."""
    try:
        import onnx
    except ImportError:
        return None
    return onnx.load(str(path))


def shrink(image: Picture, width: int, height: int) -> Picture:
    """The picture brought down to width x height: averaged over k x k blocks first, for the largest whole k that
    divides both sides and leaves it no smaller, then resized linearly the rest of the way (less than 2x).
    OpenCV's INTER_AREA weighs every pixel's share at any other factor than a whole one, which costs 13 ms a
    1280 x 1280 photo on one core against 2 ms this way, for pixels as near the INTER_AREA ones (a mean difference
    of half a level) as a plain linear resize's are not (0.8, with aliasing at 2x and more)."""
    h, w = image.shape[:2]
    factor = min(w // width, h // height)
    while factor >= 2 and (w % factor or h % factor):
        factor -= 1
    if factor < 2:
        return cast(Picture, cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    blocks = cv2.resize(image, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    if blocks.shape[:2] == (height, width):
        return cast(Picture, blocks)
    return cast(Picture, cv2.resize(blocks, (width, height), interpolation=cv2.INTER_LINEAR))


def _unit_range(pixels: Picture, dtype: type[FloatT]) -> NDArray[FloatT]:
    """0-255 pixel values -> 0-1 in the model's float type."""
    return pixels.astype(dtype) * dtype(1 / 255)


def nms(xyxy: Floats, scores: Floats, classes: NDArray[np.intp], iou: float) -> NDArray[np.int64]:
    """Indices kept by per-class non-maximum suppression, best first."""
    if len(xyxy) == 0:
        return np.zeros(0, np.int64)
    xywh = np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], 1)
    kept = cv2.dnn.NMSBoxesBatched(xywh.tolist(), scores.tolist(), classes.tolist(), 0.0, iou)
    keep = np.asarray(kept, np.int64).reshape(-1)
    return keep[np.argsort(-scores[keep], kind="stable")]
