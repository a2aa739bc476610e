"""/api/system: info and health checked against this machine's own figures (read here through other
routes: lsblk, platform, psutil, os), hddsmart, the smartctl and SMBIOS parsers, and restart and
reboot of a real `tsnvr serve` process."""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest
from sqlmodel import select

from storage.db import Database
from storage.eventlog import EventType, SystemCode
from storage.models import EventLogEntry
from tests.conftest import ADMIN_AUTH, LiveServer, write_settings
from web.core.timefmt import parse
from web.host.disks import cdrom_capabilities, interface_of, optical_kind
from web.host.memory import parse_memory_device
from web.host.names import parse_pci_ids
from web.host.smart import NOT_SUPPORTED, NOT_TESTED, SUPPORTED, parse_report, smartctl_path

INFO_KEYS = ["lastUpdate", "os", "cpu", "mainboard", "graphicAdapter", "physicalMemory", "memoryAmount", "disk",
             "storageAmount", "cdrom", "networkAdapter"]
HEALTH_KEYS = ["lastUpdate", "cpu", "memory", "disk", "recording", "network"]


def get(client, query: str, auth: str = ADMIN_AUTH) -> httpx.Response:
    return client.get(f"/api/system?{query}{'&' if query else ''}auth={auth}")


def online_cpu_count() -> int:
    count = 0
    for part in Path("/sys/devices/system/cpu/online").read_text().strip().split(","):
        low, _, high = part.partition("-")
        count += int(high or low) - int(low) + 1
    return count


def mount_point_of(path: Path) -> str:
    path = path.resolve()
    while not os.path.ismount(path):
        path = path.parent
    return str(path)


# ---- info -------------------------------------------------------------------------------------

def test_info_is_the_default_and_has_the_guides_keys_in_order(client):
    body = get(client, "").json()
    assert list(body) == INFO_KEYS
    assert list(get(client, "info").json()) == INFO_KEYS
    assert list(get(client, "info=all").json()) == INFO_KEYS


def test_info_last_update_is_now_in_the_servers_zone(client):
    stamp = get(client, "info=os").json()["lastUpdate"]
    assert stamp[-6:] in ("-05:00", "-04:00")  # the data_dir fixture sets America/New_York
    from zoneinfo import ZoneInfo

    assert abs(parse(stamp, ZoneInfo("UTC")).ms - time.time() * 1000) < 10_000


def test_info_supported_and_single_items_and_aliases(client):
    assert get(client, "info=supported").json() == ["os", "cpu", "mainboard", "memory", "graphicAdapter", "disk",
                                                    "cdrom", "networkAdapter", "all"]
    assert list(get(client, "info=os").json()) == ["lastUpdate", "os"]
    assert list(get(client, "info=memory").json()) == ["lastUpdate", "physicalMemory", "memoryAmount"]
    assert list(get(client, "info=storage,network").json()) == ["lastUpdate", "disk", "storageAmount",
                                                               "networkAdapter"]
    assert list(get(client, "info=networkAdapter,cpu").json()) == ["lastUpdate", "cpu", "networkAdapter"]


@pytest.mark.parametrize("query", ["info=bogus", "info=os,bogus", "info=supported,os", "info&health",
                                   "hddsmart&reboot"])
def test_bad_system_requests_are_400_json(client, query):
    r = get(client, query)
    assert r.status_code == 400
    assert r.json()["code"] == 400 and r.json()["message"]


@pytest.mark.parametrize("query", ["", "info", "health", "hddsmart", "restart", "reboot"])
def test_system_needs_a_signed_in_user(client, query):
    r = client.get(f"/api/system?{query}")
    assert r.status_code == 401
    assert r.json()["code"] == 401


def test_info_os_and_cpu_are_this_machines(client):
    body = get(client, "info=os,cpu").json()
    release = platform.freedesktop_os_release()
    assert body["os"] == {"name": release["NAME"], "version": release.get("VERSION_ID", platform.release()),
                          "arch": "64-bit" if platform.architecture()[0] == "64bit" else "32-bit"}
    cpus = body["cpu"]
    assert cpus and all(set(c) == {"name", "manufacturer", "cores"} for c in cpus)
    assert 1 <= sum(c["cores"] for c in cpus) <= online_cpu_count()
    cpuinfo = Path("/proc/cpuinfo").read_text()
    fields = dict(line.split(":", 1) for line in cpuinfo.splitlines()[:30] if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    if "model name" in fields:
        assert cpus[0]["name"] == fields["model name"]
    if "vendor_id" in fields:
        assert cpus[0]["manufacturer"] == fields["vendor_id"]


def test_info_memory_is_this_machines(client):
    body = get(client, "info=memory").json()
    modules = body["physicalMemory"]
    for module in modules:
        assert set(module) == {"name", "manufacturer", "bank", "capacity", "serialNo", "type", "speed"}
    expected = sum(m["capacity"] for m in modules) or psutil.virtual_memory().total
    assert body["memoryAmount"] == expected


@pytest.mark.skipif(shutil.which("lsblk") is None, reason="lsblk (util-linux) is the independent witness")
def test_info_disks_are_the_ones_lsblk_sees(client):
    body = get(client, "info=disk").json()
    listed = json.loads(subprocess.run(["lsblk", "-J", "-b", "-d", "-o", "NAME,SIZE,TYPE"], capture_output=True,
                                       text=True, check=True).stdout)["blockdevices"]
    expected = {f"/dev/{d['name']}": d["size"] for d in listed
                if d["type"] == "disk" and d["size"] and not d["name"].startswith(("zram", "ram", "loop"))}
    assert {d["deviceId"]: d["capacity"] for d in body["disk"]} == expected
    assert body["storageAmount"] == sum(expected.values())
    for disk in body["disk"]:
        assert list(disk) == ["capacity", "deviceId", "interface", "manufacturer", "name", "partition", "serialNo",
                              "smartCaps"]
        assert disk["smartCaps"] is False or smartctl_path() is not None
        for part in disk["partition"]:
            assert part["size"] == part["numberOfBlocks"] * 512
            assert part["startingOffset"] + part["size"] <= disk["capacity"]


def test_info_root_filesystem_shows_as_a_mounted_partition(client):
    root_fs = next((p for p in psutil.disk_partitions(all=True) if p.mountpoint == "/"), None)
    if root_fs is None or os.major(os.stat("/").st_dev) == 0:
        pytest.skip("/ is not on a block device here (an overlay in a container)")
    mounted = [p for d in get(client, "info=disk").json()["disk"] for p in d["partition"] if p.get("mount") == "/"]
    assert len(mounted) == 1
    assert mounted[0]["fileSystem"] == root_fs.fstype


def test_info_network_adapters_are_this_machines(client):
    adapters = get(client, "info=network").json()["networkAdapter"]
    stats, addresses = psutil.net_if_stats(), psutil.net_if_addrs()
    physical = sorted(n for n in stats if Path(f"/sys/class/net/{n}/device").exists())
    with_address = sorted(n for n in stats if n != "lo" and any(
        a.family in (socket.AF_INET, socket.AF_INET6) for a in addresses.get(n, [])))
    assert [a["connectionId"] for a in adapters] == (physical or with_address)  # containers: no physical ones
    for adapter in adapters:
        ifname = adapter["connectionId"]
        assert adapter["mac"] == Path(f"/sys/class/net/{ifname}/address").read_text().strip().upper()
        assert adapter["netEnabled"] is stats[ifname].isup
        v4 = [f"{a.address}/{bin(int.from_bytes(socket.inet_aton(a.netmask), 'big')).count('1')}"
              for a in addresses[ifname] if a.family == socket.AF_INET]
        assert adapter.get("ipv4", {}).get("ip", []) == v4
        v6 = [a.address for a in addresses[ifname] if a.family == socket.AF_INET6]
        assert [ip.rsplit("/", 1)[0] for ip in adapter.get("ipv6", {}).get("ip", [])] == v6
        speed = stats[ifname].speed
        assert adapter.get("dlSpeed", 0) == (speed * 1_000_000 if speed > 0 else 0)


# ---- health -----------------------------------------------------------------------------------

def test_health_supported_and_items(client):
    assert get(client, "health=supported").json() == ["cpu", "memory", "disk", "recording", "network", "all"]
    assert list(get(client, "health").json()) == HEALTH_KEYS
    assert list(get(client, "health=all").json()) == HEALTH_KEYS
    assert list(get(client, "health=network,memory").json()) == ["lastUpdate", "memory", "network"]
    r = get(client, "health=gpu")
    assert r.status_code == 400 and "gpu" in r.json()["message"]


def test_health_memory_is_this_machines(client):
    memory = get(client, "health=memory").json()["memory"]
    total, swap = psutil.virtual_memory().total, psutil.swap_memory().total
    assert memory["totalPhysical"] == total
    assert 0 < memory["freePhysical"] <= total
    assert memory["totalVirtual"] == total + swap
    assert memory["freePhysical"] <= memory["freeVirtual"] <= memory["totalVirtual"]


def test_health_cpu_counts_every_thread_and_sees_load(client):
    get(client, "health=cpu")  # the previous reading the next answer is measured from
    spin_until = time.monotonic() + 0.6
    while time.monotonic() < spin_until:
        pass
    cpus = get(client, "health=cpu").json()["cpu"]
    threads = [t for c in cpus for t in c["usage"]["threads"]]
    assert len(threads) == online_cpu_count()
    assert all(0 <= t <= 100 for t in threads)
    assert max(threads) >= 30  # one thread spun for the whole interval
    for c in cpus:
        assert c["usage"]["total"] == round(sum(c["usage"]["threads"]) / len(c["usage"]["threads"]))
        if "temperatureKelvin" in c:
            assert 250 < c["temperatureKelvin"]["current"] < 400


def test_health_disk_shows_the_data_directorys_filesystem_and_its_writes(client, data_dir):
    mount = mount_point_of(data_dir)
    get(client, "health=disk")
    with (data_dir / "ballast.bin").open("wb") as f:
        f.write(os.urandom(8 << 20))
        f.flush()
        os.fsync(f.fileno())
    time.sleep(0.3)
    disks = get(client, "health=disk").json()["disk"]
    mine = [d for d in disks if d["name"] == mount]
    assert len(mine) == 1
    disk = mine[0]
    assert list(disk) == ["name", "totalTimePercent", "readTimePercent", "writeTimePercent", "totalBytesPerSec",
                          "readBytesPerSec", "writeBytesPerSec", "fileSystem", "volumeName", "totalSpace",
                          "freeSpace"]
    assert disk["totalSpace"] == shutil.disk_usage(mount).total
    assert disk["fileSystem"] == next(p.fstype for p in psutil.disk_partitions(all=True) if p.mountpoint == mount)
    if os.major(os.stat(data_dir).st_dev) != 0:  # a real block device counts the bytes written
        assert disk["writeBytesPerSec"] > 0
        assert disk["totalBytesPerSec"] == disk["readBytesPerSec"] + disk["writeBytesPerSec"]


def test_health_recording_is_the_data_directory(client, data_dir):
    path = str(data_dir.resolve())
    recording = get(client, "health=recording").json()["recording"]
    assert list(recording) == ["current", "storage"] and recording["current"] == path
    (storage,) = recording["storage"]
    assert list(storage)[:3] == ["comment", "path", "usage"]  # the guide's; space and retention follow
    assert (storage["comment"], storage["path"], storage["usage"]) == ("Overwrite", path, 2)
    assert storage["totalSpace"] == shutil.disk_usage(data_dir).total


def test_health_network_names_match_info(client):
    adapters = get(client, "info=network").json()["networkAdapter"]
    network = get(client, "health=network").json()["network"]
    assert [n["name"] for n in network] == [a["name"] for a in adapters]
    for item, adapter in zip(network, adapters, strict=True):
        assert list(item) == ["name", "totalBytesPerSec", "recvBytesPerSec", "sendBytesPerSec", "curBandwidth"]
        assert item["curBandwidth"] == adapter.get("dlSpeed", 0)
        assert item["totalBytesPerSec"] == item["recvBytesPerSec"] + item["sendBytesPerSec"]


# ---- hddsmart ---------------------------------------------------------------------------------

def test_hddsmart_lists_the_info_disks_in_order(client):
    disks = get(client, "info=disk").json()["disk"]
    reports = get(client, "hddsmart").json()
    assert [r["name"] for r in reports] == [d["deviceId"] for d in disks]
    for report in reports:
        assert list(report) == ["code", "message", "model", "name", "smart"]
        assert report["code"] in (NOT_TESTED, NOT_SUPPORTED, SUPPORTED)
        assert report["message"] == {-1: "Not tested yet", 0: "Not supported", 1: "Supported"}[report["code"]]
    if smartctl_path() is None:
        assert [(r["code"], r["model"], r["smart"]) for r in reports] == [(0, d["name"], []) for d in disks]
    spanish = {-1: "Aún no probado", 0: "No compatible", 1: "Compatible"}
    assert [r["message"] for r in get(client, "hddsmart&lang=es-ES").json()] == [spanish[r["code"]] for r in reports]
    if disks:
        assert [r["name"] for r in get(client, "hddsmart=1").json()] == [disks[0]["deviceId"]]
        assert [r["name"] for r in get(client, "hddsmart=1,1").json()] == [disks[0]["deviceId"]]


@pytest.mark.parametrize("value", ["0", "99", "x", "1,two", "-1"])
def test_hddsmart_bad_numbers_are_400(client, value):
    r = get(client, f"hddsmart={value}")
    assert r.status_code == 400
    assert r.json()["code"] == 400


ATA_REPORT = {
    "json_format_version": [1, 0],
    "smartctl": {"version": [7, 3], "argv": ["smartctl", "--json", "-a", "/dev/sda"], "exit_status": 0},
    "device": {"name": "/dev/sda", "info_name": "/dev/sda [SAT]", "type": "sat", "protocol": "ATA"},
    "model_family": "Seagate BarraCuda 3.5",
    "model_name": "ST2000DM008-2FR102",
    "serial_number": "ZFL0A1B2",
    "smart_support": {"available": True, "enabled": True},
    "smart_status": {"passed": True},
    "ata_smart_attributes": {
        "revision": 10,
        "table": [
            {"id": 1, "name": "Raw_Read_Error_Rate", "value": 83, "worst": 64, "thresh": 44, "when_failed": "",
             "flags": {"value": 15, "string": "POSR-- ", "prefailure": True, "updated_online": True,
                       "performance": True, "error_rate": True, "event_count": False, "auto_keep": False},
             "raw": {"value": 199781349, "string": "199781349"}},
            {"id": 5, "name": "Reallocated_Sector_Ct", "value": 100, "worst": 100, "thresh": 10, "when_failed": "",
             "flags": {"value": 51, "string": "PO--CK ", "prefailure": True, "updated_online": True,
                       "performance": False, "error_rate": False, "event_count": True, "auto_keep": True},
             "raw": {"value": 0, "string": "0"}},
            {"id": 9, "name": "Power_On_Hours", "value": 59, "worst": 59, "thresh": 0, "when_failed": "",
             "flags": {"value": 50, "string": "-O--CK ", "prefailure": False, "updated_online": True,
                       "performance": False, "error_rate": False, "event_count": True, "auto_keep": True},
             "raw": {"value": 36055, "string": "36055"}},
            {"id": 194, "name": "Temperature_Celsius", "value": 36, "worst": 53, "thresh": 0, "when_failed": "",
             "flags": {"value": 34, "string": "-O---K ", "prefailure": False, "updated_online": True,
                       "performance": False, "error_rate": False, "event_count": False, "auto_keep": True},
             "raw": {"value": 21474836516, "string": "36 (0 5 0 0 0)"}},
        ],
    },
}

NVME_REPORT = {
    "smartctl": {"exit_status": 0},
    "device": {"name": "/dev/nvme0n1", "info_name": "/dev/nvme0n1", "type": "nvme", "protocol": "NVMe"},
    "model_name": "Samsung SSD 970 EVO Plus 1TB",
    "smart_support": {"available": True, "enabled": True},
    "nvme_smart_health_information_log": {
        "critical_warning": 0, "temperature": 38, "available_spare": 100, "available_spare_threshold": 10,
        "percentage_used": 2, "data_units_read": 107103479, "data_units_written": 62786553,
        "host_reads": 2354229498, "host_writes": 852488786, "controller_busy_time": 3125, "power_cycles": 151,
        "power_on_hours": 870, "unsafe_shutdowns": 9, "media_errors": 0, "num_err_log_entries": 0,
        "warning_temp_time": 0, "critical_comp_time": 0, "temperature_sensors": [38, 41],
    },
}


def test_smartctl_ata_report_becomes_the_guides_attribute_list():
    report = parse_report("/dev/sda", "fallback", ATA_REPORT)
    assert report.as_json("en-US") == {
        "code": 1,
        "message": "Supported",
        "model": "ST2000DM008-2FR102",
        "name": "/dev/sda",
        "smart": [
            {"attribute": "Raw Read Error Rate", "critical": True, "id": 1, "raw": 199781349,
             "rawHex": "00000BE86BE5", "threshold": 44, "value": 83, "worst": 64},
            {"attribute": "Reallocated Sector Ct", "critical": True, "id": 5, "raw": 0, "rawHex": "000000000000",
             "threshold": 10, "value": 100, "worst": 100},
            {"attribute": "Power On Hours", "critical": False, "id": 9, "raw": 36055, "rawHex": "000000008CD7",
             "threshold": 0, "value": 59, "worst": 59},
            {"attribute": "Temperature Celsius", "critical": False, "id": 194, "raw": 21474836516,
             "rawHex": "000500000024", "threshold": 0, "value": 36, "worst": 53},
        ],
    }


def test_smartctl_nvme_health_log_becomes_numbered_attributes():
    report = parse_report("/dev/nvme0n1", "", NVME_REPORT)
    assert (report.code, report.model) == (SUPPORTED, "Samsung SSD 970 EVO Plus 1TB")
    assert [a["id"] for a in report.attributes] == list(range(1, 16))
    spare = report.attributes[2]
    assert spare == {"attribute": "Available Spare", "critical": True, "id": 3, "raw": 100, "rawHex": "000000000064",
                     "threshold": 10, "value": 100, "worst": 100}
    hours = report.attributes[11]
    assert (hours["attribute"], hours["value"], hours["critical"]) == ("Power On Hours", 870, False)


def test_smartctl_failures_map_to_not_tested_and_not_supported():
    denied = {"smartctl": {"exit_status": 2, "messages": [
        {"string": "Smartctl open device: /dev/sda failed: Permission denied", "severity": "error"}]}}
    report = parse_report("/dev/sda", "WDC WD40PURZ", denied)
    assert report.as_json("en-US") == {"code": -1, "message": "Not tested yet", "model": "WDC WD40PURZ",
                                       "name": "/dev/sda", "smart": []}
    unknown_type = {"smartctl": {"exit_status": 1, "messages": [
        {"string": "/dev/vda: Unable to detect device type", "severity": "error"}]}}
    assert parse_report("/dev/vda", "", unknown_type).code == NOT_SUPPORTED
    scsi = {"smartctl": {"exit_status": 0}, "scsi_model_name": "IBM-SSG H0YH600",
            "smart_support": {"available": True, "enabled": True}}
    assert (parse_report("/dev/sdp", "", scsi).code, parse_report("/dev/sdp", "", scsi).model) == (1, "IBM-SSG H0YH600")
    no_smart = {"smartctl": {"exit_status": 4}, "model_name": "USB Flash", "smart_support": {"available": False}}
    assert parse_report("/dev/sdb", "", no_smart).code == NOT_SUPPORTED


def smbios_type17(size_word: int, speed: int, memory_type: int, strings: list[str], extended_mb: int = 0) -> bytes:
    """A type-17 record laid out as SMBIOS 3.x 7.18 specifies (0x28 bytes of fields, then strings)."""
    body = bytearray(0x28)
    body[0], body[1] = 17, 0x28
    body[0x0C:0x0E] = size_word.to_bytes(2, "little")
    body[0x10], body[0x11] = 1, 2  # device locator, bank locator
    body[0x12] = memory_type
    body[0x15:0x17] = speed.to_bytes(2, "little")
    body[0x17], body[0x18] = 3, 4  # manufacturer, serial number
    body[0x1C:0x20] = extended_mb.to_bytes(4, "little")
    return bytes(body) + b"\0".join(s.encode() for s in strings) + b"\0\0"


def test_smbios_memory_device_records_are_parsed():
    dimm = smbios_type17(8192, 2666, 0x1A, ["DIMM_A1", "BANK 0", "Samsung", "15392520"])
    assert parse_memory_device(dimm) == {"name": "DIMM_A1", "manufacturer": "Samsung", "bank": "BANK 0",
                                         "capacity": 8 << 30, "serialNo": "15392520", "type": "DDR4",
                                         "speed": 2666}
    big = smbios_type17(0x7FFF, 4800, 0x22, ["DIMM_B1", "BANK 2", "Micron", "0001"], extended_mb=65536)
    assert parse_memory_device(big)["capacity"] == 64 << 30
    assert parse_memory_device(big)["type"] == "DDR5"
    assert parse_memory_device(smbios_type17(0, 0, 0x02, ["DIMM_C1", "BANK 4", "", ""])) is None  # empty slot


def test_pci_ids_text_is_parsed():
    text = [
        "# pci.ids excerpt\n",
        "10de  NVIDIA Corporation\n",
        "\t1d01  GP108 [GeForce GT 1030]\n",
        "\t\t1043 85f4  GT 1030 (ASUS)\n",
        "10ec  Realtek Semiconductor Co., Ltd.\n",
        "\t8168  RTL8111/8168/8211/8411 PCI Express Gigabit Ethernet Controller\n",
        "C 00  Unclassified device\n",
        "\t00  Non-VGA unclassified device\n",
    ]
    vendors, devices = parse_pci_ids(text)
    assert vendors == {0x10DE: "NVIDIA Corporation", 0x10EC: "Realtek Semiconductor Co., Ltd."}
    assert devices == {(0x10DE, 0x1D01): "GP108 [GeForce GT 1030]",
                       (0x10EC, 0x8168): "RTL8111/8168/8211/8411 PCI Express Gigabit Ethernet Controller"}


def test_cdrom_info_table_gives_each_drive_its_kind():
    table = """CD-ROM information, Id: cdrom.c 3.20 2003/12/17

drive name:\t\tsr1\tsr0
drive speed:\t\t24\t48
Can write CD-R:\t\t1\t0
Can write CD-RW:\t\t1\t0
Can read DVD:\t\t1\t1
Can write DVD-R:\t\t1\t0
Can write DVD-RAM:\t\t1\t0
""".splitlines()
    caps = cdrom_capabilities(table)
    assert optical_kind(caps["sr1"]) == "DVD Writer"
    assert optical_kind(caps["sr0"]) == "DVD-ROM"
    assert optical_kind({"Can write CD-R": True}) == "CD Writer"
    assert optical_kind({}) == "CD-ROM"


@pytest.mark.parametrize(("kname", "sys_path", "expected"), [
    ("sda", "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", "SATA"),
    ("sdb", "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb", "USB"),
    ("nvme0n1", "/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1", "NVMe"),
    ("vda", "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda", "VirtIO"),
    ("mmcblk0", "/sys/devices/platform/emmc2bus/fe340000.mmc/mmc_host/mmc0/mmc0:aaaa/block/mmcblk0", "MMC"),
])
def test_disk_interface_from_its_sysfs_path(kname, sys_path, expected):
    assert interface_of(kname, Path(sys_path)) == expected


# ---- restart and reboot -----------------------------------------------------------------------

def system_codes(data_dir: Path) -> list[tuple[int, str | None]]:
    db = Database(f"sqlite:///{data_dir / 'tsnvr.db'}")
    try:
        with db.read() as s:
            rows = s.exec(select(EventLogEntry).where(EventLogEntry.type == EventType.SYSTEM)
                          .order_by(EventLogEntry.id))
            return [(row.code, row.param) for row in rows]
    finally:
        db.dispose()


def test_restart_and_reboot_need_an_administrator(client, add_user, runtime):
    viewer = add_user("viewer", rights="Remote,Playback,Control")
    for action in ("restart", "reboot"):
        r = get(client, action, auth=viewer)
        assert r.status_code == 403
        assert r.json()["code"] == 403 and "administrator" in r.json()["message"]
    codes = [code for code, _ in system_codes(runtime.settings.data_dir)]
    assert SystemCode.RESTART_REQUESTED not in codes and SystemCode.REBOOT_REQUESTED not in codes


def test_restart_answers_in_the_asked_language(client, runtime):
    """In-process there is no uvicorn server for the runtime to stop: the request is only logged."""
    r = get(client, "restart&lang=es-ES")
    assert r.json() == {"code": 0, "message": "El servidor se reiniciará en unos segundos."}
    assert runtime.restart_requested is True
    assert SystemCode.RESTART_REQUESTED in [code for code, _ in system_codes(runtime.settings.data_dir)]


def test_reboot_is_refused_while_not_allowed(client, runtime):
    r = get(client, "reboot")
    assert r.status_code == 403
    assert "allow_reboot" in r.json()["message"]
    assert SystemCode.REBOOT_REQUESTED not in [code for code, _ in system_codes(runtime.settings.data_dir)]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_restart_reexecs_the_server_which_answers_again(data_dir):
    server = LiveServer(data_dir)
    try:
        r = httpx.get(f"{server.url}/api/system?restart&auth={ADMIN_AUTH}", timeout=10)
        assert r.status_code == 200
        assert r.json() == {"code": 0, "message": "The server restarts in a few seconds."}
        startups = lambda: [p for c, p in system_codes(data_dir) if c == SystemCode.STARTUP]  # noqa: E731
        wait_for(lambda: len(startups()) == 2, 30, "the second System startup row")
        server.wait_ready()
        assert server.proc.poll() is None  # the same process, re-executed
        assert [json.loads(p)["pid"] for p in startups()] == [server.proc.pid, server.proc.pid]
        assert [c for c, _ in system_codes(data_dir)] == [
            SystemCode.STARTUP, SystemCode.STORAGE_READY, SystemCode.RESTART_REQUESTED, SystemCode.SHUTDOWN,
            SystemCode.STARTUP, SystemCode.STORAGE_READY]
        assert httpx.get(f"{server.url}/api/system?info=os&auth={ADMIN_AUTH}", timeout=10).status_code == 200
    finally:
        server.stop()


def test_reboot_runs_the_configured_command_when_allowed(data_dir, tmp_path):
    marker = tmp_path / "rebooted"
    write_settings(data_dir, allow_reboot=True, reboot_command=f"touch {shlex.quote(str(marker))}")
    server = LiveServer(data_dir)
    try:
        r = httpx.get(f"{server.url}/api/system?reboot&auth={ADMIN_AUTH}", timeout=10)
        assert r.status_code == 200
        assert r.json() == {"code": 0, "message": "The system will shut down in less than a minute and then restart."}
        wait_for(marker.exists, 15, f"{marker} made by the reboot command")
        assert SystemCode.REBOOT_REQUESTED in [code for code, _ in system_codes(data_dir)]
    finally:
        server.stop()
