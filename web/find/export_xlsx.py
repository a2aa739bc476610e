"""Plate-log rows written into .xlsx files (openpyxl write-only mode), a new numbered file every
`rows_per_file` rows: a header row, real date-times, image links as hyperlinks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage import exports
from storage.models import PlateRead
from storage.settings import Settings
from web.core import i18n
from web.core.timefmt import to_datetime
from web.find.plate_json import image_urls, linked_channels, score_of, source_name

SUFFIX = ".xlsx"
SHEET_TITLE = "carNo"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss.000"
COLUMNS = ("id", "plateNo", "score", "timeBegin", "timeEnd", "srcCode", "srcName", "direction", "channels", "image")
COLUMN_WIDTHS = {"B": 14, "D": 24, "E": 24, "F": 12, "G": 20, "I": 14, "J": 60}

Cells = Callable[[WriteOnlyWorksheet, PlateRead], list[Any]]


def header(lang: str) -> list[str]:
    return [i18n.text(lang, f"export.carNo.{column}") for column in COLUMNS]


def local_naive(ms: int, tz: ZoneInfo) -> datetime:
    """Excel has no time zones: the server's wall-clock time."""
    return to_datetime(ms, tz).replace(tzinfo=None)


def plate_cells(base: str, tz: ZoneInfo, settings: Settings) -> Cells:
    def cells(sheet: WriteOnlyWorksheet, row: PlateRead) -> list[Any]:
        begin = WriteOnlyCell(sheet, value=local_naive(row.begin_ms, tz))
        begin.number_format = DATETIME_FORMAT
        end = WriteOnlyCell(sheet, value=local_naive(row.end_ms, tz))
        end.number_format = DATETIME_FORMAT
        out: list[Any] = [row.id, row.plate_no, score_of(row), begin, end, row.src_code,
                          source_name(row, settings), row.direction,
                          ",".join(str(c) for c in linked_channels(row)) or None]
        for url in image_urls(row, base):
            link = WriteOnlyCell(sheet, value=url)
            link.hyperlink = url
            link.style = "Hyperlink"
            out.append(link)
        return out

    return cells


class PlateWorkbooks:
    """Numbered files stem.xlsx, stem(2).xlsx, ... in `directory`; call add() per row, then close()."""

    def __init__(self, directory: Path, stem: str, rows_per_file: int, header_row: list[str], cells: Cells) -> None:
        self.directory = directory
        self.stem = stem
        self.rows_per_file = max(1, rows_per_file)
        self.header_row = header_row
        self.cells = cells
        self.paths: list[Path] = []
        self.rows = 0
        self._next_number = 1
        self._target: Path | None = None
        self._book: Workbook | None = None
        self._sheet: WriteOnlyWorksheet | None = None
        self._in_file = 0

    def _open(self) -> None:
        self._target, number = exports.reserve(self.directory, self.stem, SUFFIX, self._next_number)
        self._next_number = number + 1
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(SHEET_TITLE)
        for column, width in COLUMN_WIDTHS.items():
            # a write-only sheet takes column widths before its first row; the stubs leave the attribute out
            self._sheet.column_dimensions[column].width = width  # type: ignore[union-attr]
        self._sheet.append(self.header_row)
        self._in_file = 0

    def _finish(self) -> None:
        if self._book is None or self._target is None:
            return
        with exports.writing(self._target) as partial:
            self._book.save(partial)
        self.paths.append(self._target)
        self._book = self._sheet = self._target = None

    def add(self, row: PlateRead) -> None:
        if self._book is None or self._in_file >= self.rows_per_file:
            self._finish()
            self._open()
        assert self._sheet is not None
        self._sheet.append(self.cells(self._sheet, row))
        self._in_file += 1
        self.rows += 1

    def close(self) -> list[Path]:
        """Write the last file (a header-only one when there were no rows); the files written."""
        if self._book is None and not self.paths:
            self._open()
        self._finish()
        return self.paths

    def abort(self) -> None:
        """Remove every file this export reserved or wrote."""
        for path in [*self.paths, *([self._target] if self._target else [])]:
            path.unlink(missing_ok=True)
        self.paths, self._book, self._sheet, self._target = [], None, None, None
