"""What a settings key may hold (its value types), and `setting()`, which declares one key.

The types parse what a TOML file or a TSNVR_* variable gives: booleans as true/false, 1/0, yes/no or on/off
(and nothing else), numbers from text, lists from comma-separated text. Each carries a `Kind`: its name in
error messages and in docs/settings.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from annotated_types import Ge, Gt
from pydantic import AllowInfNan, BeforeValidator, Field
from pydantic_settings import NoDecode

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
LIST_HINT = "comma-separated in a variable"


@dataclass(frozen=True)
class Kind:
    """A value type as people read it: "whole number", "list of numbers"; `hint` tells how to write it."""

    name: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.hint})" if self.hint else self.name


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{value!r} is not one of {', '.join(TRUE + FALSE)}")


def _not_bool(value: Any) -> Any:
    """true is not the number 1 in a settings file."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    return value


def _comma_list(value: Any) -> Any:
    """"3, 4" -> ["3", "4"] (a variable, or text in the file); a list stays as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


Flag = Annotated[bool, BeforeValidator(_flag), Kind("boolean", "true/false")]
Whole = Annotated[int, BeforeValidator(_not_bool), Kind("whole number")]
Number = Annotated[float, BeforeValidator(_not_bool), AllowInfNan(False), Kind("number")]
Text = Annotated[str, Kind("text")]
ChannelNumber = Annotated[int, BeforeValidator(_not_bool), Ge(1), Kind("channel number")]
Factor = Annotated[float, BeforeValidator(_not_bool), AllowInfNan(False), Gt(0), Kind("factor")]

# NoDecode: pydantic-settings hands the variable's text to _comma_list instead of parsing it as JSON
Texts = Annotated[list[str], NoDecode, BeforeValidator(_comma_list), Kind("list of text", LIST_HINT)]
Channels = Annotated[list[ChannelNumber], NoDecode, BeforeValidator(_comma_list),
                     Kind("list of whole numbers", LIST_HINT)]
Factors = Annotated[list[Factor], NoDecode, BeforeValidator(_comma_list), Kind("list of numbers", LIST_HINT)]


def setting(default: Any, doc: str, *, live: bool, **limits: Any) -> Any:
    """Declare a key: its default, what it means (the docs/settings.md table), whether a running server
    applies a change (`live`) or needs a restart, and its range (pydantic's gt, ge, le)."""
    return Field(default, description=doc, json_schema_extra={"live": live}, **limits)


def is_live(field: Any) -> bool:
    """Whether a running server applies a change to the key declared by `field` (a pydantic FieldInfo)."""
    extra = field.json_schema_extra
    return bool(isinstance(extra, dict) and extra.get("live"))


def is_key(field: Any) -> bool:
    """Whether `field` was declared with setting(), i.e. is a key of settings.toml (data_dir is not)."""
    extra = field.json_schema_extra
    return isinstance(extra, dict) and "live" in extra
