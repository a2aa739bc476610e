"""Disks, their partitions, optical drives and mounted filesystems, from /sys/block,
/proc/self/mountinfo, /dev/disk/by-label and udev's database."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from web.host import names as hw_names
from web.host.files import (
    SYS_BLOCK,
    SYS_DEV_BLOCK,
    link_name,
    read_int,
    read_lines,
    read_text,
    real_path,
    udev_properties,
    unescape,
)

SECTOR = 512  # /sys/block sizes and offsets count 512-byte sectors whatever the disk's own sector size
SCSI_TYPE_ROM = 5
# eMMC boot and RPMB areas show up as block devices of their own but are parts of the one chip
EMMC_AREAS = re.compile(r"^mmcblk\d+(boot\d+|rpmb)$")


@dataclass
class Mount:
    kname: str | None  # kernel name of the block device, None for filesystems without one (overlay, tmpfs)
    mountpoint: str
    fs_type: str
    whole: bool  # the filesystem's root is mounted here, not one directory of it (a bind mount)


@dataclass
class Volume:
    """A partition, or a whole disk formatted without a partition table."""

    kname: str
    sectors: int
    start_sectors: int
    fs_type: str | None
    mountpoint: str | None
    label: str | None


@dataclass
class Disk:
    kname: str
    capacity: int
    interface: str
    manufacturer: str
    model: str
    serial: str
    volumes: list[Volume] = field(default_factory=list)

    @property
    def device_path(self) -> str:
        return f"/dev/{self.kname}"


@dataclass
class OpticalDrive:
    kname: str
    manufacturer: str
    model: str
    kind: str


def _entries(directory: Path) -> list[Path]:
    """A sysfs directory's entries in name order; none when it is gone (a disk unplugged meanwhile)."""
    try:
        return sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError:
        return []


def _class_block(kname: str) -> Path:
    return Path("/sys/class/block") / kname


def _dev_numbers(kname: str) -> tuple[int, int] | None:
    text = read_text(_class_block(kname) / "dev")  # /sys/class/block names partitions too
    if not text or ":" not in text:
        return None
    major, _, minor = text.partition(":")
    return int(major), int(minor)


def _udev(kname: str) -> dict[str, str]:
    numbers = _dev_numbers(kname)
    return udev_properties(*numbers) if numbers else {}


def mounts() -> list[Mount]:
    """Every mount in /proc/self/mountinfo, in mount order."""
    out: list[Mount] = []
    for line in read_lines("/proc/self/mountinfo"):
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 2:
            continue
        major_minor, root, mountpoint = fields[2], fields[3], unescape(fields[4])
        kname = link_name(SYS_DEV_BLOCK / major_minor)
        if kname is None and tail[1].startswith("/dev/"):
            kname = link_name(Path(tail[1]))
        out.append(Mount(kname=kname, mountpoint=mountpoint, fs_type=tail[0], whole=root == "/"))
    return out


def primary_mounts() -> dict[str, Mount]:
    """kernel name -> the first (normally the only, or the root) mount of that block device."""
    out: dict[str, Mount] = {}
    for mount in mounts():
        if mount.kname and mount.whole and mount.kname not in out:
            out[mount.kname] = mount
    return out


def labels() -> dict[str, str]:
    """kernel name -> filesystem label, from the /dev/disk/by-label links udev keeps."""
    out: dict[str, str] = {}
    for entry in _entries(Path("/dev/disk/by-label")):
        kname = link_name(entry)
        if kname:
            out[kname] = unescape(entry.name)
    return out


def holders(kname: str) -> list[str]:
    """Devices built on this one (LVM volumes, LUKS mappings, RAID arrays)."""
    return [p.name for p in _entries(_class_block(kname) / "holders")]


def volume(kname: str, sectors: int, start: int, mounted: dict[str, Mount], names: dict[str, str]) -> Volume:
    """What a partition holds; a partition under LVM or LUKS shows the filesystem of its one holder."""
    carrier = kname
    if kname not in mounted:
        stacked = holders(kname)
        if len(stacked) == 1 and stacked[0] in mounted:
            carrier = stacked[0]
    mount = mounted.get(carrier)
    udev = _udev(carrier)
    return Volume(
        kname=kname,
        sectors=sectors,
        start_sectors=start,
        fs_type=mount.fs_type if mount else udev.get("ID_FS_TYPE") or None,
        mountpoint=mount.mountpoint if mount else None,
        label=names.get(carrier) or udev.get("ID_FS_LABEL") or None,
    )


def interface_of(kname: str, sys_path: Path) -> str:
    path = str(sys_path)
    if kname.startswith("nvme"):
        return "NVMe"
    if "/usb" in path:
        return "USB"
    if "/ata" in path:
        return "SATA"
    if "/virtio" in path:
        return "VirtIO"
    if kname.startswith("mmcblk") or "/mmc_host/" in path:
        return "MMC"
    if "/session" in path:
        return "iSCSI"
    if "/end_device-" in path:
        return "SAS"
    if (SYS_BLOCK / kname / "device" / "scsi_disk").exists():
        return "SCSI"
    return ""


def _named_vendor(*candidates: str | None) -> str:
    """The first real name: virtio writes a hex id as its vendor, and libata writes "ATA" for every
    SATA disk (whose maker then only shows in the model name)."""
    for text in candidates:
        text = (text or "").replace("_", " ").strip()
        if text and not text.lower().startswith("0x") and text != "ATA":
            return text
    return ""


def describe_disk(kname: str, mounted: dict[str, Mount], names: dict[str, str]) -> Disk:
    base = SYS_BLOCK / kname
    device = base / "device"
    udev = _udev(kname)
    interface = interface_of(kname, real_path(base) or base)
    manufacturer = _named_vendor(udev.get("ID_VENDOR_FROM_DATABASE"), udev.get("ID_VENDOR"),
                                 read_text(device / "vendor"))
    hw_maker, hw_product = ("", "")
    if interface in ("NVMe", "VirtIO", "USB"):  # there the PCI function or USB device is the disk itself
        hw_maker, hw_product = hw_names.names_of(device)
    model = (udev.get("ID_MODEL", "").replace("_", " ") or read_text(device / "model") or hw_product or "").strip()
    serial = udev.get("ID_SERIAL_SHORT") or read_text(device / "serial") or read_text(base / "serial") or ""
    sectors = read_int(base / "size") or 0
    disk = Disk(
        kname=kname,
        capacity=sectors * SECTOR,
        interface=interface,
        manufacturer=(manufacturer or hw_maker).strip(),
        model=model,
        serial=serial.strip(),
    )
    parts = sorted((p for p in _entries(base) if (p / "partition").exists()),
                   key=lambda p: read_int(p / "partition") or 0)
    for part in parts:
        disk.volumes.append(volume(part.name, read_int(part / "size") or 0, read_int(part / "start") or 0,
                                   mounted, names))
    if not parts:
        whole = volume(kname, sectors, 0, mounted, names)
        if whole.fs_type or whole.mountpoint:
            disk.volumes.append(whole)
    return disk


def _is_optical(kname: str) -> bool:
    return kname.startswith("sr") or read_int(SYS_BLOCK / kname / "device" / "type") == SCSI_TYPE_ROM


def disk_names() -> list[str]:
    """Kernel names of the physical disks: block devices backed by hardware, in name order."""
    out = []
    for entry in _entries(SYS_BLOCK):
        kname = entry.name
        if not (entry / "device").exists() or _is_optical(kname) or EMMC_AREAS.match(kname):
            continue
        if read_int(entry / "hidden") == 1 or not read_int(entry / "size"):  # NVMe multipath paths; no media
            continue
        out.append(kname)
    return out


def disks() -> list[Disk]:
    mounted, names = primary_mounts(), labels()
    return [describe_disk(kname, mounted, names) for kname in disk_names()]


def cdrom_capabilities(lines: list[str]) -> dict[str, dict[str, bool]]:
    """drive -> {"Can write DVD-R": True, ...} from /proc/sys/dev/cdrom/info, a table with one
    column per drive."""
    columns: list[str] = []
    rows: dict[str, list[str]] = {}
    for line in lines:
        name, sep, values = line.partition(":")
        if not sep:
            continue
        if name.strip() == "drive name":
            columns = values.split()
        else:
            rows[name.strip()] = values.split()
    return {drive: {cap: vals[i] == "1" for cap, vals in rows.items() if i < len(vals)}
            for i, drive in enumerate(columns)}


def optical_kind(caps: dict[str, bool]) -> str:
    if caps.get("Can write DVD-R") or caps.get("Can write DVD-RAM"):
        return "DVD Writer"
    if caps.get("Can read DVD"):
        return "DVD-ROM"
    if caps.get("Can write CD-R") or caps.get("Can write CD-RW"):
        return "CD Writer"
    return "CD-ROM"


def optical_drives() -> list[OpticalDrive]:
    caps = cdrom_capabilities(read_lines("/proc/sys/dev/cdrom/info"))
    out = []
    for entry in _entries(SYS_BLOCK):
        if (entry / "device").exists() and _is_optical(entry.name):
            device = entry / "device"
            out.append(OpticalDrive(
                kname=entry.name,
                manufacturer=(read_text(device / "vendor") or "").strip(),
                model=(read_text(device / "model") or "").strip(),
                kind=optical_kind(caps.get(entry.name, {})),
            ))
    return out


def mount_of(path: Path) -> Mount | None:
    """The mount that holds path: the longest mount point that is a prefix of it, the last one mounted
    when several are stacked on the same point."""
    target = os.path.realpath(path)
    best: Mount | None = None
    for mount in mounts():
        prefix = mount.mountpoint.rstrip("/") + "/"
        if (target + "/").startswith(prefix) and (best is None or len(mount.mountpoint) >= len(best.mountpoint)):
            best = mount
    return best
