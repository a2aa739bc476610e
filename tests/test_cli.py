"""`tsnvr serve` first start and `tsnvr user ...`, run as the real command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO, free_port


def tsnvr(*args: str, data: Path, stdin: str | None = None, env: dict[str, str] | None = None):
    return subprocess.run([sys.executable, "-m", "tsnvr", *args, "--data", str(data)], input=stdin, text=True,
                          capture_output=True, cwd=REPO, env={**os.environ, **(env or {})}, timeout=60)


def start_and_read_banner(data: Path) -> tuple[str, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TSNVR_ADMIN_PASSWORD"}
    proc = subprocess.Popen([sys.executable, "-m", "tsnvr", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--data", str(data), "--no-demo"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=REPO, env=env)
    lines = []
    try:
        while True:
            line = proc.stdout.readline()
            assert line, "server exited: " + "".join(lines)
            lines.append(line)
            if "serving" in line:
                break
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/info?apiVersion", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
    return "".join(lines), port


def test_first_start_prints_a_generated_admin_password_once(tmp_path: Path):
    banner, _ = start_and_read_banner(tmp_path)
    found = re.search(r"created user admin with password (\S+)", banner)
    assert found, banner
    password = found.group(1)
    assert len(password) >= 12
    again, _ = start_and_read_banner(tmp_path)
    assert "created user" not in again
    listed = tsnvr("user", "list", data=tmp_path)
    assert listed.stdout.split("\t")[0] == "admin"
    # the printed password is the real one: it verifies against the stored hash
    from storage import users
    from storage.db import Database

    account = users.get(Database(f"sqlite:///{tmp_path / 'tsnvr.db'}"), "admin")
    assert users.verify(account, password) and not users.verify(account, password + "x")


def test_user_commands_round_trip(tmp_path: Path):
    added = tsnvr("user", "add", "op1", "--rights", "Playback,LPR,Remote", "--password", "pw1", data=tmp_path)
    assert added.returncode == 0
    assert tsnvr("user", "add", "op2", "--rights", "all", data=tmp_path, stdin="from-stdin\n").returncode == 0
    dup = tsnvr("user", "add", "op1", "--password", "x", data=tmp_path)
    assert dup.returncode == 2 and "exists" in dup.stderr
    bad = tsnvr("user", "add", "op3", "--rights", "Fly", "--password", "x", data=tmp_path)
    assert bad.returncode == 2 and "unknown right 'Fly'" in bad.stderr
    assert tsnvr("user", "rights", "op1", "LPR,Remote", data=tmp_path).returncode == 0
    assert tsnvr("user", "passwd", "op1", "--password", "pw2", data=tmp_path).returncode == 0
    listed = tsnvr("user", "list", data=tmp_path).stdout.splitlines()
    assert listed == ["op1\top1\tLPR,Remote",
                      "op2\top2\tDataExport,Control,Settings,Playback,LPR,Remote"]
    assert tsnvr("user", "rm", "op2", data=tmp_path).returncode == 0
    assert tsnvr("user", "rm", "op2", data=tmp_path).returncode == 2
    from storage import users
    from storage.db import Database

    account = users.get(Database(f"sqlite:///{tmp_path / 'tsnvr.db'}"), "op1")
    assert users.verify(account, "pw2") and not users.verify(account, "pw1")


def test_lpr_read_is_a_tsnvr_command(tmp_path: Path):
    from tsnvr.cli import build_parser
    from tsnvr.lpr_cli import cmd_lpr_read

    args = build_parser().parse_args(["lpr", "read", "--json", "a.jpg", "b.jpg"])
    assert args.func is cmd_lpr_read and args.images == ["a.jpg", "b.jpg"] and args.json
    helped = tsnvr("lpr", "read", "--help", data=tmp_path)
    assert helped.returncode == 0 and "IMAGE" in helped.stdout
    missing = tsnvr("lpr", "read", data=tmp_path)
    assert missing.returncode == 2 and "IMAGE" in missing.stderr
