"""The detectors' int8 copies (lpr.quantize): the convolution that reads the picture stays in float.

On an x86 CPU without VNNI, ONNX Runtime multiplies uint8 activations by int8 weights in pairs summed into 16
bits, which saturate: a white plate's pixels (255) against a large weight overflow. In the first convolution
that error reached the plate boxes (bench notes in docs/models.md); kept in float, the copy's boxes are as
close to the float model's as exact int8 arithmetic gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lpr.config import LprConfig
from lpr.models import resolve
from lpr.quantize import cached_copy, first_convolutions
from tests.needs import MODEL_CACHE

onnx = pytest.importorskip("onnx")


@pytest.mark.parametrize("setting", ["lpr_plate_model", "lpr_object_model"])
def test_the_int8_copy_reads_the_picture_with_a_float_convolution(setting: str):
    source = resolve(setting, "")
    copy = cached_copy(source, MODEL_CACHE, int8=True,
                       input_size=LprConfig().plate_input_size if setting == "lpr_plate_model" else 0)
    assert copy is not None and copy.name.endswith(".int8.onnx")
    model = onnx.load(str(copy))
    picture = model.graph.input[0].name
    readers = [n for n in model.graph.node if picture in n.input]
    # the picture goes straight into a float convolution, with float weights: nothing quantises it first
    assert [n.op_type for n in readers] == ["Conv"]
    weights = {i.name: i for i in model.graph.initializer}
    assert weights[readers[0].input[1]].data_type == onnx.TensorProto.FLOAT
    # and the rest is int8: the next layer's convolution takes quantised weights
    produced_by = {out: n for n in model.graph.node for out in n.output}
    second = next(n for n in model.graph.node if n.op_type == "Conv" and n is not readers[0])
    assert produced_by[second.input[1]].op_type == "DequantizeLinear"
    assert weights[produced_by[second.input[1]].input[0]].data_type == onnx.TensorProto.INT8


def test_the_first_convolutions_are_those_fed_by_the_input():
    source = Path(resolve("lpr_plate_model", ""))
    model = onnx.load(str(source))
    assert first_convolutions(model) == ["/model.0/conv/Conv"]
