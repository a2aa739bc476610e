"""`tsnvr user add|passwd|rights|list|rm`: users and their rights, each change in the event log."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from storage import users
from storage.eventlog import EventLog, EventType, PrivacyCode
from storage.users import UserError
from tsnvr.cli_common import common, database


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


def cmd_user(args: argparse.Namespace) -> int:
    db = database(args)
    try:
        eventlog = EventLog(db)
        if args.action == "list":
            for account in users.all_users(db):
                print(f"{account.uid}\t{account.name}\t{','.join(account.rights_names) or '-'}")
        elif args.action == "add":
            rights = users.rights_mask(args.rights)
            users.add(db, args.uid, _password(args), rights, name=args.name or "")
            eventlog.record(EventType.PRIVACY, PrivacyCode.USER_ADDED, {"uid": args.uid})
            print(f"added {args.uid}")
        elif args.action == "passwd":
            users.set_password(db, args.uid, _password(args))
            eventlog.record(EventType.PRIVACY, PrivacyCode.PASSWORD_CHANGED, {"uid": args.uid})
            print(f"password of {args.uid} changed")
        elif args.action == "rights":
            users.set_rights(db, args.uid, users.rights_mask(args.rights))
            eventlog.record(EventType.PRIVACY, PrivacyCode.RIGHTS_CHANGED, {"uid": args.uid, "rights": args.rights})
            print(f"rights of {args.uid}: {args.rights}")
        elif args.action == "rm":
            users.remove(db, args.uid)
            eventlog.record(EventType.PRIVACY, PrivacyCode.USER_REMOVED, {"uid": args.uid})
            print(f"removed {args.uid}")
    finally:
        db.dispose()
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
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
