"""Markers for tests that need tools scripts/test installs (GStreamer's RTSP server, chromium
with playwright-core). On a developer's machine without them those tests are skipped; under CI
(env CI set), which runs scripts/test, a missing tool must fail, not skip."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

from tests.rtsp_server import SYSTEM_PYTHON

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


@cache
def have_rtsp_server() -> bool:
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def have_browser() -> bool:
    return (CHROMIUM.exists() and shutil.which("node") is not None
            and (REPO / "node_modules" / "playwright-core").is_dir())


needs_rtsp = pytest.mark.skipif(not os.environ.get("CI") and not have_rtsp_server(),
                                reason="GStreamer RTSP server missing: run scripts/test to install it")
needs_browser = pytest.mark.skipif(not os.environ.get("CI") and not have_browser(),
                                   reason="chromium or node_modules missing: run scripts/test to install them")


def ultralytics_asset(name: str) -> Path | None:
    """A test picture from the ultralytics wheel (installed without its dependencies by scripts/test:
    only its assets are used), e.g. bus.jpg: a street with four people and a bus."""
    spec = importlib.util.find_spec("ultralytics")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "assets" / name).is_file():
            return Path(folder) / "assets" / name
    return None


BUS_PHOTO = ultralytics_asset("bus.jpg")
needs_bus_photo = pytest.mark.skipif(BUS_PHOTO is None and not os.environ.get("CI"),
                                     reason="ultralytics/assets/bus.jpg missing: run scripts/test to install it")

# int8 copies of the detectors (lpr.quantize), made once for every test run rather than in every data directory
MODEL_CACHE = Path(tempfile.gettempdir()) / "tsnvr-test-models"
