"""/api/system?info items: this machine's OS, processors, board, graphics, memory, disks, optical
drives and network adapters, in the guide's JSON shapes."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from web.host import cpu as cpu_facts
from web.host import disks as block_devices
from web.host import memory as memory_modules
from web.host import names as hw_names
from web.host import network as net_adapters
from web.host import smart
from web.host.files import os_release, read_int, read_text

DMI_ID = Path("/sys/class/dmi/id")
DEVICE_TREE = Path("/proc/device-tree")
PCI_DEVICES = Path("/sys/bus/pci/devices")
PCI_CLASS_DISPLAY = 0x03
SIXTY_FOUR_BIT_MACHINES = ("x86_64", "aarch64", "arm64", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64",
                           "mips64", "sparc64")


def os_item() -> dict[str, Any]:
    release = os_release()
    machine = os.uname().machine
    return {
        "name": release.get("NAME") or platform.system(),
        "version": release.get("VERSION_ID") or release.get("VERSION") or platform.release(),
        "arch": "64-bit" if machine in SIXTY_FOUR_BIT_MACHINES else "32-bit",
    }


def cpu_item() -> list[dict[str, Any]]:
    return [{"name": p.name, "manufacturer": p.manufacturer, "cores": p.cores} for p in cpu_facts.packages()]


def mainboard_item() -> dict[str, Any]:
    name = read_text(DMI_ID / "board_name") or ""
    maker = read_text(DMI_ID / "board_vendor") or ""
    if not name:  # boards without DMI (ARM) name themselves in the device tree: "Raspberry Pi 4 Model B"
        name = (read_text(DEVICE_TREE / "model") or "").rstrip("\0")
        compatible = (read_text(DEVICE_TREE / "compatible") or "").split("\0")[0]
        maker = maker or (compatible.split(",")[0] if "," in compatible else "")
    return {"name": name, "manufacturer": maker}


def graphic_adapter_item() -> list[dict[str, Any]]:
    out = []
    for device in sorted(PCI_DEVICES.glob("*")):
        if (read_int(device / "class", 16) or 0) >> 16 != PCI_CLASS_DISPLAY:
            continue
        ids = hw_names.pci_ids(device)
        if ids is None:
            continue
        item: dict[str, Any] = {
            "name": hw_names.pci_device_name(*ids) or f"PCI {ids[0]:04x}:{ids[1]:04x}",
            "manufacturer": hw_names.pci_vendor_name(ids[0]),
        }
        vram = read_int(device / "mem_info_vram_total")  # only the amdgpu driver tells the memory size
        if vram:
            item["videoMemory"] = vram
        out.append(item)
    return out


def memory_items() -> dict[str, Any]:
    modules = memory_modules.physical_memory()
    installed = sum(m["capacity"] for m in modules)
    # without module records, the kernel's view (installed memory less firmware reservations) is the best known
    return {"physicalMemory": modules, "memoryAmount": installed or psutil.virtual_memory().total}


def partition_json(volume: block_devices.Volume) -> dict[str, Any]:
    item: dict[str, Any] = {}
    if volume.fs_type:
        item["fileSystem"] = volume.fs_type
    if volume.mountpoint:
        item["mount"] = volume.mountpoint
    item["name"] = f"/dev/{volume.kname}"
    item["numberOfBlocks"] = volume.sectors
    item["size"] = volume.sectors * block_devices.SECTOR
    item["startingOffset"] = volume.start_sectors * block_devices.SECTOR
    if volume.label:
        item["volumeName"] = volume.label
    return item


def disk_items() -> dict[str, Any]:
    disks = block_devices.disks()
    items = [
        {
            "capacity": d.capacity,
            "deviceId": d.device_path,
            "interface": d.interface,
            "manufacturer": d.manufacturer,
            "name": d.model,
            "partition": [partition_json(v) for v in d.volumes],
            "serialNo": d.serial,
            "smartCaps": smart.probe(d.device_path, d.model).code == smart.SUPPORTED,
        }
        for d in disks
    ]
    return {"disk": items, "storageAmount": sum(d.capacity for d in disks)}


def cdrom_item() -> list[dict[str, Any]]:
    return [
        {"name": " ".join(filter(None, (d.manufacturer, d.model))), "manufacturer": d.manufacturer, "type": d.kind}
        for d in block_devices.optical_drives()
    ]


def adapter_json(adapter: net_adapters.Adapter, gateways: dict[str, list[str]], dns: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"connectionId": adapter.ifname}
    if adapter.speed_bps:
        item["dlSpeed"] = adapter.speed_bps
    v4, v6 = net_adapters.addresses(adapter.ifname)
    if v4:
        ipv4: dict[str, Any] = {}
        if adapter.ifname in gateways:  # name servers are system-wide: shown on the adapters that route out
            ipv4["dns"] = [s for s in dns if ":" not in s]
            ipv4["gateway"] = gateways[adapter.ifname]
        ipv4["ip"] = v4
        item["ipv4"] = ipv4
    if v6:
        item["ipv6"] = {"ip": v6}
    item["mac"] = adapter.mac
    if adapter.manufacturer:
        item["manufacturer"] = adapter.manufacturer
    item["name"] = adapter.name
    item["netEnabled"] = adapter.enabled
    if adapter.speed_bps:
        item["ulSpeed"] = adapter.speed_bps  # Ethernet links are symmetric; Linux reports one speed
    return item


def network_adapter_item() -> list[dict[str, Any]]:
    gateways, dns = net_adapters.ipv4_gateways(), net_adapters.name_servers()
    return [adapter_json(a, gateways, dns) for a in net_adapters.adapters()]


# item name -> what gathers its answer keys; in the order of the guide's example answer
ITEMS: dict[str, Callable[[], dict[str, Any]]] = {
    "os": lambda: {"os": os_item()},
    "cpu": lambda: {"cpu": cpu_item()},
    "mainboard": lambda: {"mainboard": mainboard_item()},
    "graphicAdapter": lambda: {"graphicAdapter": graphic_adapter_item()},
    "memory": memory_items,
    "disk": disk_items,
    "cdrom": lambda: {"cdrom": cdrom_item()},
    "networkAdapter": lambda: {"networkAdapter": network_adapter_item()},
}
SUPPORTED = ["os", "cpu", "mainboard", "memory", "graphicAdapter", "disk", "cdrom", "networkAdapter", "all"]
ALIASES = {"storage": "disk", "network": "networkAdapter"}


def gather(names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, gatherer in ITEMS.items():
        if name in names:
            out.update(gatherer())
    return out
