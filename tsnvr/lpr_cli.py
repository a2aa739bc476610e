"""`tsnvr lpr read [--json] IMAGE...`: read plates from still photos with the engine the server uses.

tsnvr/cli.py registers it with `lpr_cli.add_commands(sub)`; `python -m tsnvr.lpr_cli lpr read ...` runs it
on its own too. Engine settings come from the data directory's settings (lpr_* keys, see docs/models.md);
--regions and --threads override them for one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from lpr.config import PREFIX, LprConfig
from lpr.models import ModelError
from storage.settings import SettingsError
from tsnvr.cli_common import common, load_settings


def add_commands(sub: Any) -> None:
    """Add `lpr read` to the `tsnvr` sub-command parsers."""
    lpr = sub.add_parser("lpr", help="licence-plate recognition tools", parents=[common])
    actions = lpr.add_subparsers(dest="lpr_action", required=True)
    read = actions.add_parser("read", parents=[common], help="read the plates in still photos")
    read.add_argument("--json", action="store_true", help="one JSON object per photo and line")
    read.add_argument("--regions", help="plate formats to apply, e.g. BR or EU,US (default: setting lpr_regions; "
                                        "'' for none)")
    read.add_argument("--threads", type=int, help="onnxruntime threads (default: setting lpr_threads)")
    read.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE",
                      help="an lpr_* setting for this run, e.g. --set lpr_plate_model=plates.onnx")
    read.add_argument("images", nargs="+", metavar="IMAGE")
    read.set_defaults(func=cmd_lpr_read)


def _load_image(path: str) -> Any:
    import cv2
    import numpy as np

    try:
        raw = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from exc
    image = cv2.imdecode(raw, cv2.IMREAD_COLOR) if raw.size else None
    if image is None and raw.size:
        image = _load_with_pillow(raw.tobytes())  # GIF and the other formats OpenCV leaves out
    if image is None:
        raise ValueError("not a picture OpenCV or Pillow can decode")
    return image


def _load_with_pillow(data: bytes) -> Any:
    """A BGR picture (its first frame) from a file Pillow reads, or None."""
    import io

    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            rgb = np.asarray(picture.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _overrides(items: list[str]) -> dict[str, Any]:
    """--set lpr_NAME=VALUE (or NAME=VALUE) -> LprConfig keyword arguments, as text: LprConfig.from_settings
    reads them as it reads settings.toml's values (SettingsError naming the key)."""
    keys = LprConfig.keys()
    raw: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip().removeprefix(PREFIX)
        if not sep or name not in keys:
            raise ValueError(f"--set {item!r}: expected SETTING=VALUE with one of {', '.join(keys.values())}")
        raw[name] = value
    return raw


def cmd_lpr_read(args: argparse.Namespace) -> int:
    # OpenCV and ONNX Runtime load here, only when plates are read: `tsnvr --help` stays quick.
    from lpr.pipeline import LprEngine
    from lpr.plate_formats import FormatError

    try:
        overrides: dict[str, Any] = _overrides(args.set)
        if args.regions is not None:
            overrides["regions"] = [r.strip() for r in args.regions.split(",") if r.strip()]
        if args.threads is not None:
            overrides["threads"] = args.threads
        engine = LprEngine(LprConfig.from_settings(load_settings(args), **overrides))
        engine.load(objects=False)
    except (ModelError, FormatError, SettingsError, ValueError) as exc:
        print(f"tsnvr: {exc}", file=sys.stderr)
        return 2
    failed = False
    for path in args.images:
        try:
            image = _load_image(path)
        except ValueError as exc:
            print(f"tsnvr: cannot read image {path}: {exc}", file=sys.stderr, flush=True)
            failed = True
            continue
        started = time.perf_counter()
        plates = engine.read_plates(image)
        ms = round(1000 * (time.perf_counter() - started), 1)
        if args.json:
            print(json.dumps({"file": path,
                              "plates": [{"text": p.text, "score": p.score, "box": list(p.box)} for p in plates],
                              "ms": ms}, ensure_ascii=False), flush=True)
            continue
        if not plates:
            print(f"{path}: no plate ({ms} ms)", flush=True)
        for p in plates:
            x, y, w, h = p.box
            fmt = f", format {p.format}" if p.format else ""
            print(f"{path}: {p.text}  score {p.score}{fmt}  at x={x} y={y} {w}x{h}  ({ms} ms)", flush=True)
    return 2 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tsnvr", parents=[common])
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
