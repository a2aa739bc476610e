"""Sign-in throttling stops guessing, not users: failures counted per (address, user id), a repeated wrong
password counted once, growing delays then a lockout of that user from that address, an address spraying
user ids locked as a whole; X-Forwarded-For believed only from `trusted_proxies` (real uvicorn servers)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from storage import settings as settings_file
from storage import users
from storage.models import EventLogEntry, PlateRead
from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, LiveServer, b64, make_runtime, write_settings
from tsnvr.database import open_database
from tsnvr.firstrun import ensure_admin
from web.core.throttle import SignInThrottle, Throttled, ThrottleLimits, Verdict

PASSWORD = "right-Password-9"


def privacy_rows(data_dir: Path) -> list[tuple[int, dict[str, Any]]]:
    """(code, param) of the Privacy rows of the event log, read from the SQLite file."""
    db = open_database(settings_file.load(data_dir, env={}))
    try:
        with db.read() as s:
            rows = s.exec(select(EventLogEntry).where(EventLogEntry.type == 1).order_by(EventLogEntry.id))
            return [(e.code, json.loads(e.param) if e.param else {}) for e in rows]
    finally:
        db.dispose()


def add_users(data_dir: Path, **rights: str) -> None:
    """Create admin (as a first start would) and the given users, password PASSWORD, in DIR's database."""
    db = open_database(settings_file.load(data_dir, env={}))
    os.environ["TSNVR_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    try:
        ensure_admin(db)
        for uid, names in rights.items():
            users.add(db, uid, PASSWORD, users.rights_mask(names))
    finally:
        del os.environ["TSNVR_ADMIN_PASSWORD"]
        db.dispose()


@pytest.fixture
def in_process(data_dir: Path):
    """make(**settings) -> (TestClient, runtime) with users alice (Remote) and plates (Remote, Control)."""
    clients: list[TestClient] = []

    def make(**settings: object) -> tuple[TestClient, Any]:
        write_settings(data_dir, **settings)
        runtime = make_runtime(data_dir)
        for uid, names in {"alice": "Remote", "bob": "Remote", "plates": "Remote,Control"}.items():
            users.add(runtime.db, uid, PASSWORD, users.rights_mask(names))
        client = TestClient(runtime.app)
        client.__enter__()
        clients.append(client)
        return client, runtime

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def who(client: TestClient | httpx.Client, **kwargs: Any) -> int:
    return client.get("/api/info?whoAmI", **kwargs).status_code


def test_a_repeated_wrong_password_counts_once(in_process, data_dir):
    """One client with an old password, retrying: never a lockout, and the right password still works."""
    client, _ = in_process(signin_max_failures=3, signin_delay_seconds=0)
    old = b64("admin", "old-password")
    assert [who(client, params={"auth": old}) for _ in range(10)] == [401] * 10
    assert who(client, params={"auth": ADMIN_AUTH}) == 200
    assert who(client, auth=("admin", ADMIN_PASSWORD)) == 200
    assert privacy_rows(data_dir) == [(6, {"uid": "admin", "address": "testclient"})]


def test_distinct_wrong_passwords_wait_longer_each_time(in_process):
    client, _ = in_process(signin_max_failures=5, signin_delay_seconds=1)
    assert who(client, params={"auth": b64("alice", "guess-1")}) == 401
    r = client.get("/api/info?whoAmI", params={"auth": b64("alice", "guess-2")})
    assert (r.status_code, r.headers["retry-after"], r.json()["code"]) == (429, "1", 429)
    assert who(client, params={"auth": b64("alice", PASSWORD)}) == 429  # no check at all while waiting
    assert who(client, params={"auth": b64("bob", PASSWORD)}) == 200  # another user is not kept waiting
    time.sleep(1.05)
    assert who(client, params={"auth": b64("alice", "guess-2")}) == 401
    r = client.get("/api/info?whoAmI", params={"auth": b64("alice", "guess-3")})
    assert (r.status_code, r.headers["retry-after"]) == (429, "2")
    assert who(client, params={"auth": b64("alice", "guess-1")}) == 401  # known wrong: answered, not counted


def test_the_delays_double_then_lock_the_user_out(tmp_path):
    now = [1000.0]
    throttle = SignInThrottle(ThrottleLimits(max_failures=4, window=600, lockout=300, delay=1, max_users=10),
                              clock=lambda: now[0])
    waits = []
    for n in range(4):
        key = f"guess-{n}".encode()
        assert throttle.check("10.0.0.1", "alice", key) is Verdict.CHECK
        outcome = throttle.failed("10.0.0.1", "alice", key)
        with pytest.raises(Throttled) as refused:
            throttle.check("10.0.0.1", "alice", b"another")
        waits.append(refused.value.retry_after)
        now[0] += refused.value.retry_after
    assert waits == [1, 2, 4, 300]
    assert outcome.user_locked and not outcome.address_locked
    assert throttle.check("10.0.0.2", "alice", b"x") is Verdict.CHECK  # another address is not locked out
    assert throttle.check("10.0.0.1", "bob", b"x") is Verdict.CHECK  # nor another user id
    now[0] += 0.1
    assert throttle.check("10.0.0.1", "alice", b"after") is Verdict.CHECK  # the lockout is over


def test_memory_is_bounded():
    now = [0.0]
    throttle = SignInThrottle(ThrottleLimits(max_failures=5, window=60, lockout=300, delay=0, max_users=1_000_000),
                              clock=lambda: now[0], max_records=100)
    for n in range(1000):
        throttle.failed(f"10.0.{n // 250}.{n % 250}", f"user{n}", b"k")
        throttle.succeeded(f"10.1.{n // 250}.{n % 250}", "alice")
    assert throttle.record_counts() <= (100, 100)
    now[0] += 24 * 3600 + 61
    throttle.failed("10.9.9.9", "x", b"k")
    assert throttle.record_counts() == (1, 1)  # expired records are dropped


@pytest.fixture
def two_users_server(data_dir: Path) -> Iterator[LiveServer]:
    write_settings(data_dir, signin_max_failures=3, signin_delay_seconds=0, signin_lockout_seconds=60)
    add_users(data_dir, alice="Remote", plates="Remote,Control")
    server = LiveServer(data_dir)
    yield server
    server.stop()


def test_a_locked_out_user_blocks_nobody_else_from_the_same_address(two_users_server, data_dir):
    """Two users on 127.0.0.1: alice guesses and is locked out; the plate reader's pushes and the admin's
    session, auth= and Basic go on."""
    with httpx.Client(base_url=two_users_server.url) as admin, httpx.Client(base_url=two_users_server.url) as c:
        assert admin.get("/api/auth", params={"login": ADMIN_AUTH}).status_code == 200
        assert [who(c, params={"auth": b64("alice", f"guess-{n}")}) for n in range(3)] == [401, 401, 401]
        r = c.get("/api/info?whoAmI", params={"auth": b64("alice", PASSWORD)})  # alice herself: locked out
        assert (r.status_code, r.headers["retry-after"]) == (429, "60")
        body = [{"topic": "LPR", "src": "gate-1", "plateNo": "12GA3456"}]
        assert c.post("/api/push", params={"auth": b64("plates", PASSWORD)}, json=body).status_code == 200
        assert c.post("/api/push", auth=("plates", PASSWORD), json=body).status_code == 200
        assert who(admin) == 200  # the admin's session
        assert who(c, params={"auth": ADMIN_AUTH}) == 200
        assert who(c, auth=("admin", ADMIN_PASSWORD)) == 200
        assert r.json() == {"code": 429, "message": "too many failed sign-ins as 'alice' from 127.0.0.1; "
                                                    "try again in 60 s"}
    db = open_database(settings_file.load(data_dir, env={}))
    try:
        with db.read() as s:
            assert [p.plate_no for p in s.exec(select(PlateRead))] == ["12GA3456", "12GA3456"]
    finally:
        db.dispose()
    rows = privacy_rows(data_dir)
    assert rows[1:] == [(6, {"uid": "alice", "address": "127.0.0.1"})] * 3 + [
        (7, {"uid": "alice", "address": "127.0.0.1", "seconds": 60})]


def test_an_address_trying_many_user_ids_is_locked_out_as_a_whole(in_process, data_dir):
    client, _ = in_process(signin_max_users=3, signin_delay_seconds=0, signin_lockout_seconds=120)
    assert client.get("/api/auth", params={"login": ADMIN_AUTH}).status_code == 200  # a session
    assert who(client, params={"auth": b64("plates", PASSWORD)}) == 200  # plates signed in from here before
    assert [who(client, params={"auth": b64(uid, "123456")}) for uid in ("root", "guest", "alice")] == [401] * 3
    r = client.get("/api/info?whoAmI", params={"auth": b64("bob", PASSWORD)})  # new to this address
    assert (r.status_code, r.headers["retry-after"]) == (429, "120")
    assert r.json()["message"] == "too many user ids tried from testclient; try again in 120 s"
    assert who(client, params={"auth": b64("plates", PASSWORD)}) == 200
    assert who(client) == 200  # the session is never refused
    assert privacy_rows(data_dir)[-1] == (7, {"address": "testclient", "users": 3, "seconds": 120})


def test_the_existing_session_of_a_locked_out_user_still_works(in_process):
    client, _ = in_process(signin_max_failures=2, signin_delay_seconds=0)
    assert client.get("/api/auth", params={"login": b64("alice", PASSWORD)}).status_code == 200
    assert [who(client, params={"auth": b64("alice", g)}) for g in ("a", "b")] == [401, 401]
    assert who(client, params={"auth": b64("alice", PASSWORD)}) == 429
    assert who(client) == 200


def forged_failures(server: LiveServer) -> list[int]:
    """Three distinct wrong passwords for alice, each claiming another address; then her right one."""
    with httpx.Client(base_url=server.url) as c:
        codes = [who(c, params={"auth": b64("alice", f"guess-{n}")}, headers={"X-Forwarded-For": f"203.0.113.{n}"})
                 for n in range(3)]
        return codes + [who(c, params={"auth": b64("alice", PASSWORD)})]


def test_forwarded_addresses_are_ignored_without_trusted_proxies(data_dir):
    write_settings(data_dir, signin_max_failures=3, signin_delay_seconds=0)
    add_users(data_dir, alice="Remote")
    server = LiveServer(data_dir)
    try:
        assert forged_failures(server) == [401, 401, 401, 429]  # the counter was not dodged
    finally:
        server.stop()
    assert {param["address"] for _code, param in privacy_rows(data_dir)} == {"127.0.0.1"}


def test_a_trusted_proxy_names_the_client(data_dir):
    write_settings(data_dir, signin_max_failures=3, signin_delay_seconds=0, trusted_proxies=["127.0.0.1"])
    add_users(data_dir, alice="Remote")
    server = LiveServer(data_dir)
    try:
        assert forged_failures(server) == [401, 401, 401, 200]  # three clients, one failure each
        with httpx.Client(base_url=server.url) as c:
            # the proxy appends the address it saw; what the client wrote to the left of it is not believed
            forwarded = {"X-Forwarded-For": "198.51.100.1, 198.51.100.9"}
            assert [who(c, params={"auth": b64("alice", f"again-{n}")}, headers=forwarded)
                    for n in range(3)] == [401, 401, 401]
            assert who(c, params={"auth": b64("alice", PASSWORD)}, headers=forwarded) == 429
            assert who(c, params={"auth": b64("alice", PASSWORD)},
                       headers={"X-Forwarded-For": "198.51.100.9, 198.51.100.1"}) == 200
            assert who(c, params={"auth": b64("alice", PASSWORD)}) == 200  # the proxy itself, unforwarded
    finally:
        server.stop()
    addresses = [param["address"] for code, param in privacy_rows(data_dir) if code == 6]
    assert addresses == ["203.0.113.0", "203.0.113.1", "203.0.113.2"] + ["198.51.100.9"] * 3


def test_trusted_proxies_must_be_addresses(tmp_path):
    write_settings(tmp_path, trusted_proxies=["*"])
    with pytest.raises(settings_file.SettingsError, match="trusted_proxies"):
        settings_file.load(tmp_path, env={})
    settings = settings_file.load(tmp_path, env={"TSNVR_TRUSTED_PROXIES": "10.0.0.0/8, ::1"})
    assert settings.trusted_proxies == ["10.0.0.0/8", "::1"]
