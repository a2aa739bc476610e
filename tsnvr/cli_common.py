"""What every `tsnvr` command shares: the --data option (accepted anywhere on the line), the settings
of the data directory it names, its database, and argument types."""

from __future__ import annotations

import argparse

from storage import settings as settings_file
from storage.db import Database
from storage.settings import Settings
from tsnvr import data_dir
from tsnvr.database import open_database

common = argparse.ArgumentParser(add_help=False)
common.add_argument("--data", default=argparse.SUPPRESS,
                    help=f"data directory (default ./{data_dir.DEFAULT}, or $TSNVR_DATA)")


def load_settings(args: argparse.Namespace) -> Settings:
    """The settings of the data directory; --host and --port (serve) override theirs."""
    settings = settings_file.load(data_dir.resolve(getattr(args, "data", None)))
    if getattr(args, "host", None):
        settings.host = args.host
    if getattr(args, "port", None):
        settings.port = args.port
    return settings


def database(args: argparse.Namespace) -> Database:
    return open_database(load_settings(args))


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)
