"""Mask prototypes made only around the plates found.

A YOLOv8 segmentation export makes, besides its boxes, 32 prototype masks over the whole input at a quarter of
its resolution (output1); a plate's mask is a mix of them inside its box. That prototype branch (a 3x3
convolution of the finest feature map, a 2x up-convolution, a 3x3 and a 1x1 convolution) is a quarter of the
plate detector's run at 448, yet a plate covers a few percent of the picture. So the export is cut in two: the
network without the branch, which outputs the feature map the branch reads, and the branch alone, with an input
of any size, run on the feature map's cells around each box. Every operation of the branch is local (each
prototype pixel sees the feature cells within 2 of its own), so with that margin the prototypes inside the
region are the ones the whole export makes (tests/test_lpr_prototypes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from lpr.arrays import Floats

if TYPE_CHECKING:
    from onnx import GraphProto, ModelProto
    from onnxruntime import InferenceSession

PROTOTYPE_OUTPUT = 1  # output1 of an Ultralytics segmentation export
# feature cells read around a region: the branch reaches 2 (a 3x3 convolution on each side of the 2x
# up-convolution; tests/test_lpr_prototypes.py fails at 1), and one more costs next to nothing
MARGIN = 3


class Prototypes(Protocol):
    """The prototype masks of one picture: shape (masks, height, width); region(y0, y1, x0, x1) the masks'
    pixels in those rows and columns."""

    @property
    def shape(self) -> tuple[int, int, int]: ...

    def region(self, y0: int, y1: int, x0: int, x1: int) -> Floats: ...


@dataclass
class WholePrototypes:
    """Prototypes the export made over the whole input."""

    masks: Floats  # (masks, height, width)

    @property
    def shape(self) -> tuple[int, int, int]:
        nm, h, w = self.masks.shape
        return nm, h, w

    def region(self, y0: int, y1: int, x0: int, x1: int) -> Floats:
        return self.masks[:, y0:y1, x0:x1]


class PrototypeBranch:
    """The prototype branch cut out of an export, on its own session (input: the feature map, any size)."""

    def __init__(self, session: InferenceSession) -> None:
        self.session = session
        inp = session.get_inputs()[0]
        self.input_name = inp.name
        dtype = np.float16 if "float16" in inp.type else np.float32
        probe = session.run(None, {self.input_name: np.zeros((1, inp.shape[1], 4, 4), dtype)})[0]
        self.masks = int(probe.shape[1])
        self.upscale = int(probe.shape[2]) // 4  # prototype pixels per feature cell (2 for YOLOv8)

    def over(self, features: Floats) -> RegionPrototypes:
        """The prototypes of a picture whose feature map (1, channels, h, w) the network gave."""
        return RegionPrototypes(self, features)


@dataclass
class RegionPrototypes:
    """Prototypes made when a region is asked for, from the feature cells around it."""

    branch: PrototypeBranch
    features: Floats  # (1, channels, h, w)

    @property
    def shape(self) -> tuple[int, int, int]:
        up = self.branch.upscale
        return self.branch.masks, self.features.shape[2] * up, self.features.shape[3] * up

    def region(self, y0: int, y1: int, x0: int, x1: int) -> Floats:
        up = self.branch.upscale
        _, _, fh, fw = self.features.shape
        fy0, fx0 = max(0, y0 // up - MARGIN), max(0, x0 // up - MARGIN)
        fy1, fx1 = min(fh, -(-y1 // up) + MARGIN), min(fw, -(-x1 // up) + MARGIN)
        cells = np.ascontiguousarray(self.features[:, :, fy0:fy1, fx0:fx1])
        masks = self.branch.session.run(None, {self.branch.input_name: cells})[0][0]
        return masks[:, y0 - fy0 * up:y1 - fy0 * up, x0 - fx0 * up:x1 - fx0 * up].astype(np.float32, copy=False)


def split(model: ModelProto) -> tuple[ModelProto, ModelProto] | None:
    """(the network with the feature map the prototype branch reads as its second output instead of the
    prototypes, the branch alone with a free-size input), or None for a model without one such branch."""
    from onnx import helper, shape_inference

    graph = model.graph
    if len(graph.output) != 2:
        return None
    made_by = {name: node for node in graph.node for name in node.output}

    def needs(output: str) -> set[int]:
        seen: set[int] = set()
        todo = [output]
        while todo:
            node = made_by.get(todo.pop())
            if node is not None and id(node) not in seen:
                seen.add(id(node))
                todo.extend(node.input)
        return seen

    only_prototypes = needs(graph.output[PROTOTYPE_OUTPUT].name) - needs(graph.output[0].name)
    branch = [n for n in graph.node if id(n) in only_prototypes]
    constants = {i.name for i in graph.initializer}
    inside = {name for node in branch for name in node.output}
    entries = sorted({name for node in branch for name in node.input if name and name not in inside | constants})
    if not branch or len(entries) != 1 or any(n.op_type in {"Reshape", "Flatten", "Gemm"} for n in branch):
        return None
    typed = {v.name: v for v in shape_inference.infer_shapes(model).graph.value_info}
    feature = typed.get(entries[0])
    if feature is None or len(feature.type.tensor_type.shape.dim) != 4:
        return None
    channels = feature.type.tensor_type.shape.dim[1].dim_value
    prototypes = graph.output[PROTOTYPE_OUTPUT]

    network = type(model)()
    network.CopyFrom(model)
    net = network.graph
    kept = [n for n in net.node if not inside.intersection(n.output)]
    del net.node[:]
    net.node.extend(kept)
    del net.output[PROTOTYPE_OUTPUT]
    net.output.append(feature)
    _drop_unused(net)

    elem = prototypes.type.tensor_type.elem_type
    inputs = [helper.make_tensor_value_info(entries[0], feature.type.tensor_type.elem_type,
                                            [1, channels, "rows", "columns"])]
    outputs = [helper.make_tensor_value_info(prototypes.name, elem, [1, None, None, None])]
    used = {name for node in branch for name in node.input}
    own = helper.make_graph(branch, "prototypes", inputs, outputs,
                            [i for i in graph.initializer if i.name in used])
    alone = helper.make_model(own, opset_imports=model.opset_import)
    alone.ir_version = model.ir_version
    return network, alone


def _drop_unused(graph: GraphProto) -> None:
    """Remove the initializers no node of the graph uses any more, and its (now partly stale) shape notes."""
    used = {name for node in graph.node for name in node.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.value_info[:]
