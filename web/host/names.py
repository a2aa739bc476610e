"""Manufacturer and product names of PCI and USB hardware.

USB devices carry their own strings in sysfs. PCI devices carry only numeric ids; they are named
from the pci.ids database when the distribution installed it (package pciutils or hwdata), and
otherwise only the manufacturer is named, from the short table below.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from web.host.files import link_name, read_int, read_text, real_path

PCI_IDS_FILES = (Path("/usr/share/misc/pci.ids"), Path("/usr/share/hwdata/pci.ids"), Path("/usr/share/pci.ids"))

# The manufacturers an NVR most often meets, spelled as pci.ids spells them.
PCI_VENDORS = {
    0x1002: "Advanced Micro Devices, Inc. [AMD/ATI]",
    0x1022: "Advanced Micro Devices, Inc. [AMD]",
    0x102B: "Matrox Electronics Systems Ltd.",
    0x106B: "Apple Inc.",
    0x10DE: "NVIDIA Corporation",
    0x10EC: "Realtek Semiconductor Co., Ltd.",
    0x1179: "Toshiba Corporation",
    0x1234: "QEMU",
    0x126F: "Silicon Motion, Inc.",
    0x1344: "Micron Technology Inc",
    0x144D: "Samsung Electronics Co Ltd",
    0x14E4: "Broadcom Inc. and subsidiaries",
    0x15AD: "VMware",
    0x15B3: "Mellanox Technologies",
    0x15B7: "Sandisk Corp",
    0x1987: "Phison Electronics Corporation",
    0x1A03: "ASPEED Technology, Inc.",
    0x1AF4: "Red Hat, Inc.",
    0x1B4B: "Marvell Technology Group Ltd.",
    0x1C5C: "SK hynix",
    0x1CC1: "ADATA Technology Co., Ltd.",
    0x1E0F: "KIOXIA Corporation",
    0x2646: "Kingston Technology Company, Inc.",
    0x8086: "Intel Corporation",
}


def parse_pci_ids(lines: Iterable[str]) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """(vendor names, (vendor, device) names) from pci.ids text: a vendor line "8086  Intel
    Corporation", its devices indented by one tab, their subsystems by two."""
    vendors: dict[int, str] = {}
    devices: dict[tuple[int, int], str] = {}
    vendor = -1
    for line in lines:
        if line.startswith("C "):  # the device-class section follows the vendors
            break
        if not line.strip() or line.startswith("#") or line.startswith("\t\t"):
            continue
        ident, _, name = line.strip().partition("  ")
        try:
            number = int(ident, 16)
        except ValueError:
            continue
        if line.startswith("\t"):
            devices[(vendor, number)] = name.strip()
        else:
            vendor = number
            vendors[vendor] = name.strip()
    return vendors, devices


@cache
def pci_database() -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    """pci.ids as the distribution installed it; empty when it did not."""
    path = next((p for p in PCI_IDS_FILES if p.is_file()), None)
    if path is None:
        return {}, {}
    with path.open(encoding="utf-8", errors="replace") as lines:
        return parse_pci_ids(lines)


def pci_vendor_name(vendor: int) -> str:
    return pci_database()[0].get(vendor) or PCI_VENDORS.get(vendor, "")


def pci_device_name(vendor: int, device: int) -> str:
    return pci_database()[1].get((vendor, device), "")


def is_pci_function(path: Path) -> bool:
    return link_name(path / "subsystem") == "pci"


def pci_ids(path: Path) -> tuple[int, int] | None:
    vendor, device = read_int(path / "vendor", 16), read_int(path / "device", 16)
    return (vendor, device) if vendor is not None and device is not None else None


def names_of(device_dir: Path) -> tuple[str, str]:
    """(manufacturer, product) of the nearest USB device or PCI function at or above device_dir."""
    start = real_path(device_dir)
    if start is None:
        return "", ""
    for path in (start, *start.parents):
        if path == Path("/sys/devices") or path == Path("/"):
            break
        if (path / "idVendor").exists():  # a USB device describes itself
            return read_text(path / "manufacturer") or "", read_text(path / "product") or ""
        if is_pci_function(path):
            ids = pci_ids(path)
            if ids is None:
                break
            return pci_vendor_name(ids[0]), pci_device_name(*ids)
    return "", ""
