"""Devices and parking lots as TS-API lists them: /api/enum?what=lprSrc|emergencyCall|parkingLot,
and the parkingCount items of /wsapi/subscribeEvents. The devices and lots live in settings.toml
([[lpr_device]], [[emergency_call]], [[parking_lot]]); the counts in the database."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from storage import parking
from storage.parking import counter_lots
from storage.settings import EmergencyCallDevice, LprDevice, LprZone, ParkingLot
from web.core.context import Services


def parking_lot_ref(entrance: int | None, exit_lot: int | None) -> dict[str, int] | None:
    """{"entrance", "exit"} with the ids that are set, or None when the device is linked to no lot."""
    ref = {key: lot for key, lot in (("entrance", entrance), ("exit", exit_lot)) if lot is not None}
    return ref or None


def zone_item(zone: LprZone) -> dict[str, Any]:
    """A recognition zone as the guide writes it (rect in 8K logical coordinates); `entry` is tsnvr's own
    and stays out."""
    return {
        "id": zone.id,
        "chid": zone.chid,
        "rect": list(zone.rect),
        "mode": zone.mode,
        "disabledOnly": zone.disabled_only,
        "noParkingAllowed": zone.no_parking_allowed,
    }


def lpr_src_item(device: LprDevice) -> dict[str, Any]:
    """An external reader, or a zone of the built-in reader (with "zone"), keys in the guide's order."""
    item: dict[str, Any] = {
        "id": device.id,
        "code": device.code,
        "name": device.display_name,
        "linkedChannel": list(device.linked_channels),
        "tag": device.tag,
    }
    if device.zone is not None:
        item["zone"] = zone_item(device.zone)
    lots = parking_lot_ref(device.parking_entrance, device.parking_exit)
    if lots:
        item["parkingLot"] = lots
    return item


def lpr_src_list(services: Services) -> list[dict[str, Any]]:
    return [lpr_src_item(d) for d in sorted(services.settings.lpr_device, key=lambda d: d.id)]


def emergency_call_item(device: EmergencyCallDevice) -> dict[str, Any]:
    return {
        "id": device.id,
        "code": device.code,
        "name": device.name or device.code,
        "linkedChannel": list(device.linked_channels),
    }


def emergency_call_list(services: Services) -> list[dict[str, Any]]:
    return [emergency_call_item(d) for d in sorted(services.settings.emergency_call, key=lambda d: d.id)]


def parking_lot_item(lot: ParkingLot, lots: list[ParkingLot], counts: Mapping[int, int]) -> dict[str, Any]:
    """One lot as TS-API writes it; a group adds up the counts and capacities of its counter members."""
    if lot.type != "group":
        return {"id": lot.id, "name": lot.name, "type": "counter", "count": counts.get(lot.id, 0),
                "maxCount": lot.max_count}
    counters = counter_lots(lots)
    members = [m for m in lot.members if m in counters]
    return {
        "id": lot.id,
        "name": lot.name,
        "type": "group",
        "count": sum(counts.get(m, 0) for m in members),
        "maxCount": sum(counters[m].max_count for m in members),
        "member": list(lot.members),
    }


def parking_lot_items(
    lots: list[ParkingLot], counts: Mapping[int, int], ids: Collection[int] | None = None
) -> list[dict[str, Any]]:
    """Every lot (or those in `ids`), ordered by id."""
    chosen = sorted((lot for lot in lots if ids is None or lot.id in ids), key=lambda lot: lot.id)
    return [parking_lot_item(lot, lots, counts) for lot in chosen]


def parking_lot_enum(services: Services) -> dict[str, list[dict[str, Any]]]:
    items = parking_lot_items(services.settings.parking_lot, parking.counts(services.db))
    return {
        "counter": [item for item in items if item["type"] == "counter"],
        "group": [item for item in items if item["type"] == "group"],
    }
