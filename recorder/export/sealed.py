"""md5 sums of exported files, and the AES-256 encrypted ZIP a password asks for.

The ZIP is WinZip AES-256 (pyzipper), the strong ZIP encryption that 7-Zip, WinZip and libarchive
(bsdtar) open; the older ZipCrypto is broken, and Python's zipfile writes no encryption at all.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyzipper  # type: ignore[import-untyped]  # ships no type information

CHUNK = 1 << 20
# subtitles are text and shrink; video and ZIPs are already compressed
DEFLATED_SUFFIXES = frozenset({".vtt", ".srt", ".smi"})


def md5_of(path: Path) -> str:
    """The file's md5 as 32 lowercase hex digits."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def seal(path: Path, password: str) -> Path:
    """`path` packed alone into `path.name + ".zip"` beside it, AES-256 encrypted with `password`
    (WinZip AES, which 7-Zip, WinZip and libarchive open; the password as UTF-8); the original is
    deleted. Returns the ZIP. On an error (OSError: a full disk) no partial ZIP is left and the
    original stays."""
    sealed = path.with_name(path.name + ".zip")
    partial = path.with_name(path.name + ".zip.part")
    compression = pyzipper.ZIP_DEFLATED if path.suffix.lower() in DEFLATED_SUFFIXES else pyzipper.ZIP_STORED
    try:
        with pyzipper.AESZipFile(partial, "w", compression=compression) as archive:
            archive.setpassword(password.encode())
            archive.setencryption(pyzipper.WZ_AES, nbits=256)
            archive.write(path, arcname=path.name)
        partial.replace(sealed)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    path.unlink()
    return sealed
