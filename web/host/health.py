"""/api/system?health items: processor load and temperature, memory, per-filesystem disk activity
and space, recording storage (web/host/recording.py), per-adapter network traffic.

Loads and rates are differences between two readings of the kernel's counters. The previous
reading is kept between requests; when it is missing or stale, a fresh pair is taken a quarter
of a second apart, so an answer never waits longer than that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from web.core.context import Services
from web.host import cpu as cpu_facts
from web.host import disks as block_devices
from web.host import network as net_adapters
from web.host.recording import recording_item

FIRST_SAMPLE_S = 0.25
MIN_INTERVAL_S = 0.25  # closer readings than this give noisy rates: the last ones are answered again
MAX_AGE_S = 10.0  # rates over a longer span would describe the past rather than now
# tmpfs and friends hold no recordings; loop devices are mounted images (snaps), not disks
SKIPPED_DISK_PREFIXES = ("loop", "ram", "zram")


@dataclass
class Counters:
    at: float
    cpu: dict[int, tuple[int, int]]
    disk: dict[str, Any]
    net: dict[str, Any]

    @classmethod
    def read(cls) -> Counters:
        return cls(
            at=time.monotonic(),
            cpu=cpu_facts.cpu_ticks(),
            disk=psutil.disk_io_counters(perdisk=True, nowrap=True) or {},
            net=psutil.net_io_counters(pernic=True, nowrap=True) or {},
        )


@dataclass
class DiskRates:
    busy_pct: int
    read_pct: int
    write_pct: int
    read_bps: int
    write_bps: int


@dataclass
class NetRates:
    recv_bps: int
    sent_bps: int


@dataclass
class Rates:
    cpu_pct: dict[int, int]
    disk: dict[str, DiskRates]
    net: dict[str, NetRates]


def _pct(part: float, whole: float) -> int:
    return max(0, min(100, round(100 * part / whole))) if whole > 0 else 0


def _per_s(delta: float, seconds: float) -> int:
    return max(0, round(delta / seconds)) if seconds > 0 else 0


def rates_between(old: Counters, new: Counters) -> Rates:
    seconds = new.at - old.at
    ms = seconds * 1000
    cpu: dict[int, int] = {}
    for number, (total, idle) in new.cpu.items():
        before = old.cpu.get(number)
        if before:
            spent = total - before[0]
            cpu[number] = _pct(spent - (idle - before[1]), spent)
    disk: dict[str, DiskRates] = {}
    for name, now in new.disk.items():
        before = old.disk.get(name)
        if before:
            disk[name] = DiskRates(
                busy_pct=_pct(now.busy_time - before.busy_time, ms),
                read_pct=_pct(now.read_time - before.read_time, ms),
                write_pct=_pct(now.write_time - before.write_time, ms),
                read_bps=_per_s(now.read_bytes - before.read_bytes, seconds),
                write_bps=_per_s(now.write_bytes - before.write_bytes, seconds),
            )
    net: dict[str, NetRates] = {}
    for name, now in new.net.items():
        before = old.net.get(name)
        if before:
            net[name] = NetRates(recv_bps=_per_s(now.bytes_recv - before.bytes_recv, seconds),
                                 sent_bps=_per_s(now.bytes_sent - before.bytes_sent, seconds))
    return Rates(cpu_pct=cpu, disk=disk, net=net)


class Sampler:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._previous: Counters | None = None
        self._last: Rates | None = None

    def rates(self) -> Rates:
        with self._lock:
            previous = self._previous
            if previous is None or time.monotonic() - previous.at > MAX_AGE_S:
                previous = Counters.read()
                time.sleep(FIRST_SAMPLE_S)
            elif time.monotonic() - previous.at < MIN_INTERVAL_S and self._last is not None:
                return self._last
            current = Counters.read()
            self._last = rates_between(previous, current)
            self._previous = current
            return self._last


sampler = Sampler()  # the counters are the machine's, so one sampler serves every request


def cpu_item(rates: Rates) -> list[dict[str, Any]]:
    temperatures = cpu_facts.package_temperatures()
    out = []
    for package in cpu_facts.packages():
        threads = [rates.cpu_pct.get(cpu, 0) for cpu in package.cpus]
        item: dict[str, Any] = {}
        if package.id in temperatures:
            current, critical = temperatures[package.id]
            item["temperatureKelvin"] = {"critical": cpu_facts.kelvin(critical)} if critical else {}
            item["temperatureKelvin"]["current"] = cpu_facts.kelvin(current)
        item["usage"] = {"threads": threads, "total": round(sum(threads) / len(threads)) if threads else 0}
        out.append(item)
    return out


def memory_item() -> dict[str, Any]:
    memory, swap = psutil.virtual_memory(), psutil.swap_memory()
    # "virtual" as Windows counts it: physical memory plus the page file (here: swap)
    return {
        "totalPhysical": memory.total,
        "freePhysical": memory.available,
        "totalVirtual": memory.total + swap.total,
        "freeVirtual": memory.available + swap.free,
    }


def watched_filesystems(data_dir: Path) -> list[block_devices.Mount]:
    """Mounted disk filesystems, one mount per device, and always the one holding the data directory
    (in a container that is often an overlay without a block device of its own)."""
    out: list[block_devices.Mount] = []
    for kname, mount in block_devices.primary_mounts().items():
        if not kname.startswith(SKIPPED_DISK_PREFIXES):
            out.append(mount)
    holder = block_devices.mount_of(data_dir)
    if holder is not None and all(m.mountpoint != holder.mountpoint for m in out):
        out.append(holder)
    return out


def disk_item(rates: Rates, data_dir: Path) -> list[dict[str, Any]]:
    labels = block_devices.labels()
    idle = DiskRates(0, 0, 0, 0, 0)
    out = []
    for mount in watched_filesystems(data_dir):
        try:
            usage = psutil.disk_usage(mount.mountpoint)
        except OSError:
            continue
        io = rates.disk.get(mount.kname or "", idle)
        out.append({
            "name": mount.mountpoint,
            "totalTimePercent": io.busy_pct,
            "readTimePercent": io.read_pct,
            "writeTimePercent": io.write_pct,
            "totalBytesPerSec": io.read_bps + io.write_bps,
            "readBytesPerSec": io.read_bps,
            "writeBytesPerSec": io.write_bps,
            "fileSystem": mount.fs_type,
            "volumeName": labels.get(mount.kname or "", ""),
            "totalSpace": usage.total,
            "freeSpace": usage.free,
        })
    return out


def network_item(rates: Rates) -> list[dict[str, Any]]:
    out = []
    for adapter in net_adapters.adapters():
        io = rates.net.get(adapter.ifname, NetRates(0, 0))
        out.append({
            "name": adapter.name,
            "totalBytesPerSec": io.recv_bps + io.sent_bps,
            "recvBytesPerSec": io.recv_bps,
            "sendBytesPerSec": io.sent_bps,
            "curBandwidth": adapter.speed_bps,
        })
    return out


SUPPORTED = ["cpu", "memory", "disk", "recording", "network", "all"]
NEEDS_RATES = ("cpu", "disk", "network")


def gather(names: list[str], services: Services) -> dict[str, Any]:
    rates = sampler.rates() if any(n in names for n in NEEDS_RATES) else Rates({}, {}, {})
    data_dir = services.settings.data_dir
    items: dict[str, Callable[[], Any]] = {
        "cpu": lambda: cpu_item(rates),
        "memory": memory_item,
        "disk": lambda: disk_item(rates, data_dir),
        "recording": lambda: recording_item(services),
        "network": lambda: network_item(rates),
    }
    return {name: gather_item() for name, gather_item in items.items() if name in names}
