"""Not written yet."""

from __future__ import annotations

from typing import Any


def add_commands(sub: Any) -> None:
    """Add this module's sub-commands to the `tsnvr` parsers."""
