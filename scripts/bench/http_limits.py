"""What abusive clients cost a real `tsnvr serve` on 127.0.0.1 (tsnvr/http_limits.py's bounds):

1. N clients each sending a header of SIZE MiB: how long until each connection is ended, and the
   server's resident memory before and after;
2. M clients that open a connection, send half a request and wait: the server's memory while they
   are held, the latency of normal requests meanwhile (p50/max of 20), and how long until the
   server has closed them all.

    .venv/bin/python scripts/bench/http_limits.py [--huge 4] [--size 64] [--slow 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TSNVR_ADMIN_PASSWORD": "bench-Secret-1"}
    proc = subprocess.Popen([sys.executable, "-m", "tsnvr", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--data", str(data_dir), "--no-demo"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/info?apiVersion", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def huge_header(port: int, size: int, out: list[float]) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Huge: ")
            piece = b"h" * (64 * 1024)
            for _ in range(size // len(piece)):
                sock.sendall(piece)
            while sock.recv(65536):
                pass
        except OSError:
            pass
    out.append(time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--huge", type=int, default=4)
    parser.add_argument("--size", type=int, default=64, help="MiB per huge header")
    parser.add_argument("--slow", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tsnvr-bench-limits-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        port = free_port()
        proc = start_server(data_dir, port)
        url = f"http://127.0.0.1:{port}/api/info?apiVersion"
        try:
            before = rss_mb(proc.pid)
            times: list[float] = []
            threads = [threading.Thread(target=huge_header, args=(port, args.size * MiB, times))
                       for _ in range(args.huge)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(f"{args.huge} x {args.size} MiB header: connections ended after "
                  f"{min(times):.2f}-{max(times):.2f} s; server RSS {before:.0f} -> {rss_mb(proc.pid):.0f} MB")

            before = rss_mb(proc.pid)
            opened = time.monotonic()
            slow = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(args.slow)]
            for sock in slow:
                sock.sendall(b"GET /api/info?apiVersion HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            latencies = []
            for _ in range(20):
                started = time.monotonic()
                httpx.get(url, timeout=10)
                latencies.append((time.monotonic() - started) * 1000)
            held = rss_mb(proc.pid)
            for sock in slow:
                while sock.recv(65536):
                    pass
            closed = time.monotonic() - opened
            for sock in slow:
                sock.close()
            print(f"{args.slow} slow clients: normal request p50 {statistics.median(latencies):.1f} ms, "
                  f"max {max(latencies):.1f} ms; server RSS {before:.0f} -> {held:.0f} MB while held; "
                  f"all closed by the server after {closed:.1f} s")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
