"""Subtitle files showing the recording's wall-clock time, one cue per second (WebVTT, SubRip, SAMI).

The first cue runs from the clip's time 0 to the next whole second of wall-clock time, then one cue per
second, the last ending with the clip. Each cue reads the local date and time of its second, with the UTC
offset, so that an hour repeated when summer time ends is not ambiguous; babel writes it as the
language's medium date and time (month names or year-first order: no day/month confusion).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel import Locale, dates

# the languages of the guide's export page (ex4); any other falls back to the first
LANGUAGES = ("en-US", "ko-KR", "es-ES", "zh-CN", "zh-TW")


class SubtitleFormat(StrEnum):
    VTT = "VTT"
    SRT = "SRT"
    SMI = "SMI"

    @property
    def suffix(self) -> str:
        return "." + self.value.lower()


class Cue(NamedTuple):
    start: int   # ms from the clip's time 0
    end: int
    second: int  # wall-clock time (epoch ms, a whole second) shown


def subtitle_language(lang: str | None) -> str:
    """The language of LANGUAGES that `lang` names (en-US, en_us...), else en-US."""
    tag = (lang or "").replace("_", "-").lower()
    return next((known for known in LANGUAGES if known.lower() == tag), LANGUAGES[0])


def cues(begin_ms: int, end_ms: int) -> Iterator[Cue]:
    """One cue per wall-clock second of [begin_ms, end_ms); none when the range is empty."""
    second = begin_ms - begin_ms % 1000
    while (start := max(second, begin_ms)) < end_ms:
        following = second + 1000
        yield Cue(start - begin_ms, min(following, end_ms) - begin_ms, second)
        second = following


def write_subtitles(path: Path, fmt: SubtitleFormat, begin_ms: int, end_ms: int, tz: ZoneInfo, lang: str) -> Path:
    """Write the subtitles for a clip whose first frame is at wall-clock begin_ms (the file's time 0) and
    whose last frame ends at end_ms: the local date and time of each second, written for `lang`
    (LANGUAGES; others fall back to en-US). The file is `path` itself, UTF-8; returns it."""
    language = subtitle_language(lang)
    label = _Label(tz, language)
    timed = ((cue, label(cue.second)) for cue in cues(begin_ms, end_ms))
    writer = {SubtitleFormat.VTT: _vtt, SubtitleFormat.SRT: _srt, SubtitleFormat.SMI: _smi}[fmt]
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.writelines(writer(timed, language, path.stem))
    return path


class _Label:
    """The text of a second: the locale's medium date and time pattern, the time with seconds, plus
    the UTC offset (xxx: -05:00)."""

    def __init__(self, tz: ZoneInfo, language: str) -> None:
        self.tz = tz
        self.locale = Locale.parse(language, sep="-")
        time_pattern = dates.get_time_format("medium", locale=self.locale).pattern
        date_pattern = dates.get_date_format("medium", locale=self.locale).pattern
        joined = dates.get_datetime_format("medium", locale=self.locale)
        self.pattern = str(joined).format(time_pattern + " xxx", date_pattern)

    def __call__(self, epoch_ms: int) -> str:
        moment = datetime.fromtimestamp(epoch_ms // 1000, self.tz)
        text = dates.format_datetime(moment, self.pattern, tzinfo=self.tz, locale=self.locale)
        # CLDR puts U+202F before AM/PM: a glyph that subtitle fonts of older players lack
        return text.replace("\u202f", " ")


def _clock(ms: int, decimal: str) -> str:
    seconds, milli = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal}{milli:03d}"


def _vtt(timed: Iterable[tuple[Cue, str]], language: str, title: str) -> Iterator[str]:
    yield "WEBVTT\n"
    for cue, text in timed:
        yield f"\n{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n{text}\n"


def _srt(timed: Iterable[tuple[Cue, str]], language: str, title: str) -> Iterator[str]:
    for number, (cue, text) in enumerate(timed, 1):
        yield f"{number}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n{text}\n\n"


def _smi(timed: Iterable[tuple[Cue, str]], language: str, title: str) -> Iterator[str]:
    """SAMI: a cue lasts until the next SYNC, so the last one is followed by a blank at the clip's end."""
    css_class = language.replace("-", "").upper() + "CC"
    name = Locale.parse(language, sep="-").get_display_name("en")
    yield ("<SAMI>\n<HEAD>\n"
           f"<TITLE>{html.escape(title)}</TITLE>\n"
           '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=utf-8">\n'
           '<STYLE TYPE="text/css">\n<!--\n'
           "P { margin-left: 8pt; margin-right: 8pt; margin-bottom: 2pt; margin-top: 2pt;"
           " text-align: center; font-family: sans-serif; font-size: 14pt; color: white; }\n"
           f".{css_class} {{ Name: {name}; lang: {language}; SAMIType: CC; }}\n"
           "-->\n</STYLE>\n</HEAD>\n<BODY>\n")
    end = None
    for cue, text in timed:
        yield f"<SYNC Start={cue.start}><P Class={css_class}>{html.escape(text)}</P></SYNC>\n"
        end = cue.end
    if end is not None:
        yield f"<SYNC Start={end}><P Class={css_class}>&nbsp;</P></SYNC>\n"
    yield "</BODY>\n</SAMI>\n"
