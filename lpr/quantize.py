"""Faster detectors: an int8 copy of a YOLOv8 ONNX export, made once and cached.

On one CPU core the plate detector (YOLOv8s-seg, float16) takes ~340 ms a picture; its int8 copy ~130 ms with
the same boxes. The copy is made from the configured (or packaged) weights on first use: float16 weights are
widened to float32, then onnxruntime's static quantisation (QDQ, int8 weights per channel, uint8 activations)
is calibrated on synthetic pictures (lpr.calibration). The box decoding at the end of the head stays in float:
it mixes pixel coordinates and 0-1 scores in one tensor, which a single int8 scale cannot hold. So does the first
convolution: on x86 without VNNI, ONNX Runtime sums pairs of uint8 x int8 products in 16 bits, which saturate
where bright pixels (a white plate) meet large weights (docs/models.md).

The copy is written to the cache folder, named after the source file's hash, so it is made again only when
the weights change. Without the `onnx` package, or for a graph this recipe does not know, the original model
is used as it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from onnx import ModelProto

log = logging.getLogger(__name__)
RECIPE = "int8-qdq-v3"  # change when the recipe changes: old copies are then ignored
CALIBRATION_PICTURES = 12


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tsnvr" / "models"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_int8(path: Path, cache_dir: Path | None = None, input_size: int = 0) -> Path | None:
    """The int8 copy of the YOLO model at `path` (made now if needed), or None when it cannot be made;
    `input_size` > 0 makes it for that square input (lpr.input_size) instead of the export's own."""
    return cached_copy(path, cache_dir, True, input_size)


def cached_copy(path: Path, cache_dir: Path | None, int8: bool, input_size: int = 0) -> Path | None:
    """A copy of the YOLO model at `path`, in int8 and/or for a square input of `input_size` (0: the export's
    own size), made now if needed; None when it cannot be made (or nothing is to change)."""
    if not int8 and not input_size:
        return None
    try:
        import onnxruntime
        folder = cache_dir or default_cache_dir()
        recipe = RECIPE if int8 else "float"
        sized = f" {input_size}" if input_size else ""
        key = hashlib.sha256(f"{file_digest(path)} {recipe} {onnxruntime.__version__}{sized}".encode())
        name = f"{path.stem}-{input_size}" if input_size else path.stem
        target = folder / f"{name}-{key.hexdigest()[:16]}.{'int8' if int8 else 'float'}.onnx"
        if target.is_file():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        log.info("making a copy of %s in %s (once)", path, target)
        if int8:
            make_int8(path, target, input_size)
        else:
            _write(_load(path, input_size), target)
        return target
    except Exception as exc:  # no onnx package, an unknown graph, a read-only cache: use the original model
        log.warning("using %s as it is (no copy: %s)", path, exc)
        return None


def _load(path: Path, input_size: int) -> ModelProto:
    """The model at `path`, for a square input of `input_size` if that is > 0."""
    import onnx

    from lpr.input_size import with_input_size

    model = onnx.load(str(path))
    if input_size:
        with_input_size(model, input_size, input_size)
    return model


def _write(model: ModelProto, target: Path) -> None:
    """Save through a temporary name: a copy another process is reading is never half written."""
    import onnx

    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        onnx.save(model, str(partial))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


class _QuietAdvice(logging.Filter):
    """onnxruntime's quantiser advises pre-processing on the root logger at every run: not for our logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing" not in record.getMessage()


def make_int8(source: Path, target: Path, input_size: int = 0) -> None:
    quiet = _QuietAdvice()
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        _make_int8(source, target, input_size)
    finally:
        root.removeFilter(quiet)


def _make_int8(source: Path, target: Path, input_size: int = 0) -> None:
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    from lpr.calibration import scenes
    from lpr.yolo import YoloModel

    model = _load(source, input_size)
    head = head_prefix(model)
    widen_float16(model)
    with tempfile.TemporaryDirectory(prefix="tsnvr-int8-") as tmp:
        float_path = Path(tmp) / "float32.onnx"
        onnx.save(model, str(float_path))
        yolo = YoloModel(float_path, "calibration", threads=0)
        inputs = [{yolo.input_name: yolo.letterbox(picture)[0]} for picture in scenes(CALIBRATION_PICTURES)]

        class Pictures(CalibrationDataReader):
            def __init__(self) -> None:
                self.items = iter(inputs)

            def get_next(self) -> dict[str, NDArray[np.float16 | np.float32]] | None:
                return next(self.items, None)

        # keep in float: the head's decoding (everything in the head outside its convolution branches) and
        # the last convolution of each branch, whose outputs (class logits, box distances, mask coefficients)
        # need the range real objects give, which synthetic pictures cannot show
        keep_float = [n.name for n in model.graph.node if n.name.startswith(head) and (
            not re.match(re.escape(head) + r"(cv\d|proto)", n.name) or re.search(r"/cv\d\.\d\.2/", n.name))]
        # and the convolution that reads the picture: the one layer whose int8 sums saturate (see the top)
        keep_float += first_convolutions(model)
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            quantize_static(str(float_path), str(partial), Pictures(), quant_format=QuantFormat.QDQ,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                            op_types_to_quantize=["Conv", "Mul", "Sigmoid", "Add", "Concat", "MaxPool", "Resize",
                                                  "Split"],
                            nodes_to_exclude=keep_float, calibrate_method=CalibrationMethod.MinMax)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)


def first_convolutions(model: ModelProto) -> list[str]:
    """The convolutions that read the picture itself."""
    inputs = {value.name for value in model.graph.input}
    return [n.name for n in model.graph.node if n.op_type == "Conv" and n.input[0] in inputs]


def head_prefix(model: ModelProto) -> str:
    """The node-name prefix of the detection head ("/model.22/"): the module that makes the first output."""
    out = model.graph.output[0].name
    producer = next((n for n in model.graph.node if out in n.output), None)
    match = re.match(r"(/model\.\d+/)", producer.name if producer is not None else "")
    if match is None:
        raise ValueError("not an Ultralytics YOLO export (no /model.N/ node names)")
    return match.group(1)


def widen_float16(model: ModelProto) -> None:
    """float16 weights, constants, casts and inputs/outputs -> float32, in place."""
    from onnx import TensorProto, numpy_helper

    graph = model.graph
    for i, init in enumerate(graph.initializer):
        if init.data_type == TensorProto.FLOAT16:
            graph.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float32),
                                                                  init.name))
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT16:
                attr.i = TensorProto.FLOAT
            if attr.type == attr.TENSOR and attr.t.data_type == TensorProto.FLOAT16:
                attr.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attr.t).astype(np.float32), attr.t.name))
    for value in [*graph.input, *graph.output, *graph.value_info]:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT16:
            value.type.tensor_type.elem_type = TensorProto.FLOAT
