"""Shared fixtures: a real data directory with a real SQLite file (or, when TSNVR_TEST_DATABASE_URL names a
PostgreSQL server, a fresh database of its own on that server), the real app, real clients."""

from __future__ import annotations

import base64
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from storage import schema, users
from storage import settings as settings_file
from storage.db import Database
from tests.export_footage import Footage, record_footage
from tsnvr.database import open_database
from tsnvr.firstrun import ensure_admin
from tsnvr.server import Runtime

ADMIN_PASSWORD = "admin-Secret-1"
REPO = Path(__file__).resolve().parents[1]


def b64(uid: str, password: str) -> str:
    return base64.b64encode(f"{uid}:{password}".encode()).decode()


ADMIN_AUTH = b64("admin", ADMIN_PASSWORD)


def write_settings(data_dir: Path, **values: object) -> None:
    """Set keys of DIR/settings.toml, keeping the others (and comments)."""
    path = data_dir / settings_file.SETTINGS_FILE
    document = settings_file.read_document(path)
    for key, value in values.items():
        document[key] = value
    settings_file.write_file(path, document)


# scripts/test's second pass sets this to a private PostgreSQL server (scripts/lib/postgres.sh)
TEST_DATABASE_URL = os.environ.get("TSNVR_TEST_DATABASE_URL", "")
_database_numbers = itertools.count(1)


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Marks a test that exercises something only SQLite has; it is skipped in the PostgreSQL pass."""
    return pytest.mark.skipif(bool(TEST_DATABASE_URL), reason=f"SQLite only: {reason}")


@pytest.fixture(scope="session")
def database_server() -> Iterator[Engine | None]:
    """The PostgreSQL server of TSNVR_TEST_DATABASE_URL, with a template database at the newest
    schema (copying it is cheaper than creating the tables and pg_trgm in every test)."""
    if not TEST_DATABASE_URL:
        yield None
        return
    engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{_TEMPLATE}" STRATEGY FILE_COPY')
    template = Database(_database(_TEMPLATE))
    schema.upgrade(template)
    template.dispose()  # a template must have no connections
    yield engine
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{_TEMPLATE}" WITH (FORCE)')
    engine.dispose()


def _database(name: str) -> str:
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


_TEMPLATE = f"tsnvr_test_{os.getpid()}_template"


@pytest.fixture
def new_database(database_server: Engine | None) -> Iterator[Callable[..., str]]:
    """new_database(empty=False) -> "" (use the data directory's SQLite file, the default) or, in the
    PostgreSQL pass, the URL of a new database for this test alone, at the newest schema (or empty),
    dropped after the test. FILE_COPY: WAL_LOG, the default, takes 0.5 s."""
    names: list[str] = []

    def new(empty: bool = False) -> str:
        if database_server is None:
            return ""
        names.append(f"tsnvr_test_{os.getpid()}_{next(_database_numbers)}")
        with database_server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{names[-1]}" TEMPLATE "{"template1" if empty else _TEMPLATE}" '
                                 "STRATEGY FILE_COPY")
        return _database(names[-1])

    yield new
    if database_server is not None:
        with database_server.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(new_database: Callable[..., str]) -> str:
    """"" (the data directory's SQLite file) or this test's own PostgreSQL database (newest schema)."""
    return new_database()


@pytest.fixture
def data_dir(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    write_settings(path, timezone="America/New_York", site_name="Test site")
    if database_url:
        write_settings(path, database_url=database_url)
    return path


def make_runtime(data_dir: Path) -> Runtime:
    settings = settings_file.load(data_dir, env={})
    db = open_database(settings)
    os.environ["TSNVR_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    try:
        ensure_admin(db)
    finally:
        del os.environ["TSNVR_ADMIN_PASSWORD"]
    db.dispose()
    return Runtime(settings)


@pytest.fixture
def runtime(data_dir: Path) -> Runtime:
    return make_runtime(data_dir)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(runtime.app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    """The client, signed in as admin through /api/auth?login= (cookie session)."""
    assert client.get("/api/auth", params={"login": ADMIN_AUTH}).status_code == 200
    return client


@pytest.fixture
def add_user(runtime: Runtime) -> Callable[..., str]:
    """add_user(uid, rights="LPR,Remote") -> the auth= value for that user."""

    def add(uid: str, rights: str = "Remote", password: str = "pw-" + "x" * 8) -> str:
        users.add(runtime.db, uid, password, users.rights_mask(rights))
        return b64(uid, password)

    return add


def wait_until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll `check` until it returns something truthy (returned), or fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`tsnvr serve` in a child process on 127.0.0.1."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"server-{self.port}.log"
        child_env = {**os.environ, "TSNVR_ADMIN_PASSWORD": ADMIN_PASSWORD, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tsnvr", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data", str(data_dir), "--no-demo"],
            stdout=self.log.open("wb"), stderr=subprocess.STDOUT, env=child_env, cwd=REPO,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/api/info?apiVersion", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(data_dir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def footage(tmp_path_factory: pytest.TempPathFactory) -> Footage:
    """Footage recorded once per session from the real RTSP test server (tests/export_footage.py); a test
    that changes files copies footage.data_dir first."""
    return record_footage(tmp_path_factory.mktemp("footage"))


@contextmanager
def served(runtime: Runtime) -> Iterator[int]:
    """The runtime's app under uvicorn in a thread (its port): a real server whose runtime the test can
    reach directly (publish on its bus, change its settings)."""
    port = free_port()
    config = uvicorn.Config(runtime.app, host="127.0.0.1", port=port, log_config=None, lifespan="on",
                            ws_ping_interval=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
