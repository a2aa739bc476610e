"""`tsnvr serve` first start and `tsnvr user ...`, run as the real command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, free_port
from tsnvr import data_dir


def tsnvr(*args: str, data: Path, stdin: str | None = None, env: dict[str, str] | None = None):
    return subprocess.run([sys.executable, "-m", "tsnvr", *args, "--data", str(data)], input=stdin, text=True,
                          capture_output=True, cwd=REPO, env={**os.environ, **(env or {})}, timeout=60)


def start_and_read_banner(data: Path | None, cwd: Path = REPO) -> tuple[str, int]:
    """Start `tsnvr serve` (on `data`, or with no --data nor $TSNVR_DATA when None), read its output up to
    the "serving" line once it answers, stop it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TSNVR_ADMIN_PASSWORD", "TSNVR_DATA")}
    data_args = [] if data is None else ["--data", str(data)]
    proc = subprocess.Popen([sys.executable, "-m", "tsnvr", "serve", "--host", "127.0.0.1", "--port", str(port),
                             *data_args, "--no-demo"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=cwd, env=env)
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


# --- what the commands load -------------------------------------------------------------------------

LOADED = """
import json, sys
from tsnvr.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("command", [["channel", "list"], ["user", "list"], ["device", "lpr", "list"]])
def test_database_commands_load_neither_the_server_nor_the_web_layer(tmp_path: Path, command: list[str]):
    done = subprocess.run([sys.executable, "-c", LOADED, *command, "--data", str(tmp_path)], capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["code"] == 0
    loaded = [m for m in result["modules"] if m.split(".")[0] in ("uvicorn", "web", "recorder")
              or m == "tsnvr.server"]
    assert loaded == []


# --- the data directory -----------------------------------------------------------------------------

def plain_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "TSNVR_DATA"}


def run_in(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`tsnvr ARGS` in `cwd` with neither --data nor $TSNVR_DATA (unless `env` sets it)."""
    return subprocess.run([sys.executable, "-m", "tsnvr", *args], text=True, capture_output=True, cwd=cwd,
                          env={**plain_env(), **(env or {})}, timeout=60)


def old_default_with_a_user(cwd: Path) -> None:
    """./storage as the old default left it: a database (here with user `old`), no ./data."""
    added = run_in(cwd, "--data", "storage", "user", "add", "old", "--password", "pw")
    assert added.returncode == 0, added.stderr


@pytest.fixture
def no_data_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("TSNVR_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_data_directory_is_data_by_default(no_data_env: Path):
    assert data_dir.resolve(None) == Path("data")
    assert data_dir.old_default_notice(None) is None
    (no_data_env / "storage").mkdir()  # a folder without a database (the `storage` package in a checkout)
    assert data_dir.resolve(None) == Path("data")


def test_data_and_tsnvr_data_choose_the_directory(no_data_env: Path, monkeypatch: pytest.MonkeyPatch):
    (no_data_env / "storage").mkdir()
    (no_data_env / "storage" / "tsnvr.db").touch()
    assert data_dir.resolve("elsewhere") == Path("elsewhere")
    assert data_dir.resolve("storage") == Path("storage") and data_dir.old_default_notice("storage") is None
    monkeypatch.setenv("TSNVR_DATA", "from-env")
    assert data_dir.resolve(None) == Path("from-env") and data_dir.old_default_notice(None) is None
    assert data_dir.resolve("elsewhere") == Path("elsewhere")


def test_an_old_storage_database_is_used_until_data_exists(no_data_env: Path):
    (no_data_env / "storage").mkdir()
    (no_data_env / "storage" / "tsnvr.db").touch()
    assert data_dir.resolve(None) == Path("storage")
    assert "./storage" in data_dir.old_default_notice(None)
    (no_data_env / "data").mkdir()
    assert data_dir.resolve(None) == Path("data")
    assert data_dir.old_default_notice(None) is None


def test_a_fresh_directory_gets_its_data_in_data(tmp_path: Path):
    added = run_in(tmp_path, "user", "add", "new", "--password", "pw")
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "data" / "tsnvr.db").is_file() and not (tmp_path / "storage").exists()
    banner, _ = start_and_read_banner(None, cwd=tmp_path)
    assert "old default" not in banner
    assert f"serving {tmp_path.resolve() / 'data'} on" in banner


def test_the_server_keeps_an_old_storage_database_and_says_so_once(tmp_path: Path):
    old_default_with_a_user(tmp_path)
    assert run_in(tmp_path, "user", "list").stdout.split("\t")[0] == "old"
    banner, _ = start_and_read_banner(None, cwd=tmp_path)
    notices = [line for line in banner.splitlines() if "old default" in line]
    assert notices == ["tsnvr: using ./storage, the old default data directory, as it holds a database and there "
                       "is no ./data; to move the data to ./data see docs/cli.md#the-data-directory"]
    assert f"serving {tmp_path.resolve() / 'storage'} on" in banner
    assert "created user" not in banner  # the old database, with its users
    assert not (tmp_path / "data").exists()
