"""Processors: packages and cores from /sys/devices/system/cpu topology, names from /proc/cpuinfo,
per-thread busy time from /proc/stat, package temperatures from psutil's sensors."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import psutil

from web.host.files import SYS_CPU, read_int, read_lines

ZERO_CELSIUS_K = 273.15
# ARM "CPU implementer" codes (the Arm architecture manual's list) for the manufacturer field
ARM_IMPLEMENTERS = {
    0x41: "ARM", 0x42: "Broadcom", 0x43: "Cavium", 0x46: "Fujitsu", 0x48: "HiSilicon", 0x4E: "NVIDIA",
    0x50: "Applied Micro", 0x51: "Qualcomm", 0x53: "Samsung", 0x56: "Marvell", 0x61: "Apple",
    0x69: "Intel", 0xC0: "Ampere",
}
PACKAGE_SENSOR = re.compile(r"^Package id (\d+)$")


@dataclass
class Package:
    """One processor socket: its logical CPUs (threads) and its number of physical cores."""

    id: int
    cpus: list[int]
    cores: int
    name: str
    manufacturer: str


def online_cpus() -> list[int]:
    cpus = []
    for entry in SYS_CPU.glob("cpu[0-9]*"):
        number = int(entry.name[3:])
        if read_int(entry / "online") != 0:  # cpu0 usually has no "online" file: it cannot go offline
            cpus.append(number)
    return sorted(cpus) or list(range(os.cpu_count() or 1))


def cpuinfo() -> dict[int, dict[str, str]]:
    """processor number -> its /proc/cpuinfo fields."""
    out: dict[int, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in [*read_lines("/proc/cpuinfo"), ""]:
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
        elif current:
            if current.get("processor", "").isdigit():
                out[int(current["processor"])] = current
            current = {}
    return out


def _name_and_maker(fields: dict[str, str]) -> tuple[str, str]:
    name = fields.get("model name") or fields.get("Processor") or os.uname().machine
    maker = fields.get("vendor_id", "")
    if not maker and fields.get("CPU implementer"):
        try:
            maker = ARM_IMPLEMENTERS.get(int(fields["CPU implementer"], 16), "")
        except ValueError:
            maker = ""
    return name, maker


def packages() -> list[Package]:
    info = cpuinfo()
    by_package: dict[int, list[int]] = {}
    cores: dict[int, set[int]] = {}
    for cpu in online_cpus():
        topology = SYS_CPU / f"cpu{cpu}" / "topology"
        package = read_int(topology / "physical_package_id")
        package = 0 if package is None or package < 0 else package
        by_package.setdefault(package, []).append(cpu)
        core = read_int(topology / "core_id")
        cores.setdefault(package, set()).add(cpu if core is None else core)
    out = []
    for package, cpus in sorted(by_package.items()):
        name, maker = _name_and_maker(info.get(cpus[0], {}))
        out.append(Package(id=package, cpus=cpus, cores=len(cores[package]), name=name, manufacturer=maker))
    return out


def cpu_ticks() -> dict[int, tuple[int, int]]:
    """cpu number -> (total, idle) jiffies since boot, from /proc/stat."""
    out: dict[int, tuple[int, int]] = {}
    for line in read_lines("/proc/stat"):
        cols = line.split()
        if not cols or not cols[0].startswith("cpu") or cols[0] == "cpu":
            continue
        values = [int(v) for v in cols[1:9]]  # user nice system idle iowait irq softirq steal
        values += [0] * (8 - len(values))
        # guest time is already counted in user and nice, so the columns after steal are left out
        out[int(cols[0][3:])] = (sum(values), values[3] + values[4])
    return out


def package_temperatures() -> dict[int, tuple[float, float | None]]:
    """package id -> (current, critical) in degrees Celsius, for the sensors the kernel exposes."""
    try:
        sensors = psutil.sensors_temperatures()
    except (AttributeError, OSError):
        return {}
    out: dict[int, tuple[float, float | None]] = {}
    for entry in sensors.get("coretemp", []):  # Intel: one "Package id N" reading per socket
        match = PACKAGE_SENSOR.match(entry.label or "")
        if match:
            out[int(match[1])] = (entry.current, entry.critical)
    if out:
        return out
    for driver in ("k10temp", "zenpower"):  # AMD: one Tctl (or Tdie) per socket
        readings = [e for e in sensors.get(driver, []) if e.label in ("Tdie", "Tctl", "")]
        tdie = [e for e in readings if e.label == "Tdie"]
        for index, entry in enumerate(tdie or readings):
            out[index] = (entry.current, entry.critical)
        if out:
            return out
    for driver in ("cpu_thermal", "cpu-thermal", "soc_thermal", "x86_pkg_temp"):  # single-socket boards
        if sensors.get(driver):
            entry = sensors[driver][0]
            return {0: (entry.current, entry.critical)}
    return {}


def kelvin(celsius: float) -> float:
    return round(celsius + ZERO_CELSIUS_K, 1)
