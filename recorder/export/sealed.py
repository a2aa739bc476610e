"""md5 sums of exported files, and the AES-256 encrypted ZIP a password asks for: INTERFACE, not written yet."""

from __future__ import annotations

from pathlib import Path


def md5_of(path: Path) -> str:
    """The file's md5 as 32 lowercase hex digits."""
    raise NotImplementedError


def seal(path: Path, password: str) -> Path:
    """`path` packed alone into `path.name + ".zip"` beside it, AES-256 encrypted with `password`
    (WinZip AES, which 7-Zip, WinZip and libarchive open); the original is deleted. Returns the ZIP."""
    raise NotImplementedError
