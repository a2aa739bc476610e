"""Export files under DIR/exports: choosing free names, expiring old files, and resolving a
requested download name without ever leaving the directory."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

EXPORTS_DIR = "exports"
PARTIAL_PREFIX = "."  # files being written are hidden: ".<name>.part"


class ExportNameError(ValueError):
    """A download name that is not a plain file name."""


def exports_dir(data_dir: Path) -> Path:
    return data_dir / EXPORTS_DIR


def name_stem(moment: datetime) -> str:
    """2018-01-01T00.00.00, the guide's file-name form of a local date-time."""
    return moment.strftime("%Y-%m-%dT%H.%M.%S")


def numbered(stem: str, number: int, suffix: str) -> str:
    return f"{stem}{suffix}" if number == 1 else f"{stem}({number}){suffix}"


def reserve(directory: Path, stem: str, suffix: str, first_number: int = 1) -> tuple[Path, int]:
    """Create an empty file named stem(n)suffix with the lowest free n >= first_number; the
    exclusive create makes two exports that start in the same second take different names."""
    directory.mkdir(parents=True, exist_ok=True)
    number = first_number
    while True:
        path = directory / numbered(stem, number, suffix)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640))
            return path, number
        except FileExistsError:
            number += 1


@contextmanager
def writing(target: Path) -> Iterator[Path]:
    """A hidden temporary path beside `target`, moved over it once the caller has written it."""
    partial = target.with_name(f"{PARTIAL_PREFIX}{target.name}.part")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def is_expired(path: Path, max_age_s: float, now: float | None = None) -> bool:
    try:
        return (now if now is not None else time.time()) - path.stat().st_mtime > max_age_s
    except FileNotFoundError:
        return True


def remove_expired(directory: Path, max_age_s: float) -> int:
    """Delete files older than max_age_s; returns how many were deleted."""
    if not directory.is_dir():
        return 0
    now = time.time()
    removed = 0
    for entry in os.scandir(directory):
        if entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > max_age_s:
            try:
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def check_name(name: str) -> None:
    """A download name must be one visible file name: no separators, no '..', no NUL."""
    if (not name or name.startswith(".") or ".." in name or "/" in name or "\\" in name or "\0" in name
            or os.path.isabs(name) or ":" in name or len(name) > 255):
        raise ExportNameError(f"{name!r} is not an export file name")


def resolve(directory: Path, name: str) -> Path:
    """The regular file `name` directly inside `directory`; FileNotFoundError when there is none.
    Symbolic links are refused so that nothing outside the directory can be served."""
    check_name(name)
    path = directory / name
    if path.parent != directory:
        raise ExportNameError(f"{name!r} is not an export file name")
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(name) from None
    if not stat.S_ISREG(mode):
        raise FileNotFoundError(name)
    return path
