"""What a client may send before its request reaches the app is bounded: the size and number of
header fields (431, 414 for the target) and the time to send them (408, then closed); clients that
never finish their headers neither hold the server nor grow it. Raw sockets against `tsnvr serve`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, write_settings
from tsnvr.http_limits import HEAD_TIMEOUT_S, MAX_HEAD_BYTES, MAX_HEADER_FIELDS

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir: Path = tmp_path_factory.mktemp("limits") / "data"
    data_dir.mkdir()
    write_settings(data_dir, timezone="America/New_York")
    live = LiveServer(data_dir)
    yield live
    live.stop()


def connect(server: LiveServer, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def send_all(sock: socket.socket, data: bytes) -> bool:
    """Send `data` in 64 KiB pieces; False when the server closed the connection on the way."""
    try:
        for at in range(0, len(data), 64 * 1024):
            sock.sendall(data[at:at + 64 * 1024])
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (the socket's timeout bounds the wait)."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def request(target: str = "/api/info?apiVersion", headers: Sequence[tuple[str, str]] = ()) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", *(f"{n}: {v}" for n, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def refusal(server: LiveServer, data: bytes) -> bytes:
    with connect(server) as sock:
        send_all(sock, data)
        return read_answer(sock)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_normal_request_passes(server):
    answer = refusal(server, request(headers=[("Connection", "close"), ("X-Pad", "p" * 4000)]))
    assert status_of(answer) == 200 and b'"apiVersion"' in answer


def test_one_mebibyte_header_is_431(server):
    answer = refusal(server, request(headers=[("X-Big", "b" * MiB)]))
    assert status_of(answer) == 431
    assert answer.endswith(b'{"code": 431, "message": "the request\'s header fields are larger than 65536 bytes"}')


def test_a_mebibyte_of_headers_in_many_fields_is_431(server):
    fields = [(f"X-F{i}", "v" * (MiB // 64)) for i in range(64)]
    answer = refusal(server, request(headers=fields))
    assert status_of(answer) == 431 and b'"code": 431' in answer


def test_1024_headers_are_431(server):
    answer = refusal(server, request(headers=[(f"X-H{i}", str(i)) for i in range(1024)]))
    assert status_of(answer) == 431
    assert f"more than {MAX_HEADER_FIELDS} header fields".encode() in answer


def test_the_limits_themselves_pass(server):
    at_count = [(f"X-H{i}", "1") for i in range(MAX_HEADER_FIELDS - 2)] + [("Connection", "close")]
    assert status_of(refusal(server, request(headers=at_count))) == 200
    near_size = [("Connection", "close"), ("X-Pad", "p" * (MAX_HEAD_BYTES - 200))]
    assert status_of(refusal(server, request(headers=near_size))) == 200


def test_a_mebibyte_request_target_is_414(server):
    answer = refusal(server, request(target="/api/info?apiVersion&x=" + "a" * MiB))
    assert status_of(answer) == 414 and b'"code": 414' in answer


def test_four_64_mib_headers_are_cut_short_without_growing_the_server(server):
    before = rss_bytes(server.proc.pid)
    results: list[tuple[float, bytes]] = []

    def send_huge() -> None:
        started = time.monotonic()
        with connect(server) as sock:
            send_all(sock, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + b"h" * (64 * MiB))
            results.append((time.monotonic() - started, read_answer(sock)))

    threads = [threading.Thread(target=send_huge) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 4
    for elapsed, answer in results:
        assert elapsed < 5, elapsed  # refused after about MAX_HEAD_BYTES, then 1 s of lingering
        assert answer == b"" or status_of(answer) == 431
    assert rss_bytes(server.proc.pid) - before < 32 * MiB
    assert httpx.get(server.url + "/api/info?apiVersion", timeout=5).status_code == 200


def test_a_client_that_never_finishes_its_headers_is_closed(server):
    with connect(server, timeout=HEAD_TIMEOUT_S + 5) as sock:
        sock.sendall(b"GET /api/info?apiVer")
        started = time.monotonic()
        answer = read_answer(sock)
        waited = time.monotonic() - started
    assert HEAD_TIMEOUT_S - 1 < waited < HEAD_TIMEOUT_S + 2, waited
    assert status_of(answer) == 408 and b'"code": 408' in answer


def test_a_kept_alive_connection_gets_the_same_deadline_for_its_next_request(server):
    with connect(server, timeout=HEAD_TIMEOUT_S + 5) as sock:
        sock.sendall(request())
        first = sock.recv(65536)
        assert status_of(first) == 200
        sock.sendall(b"GET /api/info HTTP/1.1\r\nHost: 1")
        started = time.monotonic()
        answer = read_answer(sock)
        assert time.monotonic() - started < HEAD_TIMEOUT_S + 2
    assert status_of(answer) == 408


def test_200_slow_clients_neither_delay_others_nor_grow_the_server(server):
    before = rss_bytes(server.proc.pid)
    slow = [connect(server, timeout=HEAD_TIMEOUT_S + 5) for _ in range(200)]
    try:
        for i, sock in enumerate(slow):
            sock.sendall(f"GET /api/info?apiVersion HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-{i}: ".encode())
        opened = time.monotonic()
        for _ in range(3):  # answered within the second, each time, while all 200 are held
            started = time.monotonic()
            r = httpx.get(server.url + "/api/info?apiVersion", timeout=1.0)
            assert r.status_code == 200 and time.monotonic() - started < 1.0
        assert rss_bytes(server.proc.pid) - before < 16 * MiB
        for sock in slow:  # every one is answered 408 and closed at its deadline
            assert status_of(read_answer(sock)) == 408
        assert time.monotonic() - opened < HEAD_TIMEOUT_S + 3
    finally:
        for sock in slow:
            sock.close()
