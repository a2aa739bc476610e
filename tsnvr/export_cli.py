"""`tsnvr export`: recorded video of a time range into a directory, by the same export task as
/wsapi/dataExport: the same files, names, subtitles, size limit, md5 sums, encrypted ZIPs and event-log
row. This module only reads the arguments, with /wsapi/dataExport's own readers where the guide names
the parameter; tsnvr/export_run.py does the export. Every `tsnvr` command loads this module, so it
imports the recorder and the web layer only when an export's arguments are read (tests/test_cli.py)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tsnvr.cli_common import common, positive_int

if TYPE_CHECKING:
    from recorder.export.subtitles import SubtitleFormat

LANGUAGES_HELP = "en-US, ko-KR, es-ES, zh-CN, zh-TW"  # recorder.export.subtitles.LANGUAGES (a test compares)
EXIT_HELP = ("Exit status: 0 done, 1 no recorded video in the range, 2 bad arguments, 3 not enough space, "
             "130 interrupted.")  # tsnvr/export_run.py's statuses


def media_size(text: str) -> int:
    """The guide's mediaSize, read as /wsapi/dataExport reads it: 700MB, 1GB, 1.5GB, 4096KB (binary units)."""
    from web.export import params

    try:
        return params.media_size(text)
    except params.InvalidParameter as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def subtitle_format(text: str) -> SubtitleFormat | None:
    """VTT, SRT, SMI or None, as subtitleFormat (any letter case)."""
    from web.export import params

    try:
        return params.subtitle_format(text)
    except params.InvalidParameter as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def language(text: str) -> str:
    """One of the subtitle languages (the guide's ex4 page), as en-US or en_us."""
    from recorder.export.subtitles import LANGUAGES, subtitle_language

    tag = subtitle_language(text)
    if tag.lower() != text.replace("_", "-").lower():
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LANGUAGES)}")
    return tag


def channel_list(text: str) -> tuple[int, ...]:
    """1,2,3 (a channel named twice is exported once)."""
    return tuple(dict.fromkeys(positive_int(part) for part in text.split(",")))


def note(text: str) -> str:
    """--submitter, --recipient, --purpose: at most what /wsapi/dataExport takes."""
    from web.export import params

    if len(text) > params.NOTE_MAX_CHARS:
        raise argparse.ArgumentTypeError(f"at most {params.NOTE_MAX_CHARS} characters")
    return text


def cmd_export(args: argparse.Namespace) -> int:
    from tsnvr.export_run import export

    return export(args)


def add_commands(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser(
        "export", parents=[common], help="export recorded video of a time range into a directory",
        description="Recorded video of a time range as MP4 files (with subtitles, md5 sums, encrypted ZIPs), "
                    "made as /wsapi/dataExport makes them. " + EXIT_HELP)
    export.add_argument("--from", dest="time_begin", required=True, metavar="TIME",
                        help="start (the guide's timeBegin): 2018-07-27T09:00:00, with Z or ±hh:mm, else server time")
    export.add_argument("--to", dest="time_end", required=True, metavar="TIME", help="end (timeEnd)")
    export.add_argument("--ch", type=channel_list, metavar="1,2", help="channels (default: all)")
    export.add_argument("--out", default=".", metavar="DIR", help="directory for the files (default: the current one)")
    export.add_argument("--subtitles", type=subtitle_format, default=None, metavar="VTT|SRT|SMI|None",
                        help="subtitle file with the recording's date and time beside each video (default: None)")
    export.add_argument("--size", type=media_size, metavar="700MB",
                        help="largest video file (mediaSize: GB, MB, KB, B); default: setting export_max_file_bytes")
    export.add_argument("--md5", action="store_true", help="write NAME.md5 (md5sum -c checks it) beside each file")
    export.add_argument("--password", nargs="?", const="", metavar="PW",
                        help="each file in an AES-256 ZIP; --password alone: from $TSNVR_EXPORT_PASSWORD, "
                             "else a line of standard input, else a prompt")
    export.add_argument("--lang", type=language, metavar="LANG",
                        help=f"language of the subtitles: {LANGUAGES_HELP} (default: the language setting)")
    export.add_argument("--submitter", type=note, default="", help="who hands the video over (for the event log)")
    export.add_argument("--recipient", type=note, default="", help="who receives it (for the event log)")
    export.add_argument("--purpose", type=note, default="", help="why (for the event log; may hold several lines)")
    export.set_defaults(func=cmd_export)
