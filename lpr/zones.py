"""Recognition zones as the LPR worker sees them: which channels to analyse, and plain geometry.

A zone is an [[lpr_device]] of settings.toml with a `zone` table (storage.settings.LprZone). Its
rectangle is in the guide's 8K logical coordinates (7680x4320) whatever the video's size; the worker
works in frame pixels, so every method here takes the frame's width and height.

Pure Python: no OpenCV, no numpy, nothing from web/recorder/tsnvr.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.settings import LOGICAL_HEIGHT, LOGICAL_WIDTH, LprDevice, Settings

MIN_MOVEMENT = 0.03  # a net movement under this share of the frame (along the entry axis) has no direction
NOT_USED = "NotUsed"

# entry direction -> (axis: 0 = x, 1 = y, sign of the movement that enters)
_ENTRY_AXES = {"right": (0, 1), "left": (0, -1), "down": (1, 1), "up": (1, -1)}

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Zone:
    """One analysed zone: everything the worker needs, from its [[lpr_device]] row."""

    device_id: int
    code: str
    name: str  # display name: the device's name, else its code
    chid: int
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 in 8K logical coordinates
    mode: str  # "driving" or "parking"
    entry: str | None  # "up", "down", "left", "right": the way a car moves when it enters; None: no direction
    linked: tuple[int, ...]  # linked channels
    parking_entrance: int | None
    parking_exit: int | None
    zone_id: int = 0
    tag: str = "Normal"
    disabled_only: bool = False
    no_parking_allowed: bool = False

    @classmethod
    def from_device(cls, device: LprDevice) -> Zone:
        zone = device.zone
        if zone is None:
            raise ValueError(f"LPR device {device.id} has no zone")
        x0, y0, x1, y1 = zone.rect  # a list when read from settings.toml
        return cls(device_id=device.id, code=device.code, name=device.display_name, chid=zone.chid,
                   rect=(x0, y0, x1, y1), mode=zone.mode, entry=zone.entry, linked=tuple(device.linked_channels),
                   parking_entrance=device.parking_entrance, parking_exit=device.parking_exit, zone_id=zone.id,
                   tag=device.tag, disabled_only=zone.disabled_only, no_parking_allowed=zone.no_parking_allowed)

    def pixel_rect(self, width: int, height: int) -> Rect:
        """The zone in pixels of a width x height frame: (x0, y0, x1, y1), floats."""
        return to_pixels(self.rect, width, height)

    def contains(self, x: float, y: float, width: int, height: int) -> bool:
        """Whether the point (x, y), in pixels of a width x height frame, is inside the zone (edges included)."""
        x0, y0, x1, y1 = self.pixel_rect(width, height)
        return x0 <= x <= x1 and y0 <= y <= y1

    def direction(self, path: Sequence[tuple[float, float]], width: int, height: int) -> str | None:
        """"entry" or "exit" from the net movement of `path` (plate centres in frame pixels, oldest first)
        along the entry axis; None when the zone has no entry direction, the path has fewer than two points,
        or the movement is under MIN_MOVEMENT of the frame's width (left/right) or height (up/down).

        The net movement is taken between the mean of the first and of the last few points (up to 3, at most a
        third of the path each), so one jittery detection at either end does not decide it."""
        if self.entry is None or len(path) < 2:
            return None
        axis, sign = _ENTRY_AXES[self.entry]
        k = max(1, min(3, len(path) // 3))
        start = sum(p[axis] for p in path[:k]) / k
        end = sum(p[axis] for p in path[-k:]) / k
        moved = (end - start) * sign
        if abs(moved) < MIN_MOVEMENT * (width if axis == 0 else height):
            return None
        return "entry" if moved > 0 else "exit"


def zones_of(settings: Settings) -> list[Zone]:
    """Every zone in use: [[lpr_device]] rows with a zone whose tag is not "NotUsed", ordered by device id."""
    devices = sorted(settings.lpr_device, key=lambda d: d.id)
    return [Zone.from_device(d) for d in devices if d.zone is not None and d.tag != NOT_USED]


def zones_for_channel(settings: Settings, chid: int) -> list[Zone]:
    """The zones in use on channel `chid`, ordered by device id."""
    return [z for z in zones_of(settings) if z.chid == chid]


def analysed_channels(settings: Settings) -> list[int]:
    """Channels the worker analyses: those with a zone in use, and `lpr_channels`; [] when `lpr_enabled` is off."""
    if not settings.lpr_enabled:
        return []
    chids = {z.chid for z in zones_of(settings)} | set(settings.lpr_channels)
    return sorted(chids)


def to_pixels(rect: Sequence[float], width: int, height: int) -> Rect:
    """An (x0, y0, x1, y1) rectangle in 8K logical coordinates -> pixels of a width x height frame."""
    _check_size(width, height)
    sx, sy = width / LOGICAL_WIDTH, height / LOGICAL_HEIGHT
    x0, y0, x1, y1 = rect
    return (x0 * sx, y0 * sy, x1 * sx, y1 * sy)


def to_logical(rect: Sequence[float], width: int, height: int) -> tuple[int, int, int, int]:
    """An (x0, y0, x1, y1) rectangle in pixels of a width x height frame -> 8K logical coordinates, rounded to
    whole numbers and clamped to the frame. The guide's example: 1920x1080, (480, 270, 1440, 810) ->
    (1920, 1080, 5760, 3240)."""
    _check_size(width, height)
    sx, sy = LOGICAL_WIDTH / width, LOGICAL_HEIGHT / height
    x0, y0, x1, y1 = rect

    def clamp(value: float, top: int) -> int:
        return min(max(round(value), 0), top)

    return (clamp(x0 * sx, LOGICAL_WIDTH), clamp(y0 * sy, LOGICAL_HEIGHT),
            clamp(x1 * sx, LOGICAL_WIDTH), clamp(y1 * sy, LOGICAL_HEIGHT))


def xywh_to_xyxy(box: Sequence[float]) -> Rect:
    """(x, y, w, h), as the engine gives boxes -> (x0, y0, x1, y1)."""
    x, y, w, h = box
    return (x, y, x + w, y + h)


def centre(box_xywh: Sequence[float]) -> tuple[float, float]:
    """The centre of an (x, y, w, h) box: the point the worker tracks and tests with Zone.contains."""
    x, y, w, h = box_xywh
    return (x + w / 2, y + h / 2)


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size {width}x{height}: both must be above 0")
