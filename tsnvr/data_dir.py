"""Which data directory a `tsnvr` command works on: --data, else $TSNVR_DATA, else ./data.

Before ./data the default was ./storage, the folder of the `storage` package in a checkout. A
./storage holding a database keeps working while there is no ./data (docs/cli.md#the-data-directory
says how to move it)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT = Path("data")
OLD_DEFAULT = Path("storage")
DATABASE_FILE = "tsnvr.db"


def _given(option: str | None) -> Path | None:
    chosen = option or os.environ.get("TSNVR_DATA")
    return Path(chosen) if chosen else None


def _old_default_in_use(option: str | None) -> bool:
    return _given(option) is None and not DEFAULT.exists() and (OLD_DEFAULT / DATABASE_FILE).is_file()


def resolve(option: str | None) -> Path:
    """The data directory for the --data value `option` (None when not given)."""
    if _old_default_in_use(option):
        return OLD_DEFAULT
    return _given(option) or DEFAULT


def old_default_notice(option: str | None) -> str | None:
    """What `tsnvr serve` says when it keeps using ./storage, else None."""
    if not _old_default_in_use(option):
        return None
    return (f"tsnvr: using ./{OLD_DEFAULT}, the old default data directory, as it holds a database and there "
            f"is no ./{DEFAULT}; to move the data to ./{DEFAULT} see docs/cli.md#the-data-directory")
