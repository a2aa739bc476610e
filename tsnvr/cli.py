"""The `tsnvr` command line: one module per command group, each adding its sub-commands here."""

from __future__ import annotations

import argparse
import sys

from storage.settings import SettingsError
from storage.users import UserError
from tsnvr import camera_cli, channels_cli, devices_cli, event_storage_cli, export_cli, lpr_cli, serve_cli, users_cli
from tsnvr.data_dir import DEFAULT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tsnvr", description="TS-API compatible NVR / LPR server")
    parser.add_argument("--data", help=f"data directory (default ./{DEFAULT}, or $TSNVR_DATA)")
    sub = parser.add_subparsers(dest="command", required=True)
    for commands in (serve_cli, users_cli, channels_cli, camera_cli, devices_cli, lpr_cli, export_cli,
                     event_storage_cli):
        commands.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UserError, SettingsError) as exc:
        print(f"tsnvr: {exc}", file=sys.stderr)
        return 2
