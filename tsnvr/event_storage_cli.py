"""`tsnvr event-storage list [--json]` and `tsnvr event-storage delete EVENT_ID|PATH...`: the event
backups of PUT /api/event-videos/trigger, kept in DIR/event-storage until deleted here (retention
never deletes them). Deleting removes the files and their rows; the event log keeps its rows."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from zoneinfo import ZoneInfo

from storage import event_backups
from storage.models import EventBackup
from tsnvr.cli_common import common, database, load_settings


def backup_json(backup: EventBackup, tz: ZoneInfo) -> dict[str, Any]:
    from web.core.timefmt import format_ms

    return {
        "id": backup.id, "eventId": backup.event_id, "chid": backup.chid, "state": backup.state,
        "path": backup.path, "videoURL": event_backups.URL_PREFIX + backup.path, "title": backup.title,
        "timestamp": format_ms(backup.ts_ms, tz),
        "timeRange": [format_ms(backup.begin_ms, tz), format_ms(backup.end_ms, tz)],
        "size": backup.size, "reason": backup.reason,
    }


def cmd_list(args: argparse.Namespace) -> int:
    # imported here, not at the top: every `tsnvr` command loads this module (tests/test_cli.py)
    from web.core.context import local_zone
    from web.core.timefmt import format_ms

    settings = load_settings(args)
    tz = ZoneInfo(settings.timezone) if settings.timezone else local_zone()
    db = database(args)
    try:
        backups = event_backups.all_backups(db)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps([backup_json(b, tz) for b in backups], ensure_ascii=False, indent=2))
        return 0
    for b in backups:
        note = b.reason if b.state == event_backups.BackupState.FAILED else b.title
        print(f"{b.event_id}\tCH{b.chid}\t{b.state}\t{b.size}\t{format_ms(b.ts_ms, tz)}\t{b.path}\t{note or '-'}")
    return 0


def relative_path(text: str) -> str:
    """e/..., from an argument that may be a videoURL (/event-storage/e/...) or start with event-storage/."""
    return text.removeprefix("/").removeprefix(event_backups.ROOT + "/")


def cmd_delete(args: argparse.Namespace) -> int:
    storage = event_backups.root(load_settings(args).data_dir)
    event_ids = [int(t) for t in args.targets if t.isascii() and t.isdigit()]
    paths = [relative_path(t) for t in args.targets if not (t.isascii() and t.isdigit())]
    db = database(args)
    try:
        rows = event_backups.matching(db, event_ids, paths)
        for row in rows:
            event_backups.remove_file(storage, row.path)
            print(f"deleted {row.path} (event {row.event_id}, CH{row.chid}, {row.state})")
        event_backups.delete_rows(db, [row.id for row in rows if row.id is not None])
    finally:
        db.dispose()
    missing = [str(e) for e in event_ids if e not in {r.event_id for r in rows}]
    for path in paths:
        if path in {r.path for r in rows}:
            continue
        if event_backups.remove_file(storage, path):  # a file no row names
            print(f"deleted {path}")
        else:
            missing.append(path)
    for target in missing:
        print(f"tsnvr: no event backup {target}", file=sys.stderr)
    return 1 if missing else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the `tsnvr` parsers."""
    storage = sub.add_parser("event-storage", parents=[common], help="list and delete event backups")
    actions = storage.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", parents=[common],
                                 help="list event backups: event id, channel, state, bytes, time, path, title")
    listing.add_argument("--json", action="store_true", help="as a JSON array")
    listing.set_defaults(func=cmd_list)
    delete = actions.add_parser("delete", parents=[common], help="delete event backups: files and rows")
    delete.add_argument("targets", nargs="+", metavar="EVENT_ID|PATH",
                        help="an event id (all its channels' files), or a file's path (e/... or its videoURL)")
    delete.set_defaults(func=cmd_delete)
