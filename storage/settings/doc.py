"""docs/settings.md's tables of keys, made from the schema: `python -m storage.settings.doc [FILE]` rewrites
them in place; tests/test_settings.py fails when the file and the schema differ."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from pydantic.fields import FieldInfo

from storage.settings import wording
from storage.settings.schema import VARIABLE_KEYS, Settings
from storage.settings.values import is_live

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
TABLE = re.compile(r"(<!-- keys: (\w+) .*?-->\n)(.*?)(<!-- end of keys -->)", re.S)
HEADER = "| Key | Type | Default | Applied | Meaning |\n|---|---|---|---|---|\n"


def group(key: str) -> str:
    """Which table a key is listed in: "lpr" (lpr_*) or "server" (the rest)."""
    return "lpr" if key.startswith("lpr_") else "server"


def value_type(field: FieldInfo) -> str:
    """"number above 0", "`frame` or `vehicles`", "list of whole numbers, each 1 or more"..."""
    if choices := wording.choices(field):
        return wording.either(choices, quote="`")
    kind = wording.kind(field)
    text = kind.name if kind else "text"
    if bounds := wording.span(wording.limits(field.metadata)):
        text += " " + bounds
    _noun, item_bounds = wording.item(field)
    if item_bounds:
        text += f", each {wording.span(item_bounds)}"
    return text


def row(key: str) -> str:
    field = Settings.model_fields[key]
    applied = "live" if is_live(field) else "restart"
    default = json.dumps(field.default, ensure_ascii=False)
    return f"| `{key}` | {value_type(field)} | `{default}` | {applied} | {field.description} |\n"


def table(name: str) -> str:
    return HEADER + "".join(row(key) for key in VARIABLE_KEYS if group(key) == name)


def updated(text: str) -> str:
    """`text` (docs/settings.md) with each table between its markers made again from the schema."""
    return TABLE.sub(lambda m: m.group(1) + table(m.group(2)) + m.group(4), text)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DOC
    text = path.read_text(encoding="utf-8")
    if updated(text) != text:
        path.write_text(updated(text), encoding="utf-8")
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
