"""Sections: the keys one part reads, declared once, as the typed object that part is given.

The recorder gets a RecorderSettings, the plate reader an LprEngineSettings (lpr.config.LprConfig).
Settings (storage.settings.schema) holds their fields as flat keys of settings.toml: the recorder's
as they are, the engine's under their alias lpr_<name> (lpr_threads, lpr_regions...).
"""

from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, create_model, field_validator
from pydantic_core import PydanticCustomError

from storage.settings.messages import RULE, explain
from storage.settings.values import Factors, Flag, Number, Text, Texts, Whole, setting


class Section(BaseModel):
    """A group of settings keys handed to one part as one typed object."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True,
                              coerce_numbers_to_str=True)

    @classmethod
    def keys(cls) -> dict[str, str]:
        """Field name -> the Settings attribute it comes from: its key in settings.toml (lpr_threads)."""
        return {name: field.alias or name for name, field in cls.model_fields.items()}

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> Self:
        """The section's values from a Settings (the defaults without one), then `overrides` (by field name);
        SettingsError naming the key when they break a rule of the section."""
        keys = cls.keys()
        values = {} if settings is None else {key: getattr(settings, key) for key in keys.values()}
        values.update({keys.get(name, name): value for name, value in overrides.items()})
        try:
            return cls.model_validate(values)  # by key: errors name the key
        except ValidationError as exc:
            raise explain(exc, {key: cls.model_fields[name] for name, key in keys.items()}, values) from None


def flat_keys(section: type[Section]) -> Any:
    """A model holding `section`'s fields under their keys, for Settings to inherit (typed as Any: the names
    are made here, so a type checker cannot see them)."""
    fields: dict[str, Any] = {}
    for name, field in section.model_fields.items():
        flat = copy(field)
        flat.alias = flat.validation_alias = flat.serialization_alias = None  # the key is the name now
        fields[field.alias or name] = (field.annotation, flat)
    return create_model(f"{section.__name__}Keys", **fields)


class RecorderSettings(Section):
    """What the recorder reads: where it writes, segment length, reconnecting, retention."""

    data_dir: Path = Path("data")  # where settings.toml is: --data or $TSNVR_DATA, not a key of the file
    segment_seconds: Number = setting(
        60.0, "length of a recorded segment file; a file is closed at the first keyframe after it", live=False)
    source_timeout_seconds: Number = setting(
        4.0, "socket timeout for a camera: to connect, and for a stream that stalls (`408`)", live=False)
    reconnect_min_seconds: Number = setting(0.5, "first wait before reconnecting a lost camera ...", live=False)
    reconnect_max_seconds: Number = setting(10.0, "... doubling up to this", live=False)
    retention_min_free_bytes: Whole = setting(
        1 << 30, "the oldest recordings are deleted while free space on the data directory's disk is below "
                 "this ...", live=False)
    retention_min_free_percent: Number = setting(
        5.0, "... or below this share of the disk, whichever is larger", live=False)
    retention_max_age_days: Number = setting(
        0.0, "recordings older than this are deleted; `0` keeps them until space runs short", live=False)
    retention_interval_seconds: Number = setting(30.0, "how often retention runs (also once at start)", live=False)


class LprEngineSettings(Section):
    """The plate and object reader's settings (lpr.config.LprConfig): the keys lpr_<field>."""

    model_config = ConfigDict(alias_generator=lambda name: "lpr_" + name)

    object_model: Text = setting(
        "", "object detector (YOLOv8, `.onnx` file); empty: the default model, if its package is installed",
        live=True)
    plate_model: Text = setting(
        "", "plate detector (YOLOv8 detection or segmentation, `.onnx`); empty: the default model", live=True)
    ocr_model: Text = setting("", "text-line recogniser (PP-OCR, `.onnx`); empty: the default model", live=True)
    ocr_dict: Text = setting(
        "", "the recogniser's character list, one per line; empty: the list inside the model", live=True)
    ocr_kr_model: Text = setting(
        "", "Korean plate recogniser (`.onnx`, read as `lpr_ocr_model` is), used when `lpr_regions` has `KR` "
            "(or `auto`, for plates only a Korean format explains); empty: `models/kr_plate_rec.onnx`, shipped "
            "with tsnvr (docs/lpr-korean.md)", live=True)
    threads: Whole = setting(0, "threads per model, and for the engine's OpenCV work (resizes, warps); `0` uses every "
                                  "core", live=True, ge=0)
    quantize: Flag = setting(
        True, "run the detectors as 8-bit copies, made once from their weights and kept in `lpr_cache_dir`",
        live=True)
    cache_dir: Text = setting(
        "", "folder for those copies; empty: the server uses `DIR/models`, and `tsnvr lpr read` uses "
            "`$XDG_CACHE_HOME/tsnvr/models`, else `~/.cache/tsnvr/models`", live=True)
    regions: Texts = setting(
        ["auto"], "plate formats that settle look-alike characters, by region: `auto` (every region, the best "
                  "fit wins), `BR`, `EU`, `DE`, `SK`, `US`, `US-CA`, `KR`, ... (docs/lpr-formats.md); `[]` for "
                  "none", live=True)
    plate_patterns: Texts = setting(
        [], "your own plate formats, e.g. `\"LLL NNNN\"` (`L` a letter, `N` a digit, `A` either)", live=True)
    require_format: Flag = setting(False, "drop reads that match none of the formats", live=True)
    plate_confidence: Number = setting(0.25, "plate detector score a plate needs", live=True, ge=0, le=1)
    plate_input_size: Whole = setting(
        448, "plate detector input, in pixels a side (a multiple of 32): smaller is faster and misses more "
             "small plates; `0` keeps the model's own (640 for the default model)", live=True, ge=0, multiple_of=32)
    rect_input: Flag = setting(
        True, "detectors pad a picture only up to a multiple of 32 instead of to a square: a 16:9 frame "
              "costs about 40 % less; `false` pads every picture to the square", live=True)
    object_confidence: Number = setting(
        0.35, "object detector score a person or vehicle needs", live=True, ge=0, le=1)
    min_score: Number = setting(
        25.0, "plate reads scoring less are dropped (the score: the chance that every character is right)",
        live=True, ge=0, le=100)
    min_chars: Whole = setting(4, "plate reads with fewer characters are dropped", live=True, ge=1)
    max_chars: Whole = setting(10, "... and with more (at least `lpr_min_chars`)", live=True)
    max_plates: Whole = setting(8, "plates read per picture, best detections first", live=True, ge=1)
    plate_search: Literal["frame", "vehicles"] = setting(
        "frame", "`frame`: look for plates in the whole picture; `vehicles`: only inside detected vehicles",
        live=True)
    second_look: Flag = setting(
        True, "when a picture shows no plate that reads, look again at it (or at its vehicles) enlarged and cut into "
              "tiles, then from further and further away: finds small plates and some close-ups, at up to 12 more "
              "detector runs on such pictures only", live=True)
    ocr_stretch: Factors = setting(
        [1.0, 1.6], "each plate is read once per factor, its text line widened by it (more CTC steps per "
                    "character), and the reads combined (unless the first read is sure of every character); "
                    "more factors read better and take longer", live=True)

    @field_validator("max_chars")
    @classmethod
    def _not_below_min_chars(cls, value: int, info: ValidationInfo) -> int:
        least = info.data.get("min_chars")
        if least is not None and value < least:
            raise PydanticCustomError(RULE, f"must be at least lpr_min_chars ({least})")
        return value
