"""Reading facts about this machine from /proc, /sys, /etc and /run: small files that any user may
read, so that no root-only tool is needed. Every reader answers None (or empty) when a file is
missing or unreadable, which is normal in containers and virtual machines."""

from __future__ import annotations

import os
import re
from pathlib import Path

SYS_BLOCK = Path("/sys/block")
SYS_DEV_BLOCK = Path("/sys/dev/block")
SYS_NET = Path("/sys/class/net")
SYS_CPU = Path("/sys/devices/system/cpu")
UDEV_DATA = Path("/run/udev/data")

_ESCAPE = re.compile(r"\\(?:([0-7]{3})|x([0-9a-fA-F]{2}))")


def read_text(path: Path | str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def read_int(path: Path | str, base: int = 10) -> int | None:
    text = read_text(path)
    if text is None:
        return None
    try:
        return int(text, base)
    except ValueError:
        return None


def read_lines(path: Path | str) -> list[str]:
    text = read_text(path)
    return text.splitlines() if text else []


def key_values(path: Path | str) -> dict[str, str]:
    """KEY=value lines with optional quotes, as /etc/os-release writes them."""
    out: dict[str, str] = {}
    for line in read_lines(path):
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            out[key.strip()] = value.strip().strip("\"'")
    return out


def os_release() -> dict[str, str]:
    return key_values("/etc/os-release") or key_values("/usr/lib/os-release")


def udev_properties(major: int, minor: int) -> dict[str, str]:
    """udev's database entry of a block device (ID_MODEL, ID_SERIAL_SHORT, ID_FS_LABEL, ...)."""
    out: dict[str, str] = {}
    for line in read_lines(UDEV_DATA / f"b{major}:{minor}"):
        if line.startswith("E:"):
            key, _, value = line[2:].partition("=")
            out[key] = value
    return out


def real_path(path: Path) -> Path | None:
    try:
        return Path(os.path.realpath(path, strict=True))
    except OSError:
        return None


def link_name(path: Path) -> str | None:
    """The last part of where a symlink points (a driver's name, a device's kernel name)."""
    target = real_path(path)
    return target.name if target else None


def unescape(text: str) -> str:
    r"""Mount points in /proc write a space as \040; labels in /dev/disk/by-label write it as \x20."""
    return _ESCAPE.sub(lambda m: chr(int(m[1], 8)) if m[1] else chr(int(m[2], 16)), text)
