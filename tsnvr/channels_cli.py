"""`tsnvr channel list` and `tsnvr channel rename CH NAME`. Channels are added and deleted through
POST/DELETE /api/channel; a rename here reaches a running server within seconds (nameChanged)."""

from __future__ import annotations

import argparse

from storage import channel_store
from storage.channels import all_channels
from tsnvr.cli_common import common, database, positive_int

MAX_NAME = 256


def cmd_channel(args: argparse.Namespace) -> int:
    db = database(args)
    try:
        if args.action == "list":
            for channel in all_channels(db):
                print(f"{channel.chid}\t{channel.type}\t{channel.name or '-'}")
            return 0
        if len(args.name) > MAX_NAME:
            print(f"error: a channel name has at most {MAX_NAME} characters")
            return 2
        if not channel_store.rename_channel(db, args.chid, args.name):
            print(f"error: no channel {args.chid}")
            return 2
        print(f"channel {args.chid} renamed to {args.name!r}")
        return 0
    finally:
        db.dispose()


def add_commands(sub: argparse._SubParsersAction) -> None:
    channel = sub.add_parser("channel", parents=[common], help="list channels, rename a channel")
    actions = channel.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[common], help="list channels: number, type, name")
    rename = actions.add_parser("rename", parents=[common], help="give a channel a new name")
    rename.add_argument("chid", type=positive_int)
    rename.add_argument("name")
    channel.set_defaults(func=cmd_channel)
