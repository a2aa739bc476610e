"""How a key's type and range read, for error messages and for the docs/settings.md tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic.fields import FieldInfo

from storage.settings.values import Kind


def kind(field: FieldInfo) -> Kind | None:
    return next((m for m in field.metadata if isinstance(m, Kind)), None)


def limits(metadata: list[Any]) -> dict[str, Any]:
    """The declared bounds: {"gt": 0}, {"ge": 0, "le": 1}..."""
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, Gt | Ge | Lt | Le):
            name = type(m).__name__.lower()
            out[name] = getattr(m, name)
    return out


def item(field: FieldInfo) -> tuple[Kind | None, dict[str, Any]]:
    """The kind and bounds of one element of a list key ((None, {}) for other keys)."""
    if get_origin(field.annotation) is not list:
        return None, {}
    (element,) = get_args(field.annotation)
    if get_origin(element) is not Annotated:
        return None, {}
    metadata = list(get_args(element)[1:])
    return next((m for m in metadata if isinstance(m, Kind)), None), limits(metadata)


def choices(field: FieldInfo) -> tuple[Any, ...]:
    """The values of a Literal key, else ()."""
    return get_args(field.annotation) if get_origin(field.annotation) is Literal else ()


def number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def span(bounds: dict[str, Any]) -> str:
    """{"ge": 0, "le": 1} -> "between 0 and 1"; {"gt": 0} -> "above 0"; "" without bounds."""
    low = number(bounds["ge"]) if "ge" in bounds else None
    high = number(bounds["le"]) if "le" in bounds else None
    if low is not None and high is not None:
        return f"between {low} and {high}"
    parts = []
    if "gt" in bounds:
        parts.append(f"above {number(bounds['gt'])}")
    if low is not None:
        parts.append(f"{low} or more")
    if "lt" in bounds:
        parts.append(f"below {number(bounds['lt'])}")
    if high is not None:
        parts.append(f"at most {high}")
    return " and ".join(parts)


def outlier(noun: str, bounds: dict[str, Any]) -> str:
    """What is wrong with a list that holds an element out of `bounds`: "has a channel number below 1"."""
    if "ge" in bounds:
        return f"has a {noun} below {number(bounds['ge'])}"
    if "gt" in bounds:
        return f"has a {noun} that is not above {number(bounds['gt'])}"
    return f"has a {noun} that is not {span(bounds)}"


def either(values: tuple[Any, ...], quote: str = "") -> str:
    """("frame", "vehicles") -> "frame or vehicles"."""
    shown = [f"{quote}{v}{quote}" for v in values]
    return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else "".join(shown)
