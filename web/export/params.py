"""The parameters of /wsapi/dataExport (the guide's "Exporting recorded video"), read into the export
task's ExportRequest. Anything wrong is an InvalidParameter, which the socket answers with stage:ready
status -2 and the message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from recorder.export.audit import Audit
from recorder.export.subtitles import LANGUAGES, SubtitleFormat
from recorder.export.task import ExportRequest
from storage.channel_store import all_chids
from web.core import i18n
from web.core.auth import client_address
from web.core.base64_text import decode_base64_text
from web.core.context import Services
from web.core.errors import ApiError
from web.core.numbers import INT64_MAX
from web.core.params import Query
from web.core.timefmt import EARLIEST_MS, LATEST_MS, TimeFormatError, parse

SIZE_UNITS = {"": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}  # binary: 500MB = 524288000
_SIZE = re.compile(r"^([0-9]{1,19}(?:\.[0-9]{1,9})?) ?([kmg]?b)?$", re.IGNORECASE)
_INTERVAL = re.compile(r"^([0-9]{1,9}(?:\.[0-9]{1,9})?) ?(s|ms)?$", re.IGNORECASE)
MIN_MEDIA_SIZE = 64 << 10      # 64 KB: less would not hold one keyframe of a camera's video
NOTE_MAX_CHARS = 4096          # submitter, recipient, purpose


class InvalidParameter(ValueError):
    """A parameter the guide's -2 (invalid parameters) answers; the message says which and why."""


@dataclass(frozen=True)
class ExportParams:
    request: ExportRequest
    audit: Audit


def media_size(text: str) -> int:
    """1GB, 700MB, 500 MB, 1.5GB, 4096KB, 123456B or 123456 (bytes), case-insensitive, binary units."""
    m = _SIZE.fullmatch(text.strip())
    if not m:
        raise InvalidParameter(f"mediaSize {text!r}: a size such as 500MB, 1GB, 700KB or 1048576B")
    number, unit = m.groups()
    whole, _, fraction = number.partition(".")
    scale = SIZE_UNITS[(unit or "").lower()]
    size = int(whole) * scale + (int(fraction) * scale // 10 ** len(fraction) if fraction else 0)
    if size < MIN_MEDIA_SIZE:
        raise InvalidParameter(f"mediaSize {text!r}: at least 64KB")
    if size > INT64_MAX:
        raise InvalidParameter(f"mediaSize {text!r}: too large")
    return size


def status_interval(text: str) -> float:
    """1s, 500ms, 2 (seconds), 0.5s: seconds, more than 0."""
    m = _INTERVAL.fullmatch(text.strip())
    if not m:
        raise InvalidParameter(f"statusInterval {text!r}: an interval such as 1s or 500ms")
    number, unit = m.groups()
    seconds = float(number) / (1000 if (unit or "s").lower() == "ms" else 1)
    if seconds <= 0:
        raise InvalidParameter(f"statusInterval {text!r}: more than 0")
    return seconds


def subtitle_format(text: str | None) -> SubtitleFormat | None:
    if text is None or text.strip() == "" or text.strip().lower() == "none":
        return None
    for fmt in SubtitleFormat:
        if fmt.value.lower() == text.strip().lower():
            return fmt
    raise InvalidParameter(f"subtitleFormat {text!r}: one of VTT, SRT, SMI, None")


def password(text: str) -> str:
    """base64 of the password (URL-encoded or not: a raw '+' arrives as a space)."""
    try:
        value = decode_base64_text(text)
    except ValueError:
        raise InvalidParameter("password must be the password in base64") from None
    if not value:
        raise InvalidParameter("password must not be empty")
    if "\x00" in value:
        raise InvalidParameter("password must not contain U+0000")
    return value


def time_param(query: Query, name: str, services: Services) -> int:
    """An ISO 8601 time of the guide's appendix; without an offset, the server's local time. The
    guide's examples end it with %0D%0A, which is read as blank."""
    value = query.params.get(name)
    if value is None or value.strip() == "":
        raise InvalidParameter(f"{name} is required (ISO 8601, e.g. 2018-07-27T09:00:00)")
    try:
        ms = parse(value, services.tz).ms
    except TimeFormatError as exc:
        raise InvalidParameter(f"{name}: {exc}") from None
    if not EARLIEST_MS <= ms < LATEST_MS:
        raise InvalidParameter(f"{name}: out of range")
    return ms


def channels(query: Query, services: Services) -> tuple[int, ...]:
    existing = all_chids(services.db)
    asked = query.int_list("ch")
    if asked is None:
        return tuple(existing)  # none at all: ready answers -1, no data
    if not asked:
        raise InvalidParameter("ch lists no channel")
    unknown = [c for c in asked if c not in existing]
    if unknown:
        raise InvalidParameter(f"ch: no channel {unknown[0]}")
    return tuple(asked)


def language(lang: str | None, default: str) -> str:
    """The export's language: one the subtitles are written in (the guide's ex4 page offers zh-CN and
    zh-TW, which have no message catalogue: their stage messages come in English), else the catalogue
    web/core/i18n picks for `lang`."""
    tag = (lang or "").replace("_", "-").lower()
    return next((known for known in LANGUAGES if known.lower() == tag), None) or i18n.resolve(lang, default)


def note(query: Query, name: str) -> str:
    return query.text(name, "", max_length=NOTE_MAX_CHARS) or ""


def read_params(conn: HTTPConnection, services: Services, uid: str) -> ExportParams:
    """Every parameter of the guide (blocking: reads the channel list). InvalidParameter on any
    wrong one."""
    query = Query(conn)  # type: ignore[arg-type]  # Query reads only .query_params
    settings = services.settings
    try:
        begin_ms = time_param(query, "timeBegin", services)
        end_ms = time_param(query, "timeEnd", services)
        if end_ms <= begin_ms:
            raise InvalidParameter("timeEnd must be later than timeBegin")
        size_text = query.text("mediaSize")
        interval_text = query.text("statusInterval")
        secret = query.params.get("password")
        request = ExportRequest(
            chids=channels(query, services),
            begin_ms=begin_ms,
            end_ms=end_ms,
            max_file_bytes=media_size(size_text) if size_text else settings.export_max_file_bytes,
            subtitle_format=subtitle_format(query.text("subtitleFormat")),
            language=language(query.text("lang"), settings.language),
            md5=query.flag("md5"),
            password=password(secret) if secret is not None else None,
            status_interval_s=status_interval(interval_text) if interval_text else None,
        )
        audit = Audit(uid=uid, address=client_address(conn), submitter=note(query, "submitter"),
                      recipient=note(query, "recipient"), purpose=note(query, "purpose"))
    except ApiError as exc:  # web.core.params' own checks (numbers, lengths, U+0000)
        raise InvalidParameter(exc.message) from None
    return ExportParams(request, audit)
