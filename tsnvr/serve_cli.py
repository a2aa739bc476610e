"""`tsnvr serve`: first-start set-up (user admin, the demo channel), then the server until stopped."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from storage.db import Database
from tsnvr import logs
from tsnvr.cli_common import common, load_settings
from tsnvr.data_dir import old_default_notice
from tsnvr.database import open_database
from tsnvr.firstrun import ensure_admin


def cmd_serve(args: argparse.Namespace) -> int:
    # Loaded here, not at the top: the other commands need neither uvicorn nor the web app and recorder.
    from tsnvr.server import Runtime

    settings = load_settings(args)
    logs.configure(settings.log_level, settings.access_log)
    notice = old_default_notice(getattr(args, "data", None))
    if notice:
        print(notice, flush=True)
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
        from tsnvr.demo import ensure_demo_channel  # imported here so that a broken Pillow or PyAV is caught too

        channel = ensure_demo_channel(db, data_dir)
    except Exception as exc:  # no Pillow, a read-only data dir, an encoder error...
        print(f"tsnvr: demo channel not added: {exc}", file=sys.stderr, flush=True)
        return False
    if channel is not None:
        print(f"tsnvr: added demo channel {channel.chid} ({channel.name})", flush=True)
    return channel is not None


def add_commands(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the server", parents=[common])
    serve.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--no-demo", action="store_true", help="do not add the demo channel")
    serve.set_defaults(func=cmd_serve)
