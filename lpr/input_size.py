"""A YOLOv8 ONNX export made for another input size.

Ultralytics exports a fixed input (platedet: 640x640) and bakes the size into three places of the head: the
anchor centres, the stride of every anchor, and the anchor count in the reshapes of the box decoding. The
network itself is convolutional, so the same weights run at any multiple of 32 once those constants are made
again for the new size. A smaller input costs less in proportion to its pixels (the plate detector at 384
takes about a third of the time at 640) and still finds plates that are not tiny in the picture.

With the anchor constants made inputs instead (free_input_size), one copy takes pictures of every size: the
rect letterbox (lpr.yolo) gives each picture's shape its own input, and a folder of photos of many sizes needs
no copy, nor session, per shape.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from onnx import ModelProto

STRIDES = (8, 16, 32)  # YOLOv8's three detection levels


def anchors(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(2, n) anchor centres in grid cells and (n,) strides for an input of height x width, in the export's
    order (level by level, row by row)."""
    points, strides = [], []
    for stride in STRIDES:
        rows, cols = height // stride, width // stride
        sy, sx = np.meshgrid(np.arange(rows) + 0.5, np.arange(cols) + 0.5, indexing="ij")
        points.append(np.stack([sx.ravel(), sy.ravel()]))
        strides.append(np.full(rows * cols, stride))
    return np.concatenate(points, 1), np.concatenate(strides)


def with_input_size(model: ModelProto, height: int, width: int) -> None:
    """Rewrite a YOLOv8 export, in place, for a (1, 3, height, width) input; ValueError if the graph does not
    look like one (then it is used at its own size)."""
    from onnx import numpy_helper

    if height % 32 or width % 32 or height < 64 or width < 64:
        raise ValueError(f"input {width}x{height}: both sides must be multiples of 32, at least 64")
    graph = model.graph
    old_h, old_w = _fixed_size(model)
    if (old_h, old_w) == (height, width):
        return
    _constant_nodes_as_initializers(model)
    new_points, new_strides = anchors(height, width)
    for index, kind, value in _head_constants(model, old_h, old_w):
        new = new_points[None] if kind == "anchors" else new_strides[None] if kind == "strides" else value
        init = graph.initializer[index]
        init.CopyFrom(numpy_helper.from_array(new.astype(value.dtype), init.name))
    dims = graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value, dims[3].dim_value = height, width
    _forget_shapes(model)


@dataclass(frozen=True)
class AnchorInputs:
    """The inputs a free-size copy of an export (free_input_size) takes beside the picture: its anchor centres
    and strides, which depend on the picture's size."""

    points: str
    strides: str
    dtype: str  # numpy's name of the constants' type

    def feeds(self, height: int, width: int) -> dict[str, np.ndarray]:
        return _feeds(self, height, width)


@functools.cache
def _feeds(inputs: AnchorInputs, height: int, width: int) -> dict[str, np.ndarray]:
    points, strides = anchors(height, width)
    return {inputs.points: points[None].astype(inputs.dtype), inputs.strides: strides[None].astype(inputs.dtype)}


def free_input_size(model: ModelProto) -> AnchorInputs:
    """Rewrite a YOLOv8 export, in place, for an input of any height and width (multiples of 32): the anchor
    constants become inputs (fed with AnchorInputs.feeds) and the reshapes take the anchor count from the
    input. One session then serves every shape, with the same results as a copy made for each; ValueError if
    the graph does not look like a YOLOv8 export."""
    from onnx import helper, numpy_helper

    graph = model.graph
    height, width = _fixed_size(model)
    _constant_nodes_as_initializers(model)
    names: dict[str, str] = {}  # kind -> the input's name: the first constant's (an export may hold copies)
    renamed: dict[str, str] = {}  # the other copies' names -> the input's
    dtype = "float32"
    for index, kind, value in sorted(_head_constants(model, height, width), key=lambda found: -found[0]):
        name = graph.initializer[index].name
        if kind == "reshapes":
            graph.initializer[index].CopyFrom(numpy_helper.from_array(value, name))
            continue
        del graph.initializer[index]
        renamed[name] = names.setdefault(kind, name)
        dtype = value.dtype.name
    for kind, name in names.items():
        shape: list[int | str] = [1, 2, "anchors"] if kind == "anchors" else [1, "anchors"]
        graph.input.append(helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                                         shape))
    for node in graph.node:
        for i, name in enumerate(node.input):
            node.input[i] = renamed.get(name, name)
    dims = graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param, dims[3].dim_param = "height", "width"
    _forget_shapes(model)
    return AnchorInputs(names["anchors"], names["strides"], dtype)


def _fixed_size(model: ModelProto) -> tuple[int, int]:
    dims = model.graph.input[0].type.tensor_type.shape.dim
    if len(dims) != 4 or not dims[2].dim_value or not dims[3].dim_value:
        raise ValueError("not a fixed-size image input")
    return dims[2].dim_value, dims[3].dim_value


def _head_constants(model: ModelProto, height: int, width: int) -> list[tuple[int, str, np.ndarray]]:
    """The initializers of the head that an input of height x width fixed: (index among the initializers, kind,
    value), the anchor centres and strides as they are, the reshapes with -1 for the anchor count. ValueError
    without anchors and strides."""
    from onnx import numpy_helper

    points, strides = anchors(height, width)
    count = points.shape[1]
    found = []
    for index, init in enumerate(model.graph.initializer):
        value = numpy_helper.to_array(init)
        if value.ndim == 3 and value.shape[1:] == (2, count) and np.allclose(value[0], points):
            found.append((index, "anchors", value))
        elif value.ndim == 2 and value.shape == (1, count) and np.allclose(value[0], strides):
            found.append((index, "strides", value))
        elif value.ndim == 1 and value.dtype == np.int64 and len(value) > 1 and value[-1] == count:
            reshape = value.copy()
            reshape[-1] = -1  # the anchor count follows from the input
            found.append((index, "reshapes", reshape))
    kinds = [kind for _, kind, _ in found]
    if "anchors" not in kinds or "strides" not in kinds:
        raise ValueError("no anchor constants of a YOLOv8 head found")
    return found


def _constant_nodes_as_initializers(model: ModelProto) -> None:
    """Move the graph's Constant nodes holding a tensor into its initializers, where an export simplified (the
    Ultralytics default) has them: exported with `simplify=False`, the head's anchors are Constant nodes."""
    graph = model.graph
    moved = []
    for node in graph.node:
        if node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
            tensor = type(node.attribute[0].t)()
            tensor.CopyFrom(node.attribute[0].t)
            tensor.name = node.output[0]
            graph.initializer.append(tensor)
            moved.append(node)
    for node in moved:
        graph.node.remove(node)


def _forget_shapes(model: ModelProto) -> None:
    """Drop the shapes inferred for the old size, which would contradict the new one: onnxruntime infers them
    again."""
    del model.graph.value_info[:]
    for output in model.graph.output:
        for dim in output.type.tensor_type.shape.dim:
            dim.Clear()
