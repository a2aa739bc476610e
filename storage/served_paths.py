"""Paths a client names below a folder the server serves (/storage, /event-storage): read without ever
leaving that folder."""

from __future__ import annotations

from pathlib import Path


def path_parts(relative: str) -> list[str] | None:
    """The parts of `relative` (a/b/c), None when it is malformed: a backslash, NUL, or an empty, '.',
    '..' or hidden part."""
    parts = relative.split("/")
    if "\\" in relative or "\x00" in relative or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    return parts


def file_within(root: Path, relative: str) -> Path | None:
    """The regular file `relative` names inside `root`, resolved; None when there is none, when a
    symlink leads out of `root`, or when the file system cannot hold such a path (ENAMETOOLONG...)."""
    try:
        path = (root / relative).resolve()
        return path if path.is_relative_to(root.resolve()) and path.is_file() else None
    except OSError:
        return None
