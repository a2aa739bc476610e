"""Network adapters: names, MAC, link state and speed from /sys/class/net; addresses from psutil;
default gateways from /proc/net/route; name servers from resolv.conf."""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

import psutil

from web.host import names as hw_names
from web.host.files import SYS_NET, link_name, read_int, read_lines, read_text

IFF_UP = 0x1
ARPHRD_LOOPBACK = 772
RESOLV_CONF_FILES = (Path("/run/systemd/resolve/resolv.conf"), Path("/etc/resolv.conf"))  # the first skips
# systemd-resolved's 127.0.0.53 stub and names the servers it really asks


@dataclass
class Adapter:
    ifname: str
    name: str
    manufacturer: str
    mac: str
    enabled: bool
    speed_bps: int  # 0 when the link is down or the driver does not tell


def _speed_bps(ifname: str) -> int:
    mbps = read_int(SYS_NET / ifname / "speed")  # reading fails (EINVAL) while the link is down
    return mbps * 1_000_000 if mbps and mbps > 0 else 0


def _describe(ifname: str) -> Adapter:
    base = SYS_NET / ifname
    maker, product = hw_names.names_of(base / "device") if (base / "device").exists() else ("", "")
    flags = read_int(base / "flags", 16) or 0
    return Adapter(
        ifname=ifname,
        name=product or link_name(base / "device" / "driver") or ifname,
        manufacturer=maker,
        mac=(read_text(base / "address") or "").upper(),
        enabled=bool(flags & IFF_UP),
        speed_bps=_speed_bps(ifname),
    )


def _has_address(ifname: str, addresses: dict[str, list]) -> bool:
    return any(a.family in (socket.AF_INET, socket.AF_INET6) for a in addresses.get(ifname, []))


def adapter_names() -> list[str]:
    """Interfaces backed by hardware. A container has none (all of its interfaces are virtual);
    there, the interfaces that carry an address stand in for them."""
    try:
        names = sorted(p.name for p in SYS_NET.iterdir())
    except OSError:
        return []
    physical = [n for n in names if (SYS_NET / n / "device").exists()]
    if physical:
        return physical
    addresses = psutil.net_if_addrs()
    return [n for n in names
            if read_int(SYS_NET / n / "type") != ARPHRD_LOOPBACK and _has_address(n, addresses)]


def adapters() -> list[Adapter]:
    """Adapters with unique display names: a second adapter of the same model is "<name> #2"."""
    out: list[Adapter] = []
    seen: dict[str, int] = {}
    for ifname in adapter_names():
        adapter = _describe(ifname)
        seen[adapter.name] = seen.get(adapter.name, 0) + 1
        if seen[adapter.name] > 1:
            adapter.name = f"{adapter.name} #{seen[adapter.name]}"
        out.append(adapter)
    return out


def prefix_length(netmask: str | None, default: int) -> int:
    if not netmask:
        return default
    try:
        return bin(int(ipaddress.ip_address(netmask))).count("1")
    except ValueError:
        return default


def addresses(ifname: str) -> tuple[list[str], list[str]]:
    """(IPv4, IPv6) addresses as address/prefix, IPv6 link-local ones with their %zone."""
    v4: list[str] = []
    v6: list[str] = []
    for addr in psutil.net_if_addrs().get(ifname, []):
        if addr.family == socket.AF_INET:
            v4.append(f"{addr.address}/{prefix_length(addr.netmask, 32)}")
        elif addr.family == socket.AF_INET6:
            v6.append(f"{addr.address}/{prefix_length(addr.netmask, 128)}")
    return v4, v6


def ipv4_gateways() -> dict[str, list[str]]:
    """interface -> default gateways, from the kernel's routing table (little-endian hex)."""
    out: dict[str, list[str]] = {}
    for line in read_lines("/proc/net/route")[1:]:
        cols = line.split()
        if len(cols) < 8 or cols[1] != "00000000" or cols[7] != "00000000":
            continue
        gateway = socket.inet_ntoa(struct.pack("<I", int(cols[2], 16)))
        if gateway != "0.0.0.0":
            out.setdefault(cols[0], []).append(gateway)
    return out


def name_servers() -> list[str]:
    for path in RESOLV_CONF_FILES:
        servers = [cols[1] for cols in (line.split() for line in read_lines(path))
                   if len(cols) >= 2 and cols[0] == "nameserver"]
        if servers:
            return servers
    return []
