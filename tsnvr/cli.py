"""The `tsnvr` command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from storage import settings as settings_file
from storage import users
from storage.settings import Settings, SettingsError
from storage.users import UserError
from tsnvr.cli_common import common

if TYPE_CHECKING:
    from storage.db import Database


def load_settings(args: argparse.Namespace) -> Settings:
    data_dir = Path(args.data or os.environ.get("TSNVR_DATA") or "storage")
    settings = settings_file.load(data_dir)
    if getattr(args, "host", None):
        settings.host = args.host
    if getattr(args, "port", None):
        settings.port = args.port
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    from tsnvr import logs
    from tsnvr.firstrun import ensure_admin
    from tsnvr.server import Runtime, open_database

    settings = load_settings(args)
    logs.configure(settings.log_level, settings.access_log)
    db = open_database(settings)
    generated = ensure_admin(db)
    if generated:
        print(f"tsnvr: created user admin with password {generated} (shown only this once)", flush=True)
    if not args.no_demo and _add_demo(db, settings.data_dir):
        settings = load_settings(args)  # with the demo's LPR zone
    db.dispose()
    runtime = Runtime(settings)
    print(f"tsnvr: serving {settings.data_dir.resolve()} on http://{settings.host}:{settings.port}", flush=True)
    if runtime.serve():
        print("tsnvr: restarting", flush=True)
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", "tsnvr", *sys.argv[1:]])
    return 0


def _add_demo(db: Database, data_dir: Path) -> bool:
    """The demo channel on a first start (True when added); a failure to make it never stops the
    server."""
    try:
        from tsnvr.demo import ensure_demo_channel

        channel = ensure_demo_channel(db, data_dir)
    except Exception as exc:  # no Pillow, a read-only data dir, an encoder error...
        print(f"tsnvr: demo channel not added: {exc}", file=sys.stderr, flush=True)
        return False
    if channel is not None:
        print(f"tsnvr: added demo channel {channel.chid} ({channel.name})", flush=True)
    return channel is not None


def _password(args: argparse.Namespace) -> str:
    if args.password is not None:
        return args.password
    env = os.environ.get("TSNVR_USER_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise UserError("the passwords differ")
    return first


def _eventlog(db):  # noqa: ANN001, ANN202
    from storage.eventlog import EventLog

    return EventLog(db)


def cmd_user(args: argparse.Namespace) -> int:
    from storage.eventlog import EventType, PrivacyCode
    from tsnvr.server import open_database

    db = open_database(load_settings(args))
    try:
        if args.action == "list":
            for account in users.all_users(db):
                print(f"{account.uid}\t{account.name}\t{','.join(account.rights_names) or '-'}")
        elif args.action == "add":
            rights = users.rights_mask(args.rights)
            users.add(db, args.uid, _password(args), rights, name=args.name or "")
            _eventlog(db).record(EventType.PRIVACY, PrivacyCode.USER_ADDED, {"uid": args.uid})
            print(f"added {args.uid}")
        elif args.action == "passwd":
            users.set_password(db, args.uid, _password(args))
            _eventlog(db).record(EventType.PRIVACY, PrivacyCode.PASSWORD_CHANGED, {"uid": args.uid})
            print(f"password of {args.uid} changed")
        elif args.action == "rights":
            users.set_rights(db, args.uid, users.rights_mask(args.rights))
            _eventlog(db).record(EventType.PRIVACY, PrivacyCode.RIGHTS_CHANGED,
                                 {"uid": args.uid, "rights": args.rights})
            print(f"rights of {args.uid}: {args.rights}")
        elif args.action == "rm":
            users.remove(db, args.uid)
            _eventlog(db).record(EventType.PRIVACY, PrivacyCode.USER_REMOVED, {"uid": args.uid})
            print(f"removed {args.uid}")
    finally:
        db.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tsnvr", description="TS-API compatible NVR / LPR server")
    parser.add_argument("--data", help="data directory (default ./storage, or $TSNVR_DATA)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server", parents=[common])
    serve.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--no-demo", action="store_true", help="do not add the demo channel")
    serve.set_defaults(func=cmd_serve)

    user = sub.add_parser("user", help="manage users", parents=[common])
    actions = user.add_subparsers(dest="action", required=True)
    rights_help = f"comma-separated rights: {', '.join(users.RIGHTS)}, or all"
    add = actions.add_parser("add", parents=[common], help="add a user (password from --password, stdin or a prompt)")
    add.add_argument("uid")
    add.add_argument("--name")
    add.add_argument("--password")
    add.add_argument("--rights", default="Playback,LPR,Remote", help=rights_help + " (default Playback,LPR,Remote)")
    passwd = actions.add_parser("passwd", parents=[common], help="change a user's password")
    passwd.add_argument("uid")
    passwd.add_argument("--password")
    rights = actions.add_parser("rights", parents=[common], help="set a user's rights")
    rights.add_argument("uid")
    rights.add_argument("rights", help=rights_help)
    actions.add_parser("list", parents=[common], help="list users and their rights")
    rm = actions.add_parser("rm", parents=[common], help="remove a user")
    rm.add_argument("uid")
    user.set_defaults(func=cmd_user)

    from tsnvr import channels_cli, devices_cli, lpr_cli

    channels_cli.add_commands(sub)
    devices_cli.add_commands(sub)
    lpr_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UserError, SettingsError) as exc:
        print(f"tsnvr: {exc}", file=sys.stderr)
        return 2
