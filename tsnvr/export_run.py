"""What `tsnvr export` does once its arguments are read (tsnvr/export_cli.py): the export task of
/wsapi/dataExport (recorder/export/task.py) run to the end, each file it finishes moved into --out
before it makes the next. The task works in a hidden directory inside --out, so a move is a rename
and the task's space check is made on the disk the files end up on. Loaded only by the command
itself: the other commands load neither the recorder nor the web layer."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio

from recorder.export.audit import Audit
from recorder.export.stages import End, EndCode, ExportedFile, FileEnd, ReadyCode, Stage
from recorder.export.subtitles import SubtitleFormat, subtitle_language
from recorder.export.task import AfterFile, ExportRequest, ExportTask
from storage.channels import all_channels
from storage.db import Database
from storage.eventlog import EventLog
from storage.settings import Settings
from tsnvr.cli_common import load_settings
from tsnvr.database import open_database
from tsnvr.export_progress import Progress
from web.core.context import local_zone
from web.core.timefmt import EARLIEST_MS, LATEST_MS, TimeFormatError, parse

# exit statuses besides 0 (done); tsnvr/export_cli.py's help lists them
NO_DATA = 1
BAD_ARGUMENTS = 2  # argparse's own status; also a --size too small for one keyframe of the recording
NO_SPACE = 3       # not enough space, or the files could not be written into --out
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
STATUS_INTERVAL_S = 0.25
PASSWORD_ENV = "TSNVR_EXPORT_PASSWORD"
_VIDEO_SUFFIXES = (".mp4.zip", ".mp4")


class ArgumentProblem(Exception):
    """A value the parser could not check alone (it needs the data directory): exit status 2."""


# -- reading the arguments that need the data directory --------------------------------------------

def server_zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone) if settings.timezone else local_zone()


def time_arg(name: str, text: str, tz: ZoneInfo) -> int:
    try:
        ms = parse(text, tz).ms
    except TimeFormatError as exc:
        raise ArgumentProblem(f"{name}: {exc}") from None
    if not EARLIEST_MS <= ms < LATEST_MS:
        raise ArgumentProblem(f"{name}: {text!r} is outside the years 1900 to 8999")
    return ms


def channels_to_export(db: Database, asked: tuple[int, ...] | None) -> tuple[int, ...]:
    existing = [channel.chid for channel in all_channels(db)]
    if asked is None:
        return tuple(existing)
    unknown = [chid for chid in asked if chid not in existing]
    if unknown:
        raise ArgumentProblem(f"no channel {', '.join(map(str, unknown))} (tsnvr channel list shows them)")
    return asked


def password(args: argparse.Namespace) -> str | None:
    """--password PW; --password alone (or empty): $TSNVR_EXPORT_PASSWORD, else a line of standard
    input when it is not a terminal, else a prompt (asked twice)."""
    if args.password is None:
        return None
    if args.password:
        given: str = args.password
    elif os.environ.get(PASSWORD_ENV):
        given = os.environ[PASSWORD_ENV]
    elif not sys.stdin.isatty():
        given = sys.stdin.readline().rstrip("\r\n")
    else:
        given = getpass.getpass("password for the ZIP files: ")
        if given != getpass.getpass("again: "):
            raise ArgumentProblem("the passwords differ")
    if not given:
        raise ArgumentProblem("the password is empty")
    return given


def export_request(args: argparse.Namespace, db: Database, settings: Settings, tz: ZoneInfo) -> ExportRequest:
    begin_ms = time_arg("--from", args.time_begin, tz)
    end_ms = time_arg("--to", args.time_end, tz)
    if end_ms <= begin_ms:
        raise ArgumentProblem("--to must be later than --from")
    chids = channels_to_export(db, args.ch)
    if not chids:
        raise ArgumentProblem("there are no channels")
    return ExportRequest(
        chids=chids, begin_ms=begin_ms, end_ms=end_ms,
        max_file_bytes=args.size or settings.export_max_file_bytes,
        subtitle_format=args.subtitles, language=args.lang or subtitle_language(settings.language),
        md5=args.md5, password=password(args), status_interval_s=STATUS_INTERVAL_S)


# -- delivering the files ------------------------------------------------------------------------------

def split_name(name: str) -> tuple[str, str]:
    """CH1.2018-07-27T09.11.19.mp4.zip -> (CH1.2018-07-27T09.11.19, .mp4.zip): the stem holds dots."""
    for suffix in (*_VIDEO_SUFFIXES, *(f.suffix + end for f in SubtitleFormat for end in (".zip", ""))):
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def numbered(name: str, number: int) -> str:
    stem, suffix = split_name(name)
    return name if number == 1 else f"{stem}({number}){suffix}"


def targets(out: Path, files: tuple[ExportedFile, ...]) -> Iterator[tuple[ExportedFile, Path]]:
    """Where each file of a FileEnd goes in `out`: its own name, or NAME(2)... for the whole group
    (video, subtitles) when a file of that name is there already; nothing is overwritten."""
    number = 1
    while any((out / numbered(f.name, number)).exists() or (out / (numbered(f.name, number) + ".md5")).exists()
              for f in files):
        number += 1
    for f in files:
        yield f, out / numbered(f.name, number)


def deliver(file_end: FileEnd, out: Path, progress: Progress) -> None:
    for exported, target in targets(out, file_end.files):
        exported.path.replace(target)
        if exported.md5 is not None:
            line = f"{exported.md5}  {target.name}"
            (out / (target.name + ".md5")).write_text(line + "\n", encoding="utf-8")
            progress.delivered(f"{exported.md5}  {target}")
        else:
            progress.delivered(str(target))


# -- the run ---------------------------------------------------------------------------------------------

async def run_export(task: ExportTask, out: Path, show: Progress | None = None) -> int:
    """Prepare and run the task, each file moved into `out`; the exit status. SIGINT and SIGTERM cancel
    the task (it deletes its partial file and its work directory)."""
    async with anyio.create_task_group() as tasks:
        async def cancel_on_signal() -> None:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    task.cancel()
                    return

        tasks.start_soon(cancel_on_signal)
        status = await _prepared_and_run(task, out, show)
        tasks.cancel_scope.cancel()
    return status


async def _prepared_and_run(task: ExportTask, out: Path, show: Progress | None) -> int:
    ready = await task.prepare()
    if ready.code is ReadyCode.NO_DATA:
        print("tsnvr: no recorded video in that time range on those channels", file=sys.stderr)
        return NO_DATA
    if ready.code is not ReadyCode.SUCCESS:
        print(f"tsnvr: not enough space in {out}: {ready.detail}", file=sys.stderr)
        return NO_SPACE
    if task.cancelled:
        await task.discard()
        return INTERRUPTED
    progress = show or Progress(task.tz)
    failed: list[str] = []

    async def emit(stage: Stage) -> None:
        progress.show(stage)

    async def after_file(file_end: FileEnd) -> AfterFile:
        try:
            await anyio.to_thread.run_sync(deliver, file_end, out, progress)
        except OSError as exc:
            failed.append(f"cannot move the files into {out}: {exc}")
            return AfterFile.CANCEL
        return AfterFile.NEXT

    try:
        end: End = await task.run(emit, after_file)
    finally:
        progress.close()
    if failed:
        print(f"tsnvr: {failed[0]}", file=sys.stderr)
        return NO_SPACE
    if end.code is EndCode.SUCCESS:
        return 0
    print(f"tsnvr: export stopped: {end.detail}", file=sys.stderr)
    return {EndCode.NO_SPACE: NO_SPACE, EndCode.INVALID: BAD_ARGUMENTS}.get(end.code, INTERRUPTED)


def export(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    tz = server_zone(settings)
    out = Path(args.out).resolve()
    db = open_database(settings)
    try:
        try:
            request = export_request(args, db, settings, tz)
            out.mkdir(parents=True, exist_ok=True)
        except (ArgumentProblem, OSError) as exc:
            print(f"tsnvr: {exc}", file=sys.stderr)
            return BAD_ARGUMENTS
        audit = Audit(uid=f"{getpass.getuser()} (tsnvr export)", submitter=args.submitter,
                      recipient=args.recipient, purpose=args.purpose)
        task_id = str(uuid.uuid4())
        task = ExportTask(db, settings, request, out / f".tsnvr-export-{task_id}", tz=tz, eventlog=EventLog(db),
                          audit=audit, task_id=task_id)
        return anyio.run(run_export, task, out)
    finally:
        db.dispose()
