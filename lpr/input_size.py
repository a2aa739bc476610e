"""A YOLOv8 ONNX export made for another input size.

Ultralytics exports a fixed input (platedet: 640x640) and bakes the size into three places of the head: the
anchor centres, the stride of every anchor, and the anchor count in the reshapes of the box decoding. The
network itself is convolutional, so the same weights run at any multiple of 32 once those constants are made
again for the new size. A smaller input costs less in proportion to its pixels (the plate detector at 384
takes about a third of the time at 640) and still finds plates that are not tiny in the picture.
"""

from __future__ import annotations

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
    dims = graph.input[0].type.tensor_type.shape.dim
    if len(dims) != 4 or not dims[2].dim_value or not dims[3].dim_value:
        raise ValueError("not a fixed-size image input")
    old_h, old_w = dims[2].dim_value, dims[3].dim_value
    if (old_h, old_w) == (height, width):
        return
    old_points, old_strides = anchors(old_h, old_w)
    count = old_points.shape[1]
    new_points, new_strides = anchors(height, width)
    replaced = {"anchors": 0, "strides": 0, "reshapes": 0}
    for index, init in enumerate(graph.initializer):
        value = numpy_helper.to_array(init)
        new: np.ndarray | None = None
        if value.ndim == 3 and value.shape[1:] == (2, count) and np.allclose(value[0], old_points):
            new, kind = new_points[None].astype(value.dtype), "anchors"
        elif value.ndim == 2 and value.shape == (1, count) and np.allclose(value[0], old_strides):
            new, kind = new_strides[None].astype(value.dtype), "strides"
        elif value.ndim == 1 and value.dtype == np.int64 and len(value) > 1 and value[-1] == count:
            new, kind = value.copy(), "reshapes"
            new[-1] = -1  # the anchor count follows from the input
        if new is not None:
            graph.initializer[index].CopyFrom(numpy_helper.from_array(new, init.name))
            replaced[kind] += 1
    if not replaced["anchors"] or not replaced["strides"]:
        raise ValueError("no anchor constants of a YOLOv8 head found")
    dims[2].dim_value, dims[3].dim_value = height, width
    # shapes inferred for the old size would contradict the new one: let onnxruntime infer them again
    del graph.value_info[:]
    for output in graph.output:
        for dim in output.type.tensor_type.shape.dim:
            dim.Clear()
