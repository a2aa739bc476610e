"""Installed memory modules (DIMMs), read without dmidecode: the firmware's SMBIOS type-17 records
in /sys/firmware/dmi/entries (readable when the server runs as root), else the EDAC driver's
per-DIMM files (readable by anyone, on machines with ECC memory controllers). Elsewhere: none."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from web.host.files import read_int, read_text

DMI_ENTRIES = Path("/sys/firmware/dmi/entries")
EDAC_MC = Path("/sys/devices/system/edac/mc")
MEMORY_DEVICE = 17
MIB = 1 << 20
KIB = 1 << 10

# SMBIOS 3.x, 7.18.2 "Memory Device - Type"
MEMORY_TYPES = {
    0x01: "Other", 0x02: "Unknown", 0x03: "DRAM", 0x04: "EDRAM", 0x05: "VRAM", 0x06: "SRAM", 0x07: "RAM",
    0x08: "ROM", 0x09: "FLASH", 0x0A: "EEPROM", 0x0B: "FEPROM", 0x0C: "EPROM", 0x0D: "CDRAM", 0x0E: "3DRAM",
    0x0F: "SDRAM", 0x10: "SGRAM", 0x11: "RDRAM", 0x12: "DDR", 0x13: "DDR2", 0x14: "DDR2 FB-DIMM", 0x18: "DDR3",
    0x19: "FBD2", 0x1A: "DDR4", 0x1B: "LPDDR", 0x1C: "LPDDR2", 0x1D: "LPDDR3", 0x1E: "LPDDR4",
    0x1F: "Logical non-volatile device", 0x20: "HBM", 0x21: "HBM2", 0x22: "DDR5", 0x23: "LPDDR5", 0x24: "HBM3",
}


def smbios_strings(raw: bytes, length: int) -> list[str]:
    """The string set that follows a structure's formatted area; string n is item n - 1."""
    area = raw[length:].split(b"\0\0", 1)[0]
    return [s.decode("ascii", "replace").strip() for s in area.split(b"\0")] if area else []


def parse_memory_device(raw: bytes) -> dict[str, Any] | None:
    """A TS-API physicalMemory item from one SMBIOS type-17 record; None for an empty slot."""
    if len(raw) < 0x17 or raw[0] != MEMORY_DEVICE:
        return None
    length = raw[1]
    strings = smbios_strings(raw, length)

    def text(offset: int) -> str:
        index = raw[offset] if offset < length else 0
        return strings[index - 1] if 0 < index <= len(strings) else ""

    def word(offset: int) -> int:
        return struct.unpack_from("<H", raw, offset)[0] if offset + 2 <= length else 0

    def dword(offset: int) -> int:
        return struct.unpack_from("<I", raw, offset)[0] if offset + 4 <= length else 0

    size = word(0x0C)
    if size == 0:
        return None
    if size == 0xFFFF:
        capacity = 0  # "unknown", as the firmware says
    elif size == 0x7FFF:
        capacity = (dword(0x1C) & 0x7FFFFFFF) * MIB
    else:
        capacity = (size & 0x7FFF) * (KIB if size & 0x8000 else MIB)
    speed = word(0x15)
    if speed == 0xFFFF:
        speed = dword(0x54)
    return {
        "name": text(0x10),
        "manufacturer": text(0x17),
        "bank": text(0x11),
        "capacity": capacity,
        "serialNo": text(0x18),
        "type": MEMORY_TYPES.get(raw[0x12], "Unknown"),
        "speed": speed,
    }


def from_smbios() -> list[dict[str, Any]]:
    out = []
    for entry in sorted(DMI_ENTRIES.glob(f"{MEMORY_DEVICE}-*"), key=lambda p: int(p.name.split("-")[1])):
        try:
            raw = (entry / "raw").read_bytes()
        except OSError:
            return []  # the records are root-only: every one fails alike
        item = parse_memory_device(raw)
        if item is not None:
            out.append(item)
    return out


def from_edac() -> list[dict[str, Any]]:
    out = []
    for dimm in sorted(EDAC_MC.glob("mc*/dimm*")):
        size_mib = read_int(dimm / "size")
        if not size_mib:
            continue
        mem_type = read_text(dimm / "dimm_mem_type") or ""
        out.append({
            "name": read_text(dimm / "dimm_label") or dimm.name,
            "manufacturer": "",
            "bank": read_text(dimm / "dimm_location") or "",
            "capacity": size_mib * MIB,
            "serialNo": "",
            "type": mem_type.split("-")[-1],  # "Registered-DDR4" -> "DDR4"
            "speed": 0,
        })
    return out


def physical_memory() -> list[dict[str, Any]]:
    return from_smbios() or from_edac()
