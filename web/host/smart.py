"""S.M.A.R.T. data of a disk, from `smartctl --json -a` (smartmontools) when it is installed.

ATA disks answer with their attribute table. NVMe disks have no attribute table but a fixed
SMART/Health log; its fields are listed as attributes numbered in the log's order (1 = Critical
Warning ... 15 = Error Information Log Entries), the numbering disk tools commonly show.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from web.core import i18n

NOT_TESTED, NOT_SUPPORTED, SUPPORTED = -1, 0, 1
SMARTCTL_TIMEOUT_S = 20.0
CACHE_S = 30.0
RAW_HEX_DIGITS = 12  # an ATA raw value is 6 bytes
# smartctl's exit status is a bit mask; bit 1 means the device could not be opened or identified
EXIT_OPEN_FAILED = 0x02
NO_PERMISSION = ("permission denied", "operation not permitted")

# (id, name, key in smartctl's nvme_smart_health_information_log, critical)
NVME_FIELDS = (
    (1, "Critical Warning", "critical_warning", True),
    (2, "Composite Temperature", "temperature", False),
    (3, "Available Spare", "available_spare", True),
    (4, "Available Spare Threshold", "available_spare_threshold", False),
    (5, "Percentage Used", "percentage_used", False),
    (6, "Data Units Read", "data_units_read", False),
    (7, "Data Units Written", "data_units_written", False),
    (8, "Host Read Commands", "host_reads", False),
    (9, "Host Write Commands", "host_writes", False),
    (10, "Controller Busy Time", "controller_busy_time", False),
    (11, "Power Cycles", "power_cycles", False),
    (12, "Power On Hours", "power_on_hours", False),
    (13, "Unsafe Shutdowns", "unsafe_shutdowns", False),
    (14, "Media and Data Integrity Errors", "media_errors", True),
    (15, "Number of Error Information Log Entries", "num_err_log_entries", False),
)


@dataclass
class SmartReport:
    code: int
    model: str
    name: str
    attributes: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self, lang: str) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": i18n.text(lang, f"smart.{self.code}"),
            "model": self.model,
            "name": self.name,
            "smart": self.attributes,
        }


def smartctl_path() -> str | None:
    """smartctl lives in /usr/sbin, which a service account's PATH often leaves out."""
    search = os.pathsep.join(filter(None, (os.environ.get("PATH"), "/usr/sbin", "/sbin", "/usr/local/sbin")))
    return shutil.which("smartctl", path=search)


def attribute(ident: int, name: str, critical: bool, value: int, worst: int, threshold: int,
              raw: int) -> dict[str, Any]:
    return {
        "attribute": name,
        "critical": critical,
        "id": ident,
        "raw": raw,
        "rawHex": f"{raw:0{RAW_HEX_DIGITS}X}",
        "threshold": threshold,
        "value": value,
        "worst": worst,
    }


def ata_attributes(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """smartctl's ata_smart_attributes table; "critical" is the drive's own pre-failure flag."""
    return [
        attribute(
            ident=int(row["id"]),
            name=str(row.get("name", "")).replace("_", " "),
            critical=bool(row.get("flags", {}).get("prefailure", False)),
            value=int(row.get("value", 0)),
            worst=int(row.get("worst", 0)),
            threshold=int(row.get("thresh", 0)),
            raw=int(row.get("raw", {}).get("value", 0)),
        )
        for row in table
        if "id" in row
    ]


def nvme_attributes(log: dict[str, Any]) -> list[dict[str, Any]]:
    """The health log as attributes; a log field is one current number, so value = worst = raw."""
    out = []
    spare_threshold = int(log.get("available_spare_threshold", 0))
    for ident, name, key, critical in NVME_FIELDS:
        if key not in log:
            continue
        raw = int(log[key])
        out.append(attribute(ident, name, critical, raw, raw, spare_threshold if key == "available_spare" else 0,
                             raw))
    return out


def _messages(report: dict[str, Any]) -> str:
    return " ".join(str(m.get("string", "")) for m in report.get("smartctl", {}).get("messages", [])).lower()


def parse_report(device: str, model: str, report: dict[str, Any]) -> SmartReport:
    """What `smartctl --json -a device` printed, as a TS-API hddsmart item."""
    model = str(report.get("model_name") or report.get("scsi_model_name") or model)
    exit_status = int(report.get("smartctl", {}).get("exit_status", 0))
    if exit_status & EXIT_OPEN_FAILED and any(text in _messages(report) for text in NO_PERMISSION):
        return SmartReport(NOT_TESTED, model, device)  # the disk was never asked: we may not open it
    table = report.get("ata_smart_attributes", {}).get("table")
    if table:
        return SmartReport(SUPPORTED, model, device, ata_attributes(table))
    health_log = report.get("nvme_smart_health_information_log")
    if health_log:
        return SmartReport(SUPPORTED, model, device, nvme_attributes(health_log))
    if report.get("smart_support", {}).get("available"):  # SCSI/SAS, or SMART switched off on the drive
        return SmartReport(SUPPORTED, model, device)
    return SmartReport(NOT_SUPPORTED, model, device)


def run_smartctl(device: str, model: str) -> SmartReport:
    smartctl = smartctl_path()
    if smartctl is None:
        return SmartReport(NOT_SUPPORTED, model, device)
    try:
        done = subprocess.run([smartctl, "--json", "-a", device], capture_output=True, timeout=SMARTCTL_TIMEOUT_S,
                              check=False)
        report = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return SmartReport(NOT_TESTED, model, device)
    if not isinstance(report, dict):
        return SmartReport(NOT_TESTED, model, device)
    return parse_report(device, model, report)


_cache: dict[str, tuple[float, SmartReport]] = {}
_cache_lock = threading.Lock()


def probe(device: str, model: str) -> SmartReport:
    """The device's report, at most CACHE_S old: /api/system?info asks for every disk each time."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(device)
    if cached and now - cached[0] < CACHE_S:
        return cached[1]
    report = run_smartctl(device, model)
    with _cache_lock:
        _cache[device] = (time.monotonic(), report)
    return report
