"""settings.toml on disk: its values (tomllib), and edits that keep the user's comments and layout (tomlkit)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, Table
from tomlkit.toml_document import TOMLDocument

from storage.settings.errors import SettingsError


def read_file(path: Path) -> dict[str, Any]:
    """The values of a settings file ({} when there is none)."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from None


def read_document(path: Path) -> TOMLDocument:
    """A settings file to edit, comments and layout included (an empty one when there is none)."""
    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except (tomlkit.exceptions.TOMLKitError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from None


def write_file(path: Path, content: Mapping[str, Any]) -> None:
    """Replace the file at once (no half-written file for a server to read); a TOMLDocument keeps its layout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomlkit.dumps(content), encoding="utf-8")
    os.replace(tmp, path)


def _new_table(row: Mapping[str, Any]) -> Table:
    table = tomlkit.table()
    for key, value in row.items():
        if isinstance(value, Mapping):  # a zone: inline, as docs/settings.md writes it
            inline = tomlkit.inline_table()
            inline.update(value)
            value = inline
        table.add(key, value)
    return table


def add_row(document: TOMLDocument, table: str, row: Mapping[str, Any]) -> None:
    """Add `row` to the array of tables `table`, before the first row with a greater id; every other row and
    comment stays as it was."""
    rows = document.get(table)
    if not isinstance(rows, AoT | Array) or not rows:
        if table in document:
            del document[table]
        rows = tomlkit.aot()
        rows.append(_new_table(row))
        document.append(table, rows)
        return
    at = next((i for i, old in enumerate(rows) if _id(old) > row["id"]), len(rows))
    if isinstance(rows, Array):  # rows written inline: `table = [{...}, ...]`
        inline = tomlkit.inline_table()
        inline.update(row)
        rows.insert(at, inline)
        return
    new = _new_table(row)
    if at > 0 and not rows[at - 1].as_string().endswith("\n\n"):
        new.trivia.indent = "\n"  # a blank line before its header
    if at < len(rows):
        new.add(tomlkit.nl())  # and after it, before the next row's
    rows.insert(at, new)


def remove_row(document: TOMLDocument, table: str, row_id: int) -> None:
    """Remove the row whose id is `row_id`; the key stays (`table = []`) when it was the last."""
    rows = document.get(table)
    if not isinstance(rows, AoT | Array):
        return
    at = next((i for i, old in enumerate(rows) if _id(old) == row_id), None)
    if at is not None:
        del rows[at]
    if not rows:
        del document[table]
        document[table] = tomlkit.array()


def _id(row: Any) -> Any:
    return row.get("id") if isinstance(row, Mapping) else None
