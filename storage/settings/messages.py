"""pydantic's validation errors -> a SettingsError that names the setting (or its TSNVR_* variable)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from storage.settings import wording
from storage.settings.errors import SettingsError

ENV_PREFIX = "TSNVR_"
RULE = "settings_rule"  # errors raised by a key's own check; their message follows the value
OUT_OF_RANGE = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def variable(key: str) -> str:
    return ENV_PREFIX + key.upper()


def explain(exc: ValidationError, fields: Mapping[str, FieldInfo], given: Mapping[str, Any],
            from_variables: Collection[str] = ()) -> SettingsError:
    """The first error of `exc`, about one of `fields` (by key), whose values were `given` (those in
    `from_variables` by a TSNVR_* variable, which the message then names)."""
    error = exc.errors(include_url=False)[0]
    if not error["loc"] or str(error["loc"][0]) not in fields:
        return SettingsError(f"settings: {error['msg']}")
    key = str(error["loc"][0])
    name = variable(key) if key in from_variables else key
    return SettingsError(f"setting {name!r}: {_problem(error, fields[key], given.get(key, error['input']))}")


def _problem(error: Any, field: FieldInfo, value: Any) -> str:
    kind = error["type"]
    if kind == RULE:
        return f"{value!r} {error['msg']}"
    if kind in OUT_OF_RANGE and len(error["loc"]) > 1:  # an element of a list
        noun, bounds = wording.item(field)
        return f"{value!r} {wording.outlier(noun.name if noun else 'value', bounds)}"
    if kind in OUT_OF_RANGE:
        return f"{_as_declared(field, error['input'])!r} must be {wording.span(wording.limits(field.metadata))}"
    if kind == "literal_error":
        return f"{value!r} is not {wording.either(wording.choices(field))}"
    return f"{value!r} is not a valid {wording.kind(field) or 'value'}"


def _as_declared(field: FieldInfo, value: Any) -> Any:
    """The value as the key holds it (0 -> 0.0 for a number), as the message shows it."""
    try:
        return float(value) if field.annotation is float else value
    except (TypeError, ValueError):
        return value
