"""Event fan-out under many subscribers: a real `tsnvr serve` on 127.0.0.1, N real WebSocket
subscribers to `LPR` (websockets' client protocol on asyncio, over a few client processes), and plates
pushed to `POST /api/push` at a fixed rate. Each plate number carries its sequence number; the
delivery delay of a message is its arrival time minus the time its push was sent.

For each N it prints the delivery delay (p50/p95/p99/max), the push latency (p50/p99/max, and
pushes unanswered within 60 s), the messages lost (expected minus received, over subscribers
still connected; subscribers the server dropped are counted apart), the server's CPU (% of one
core) while pushing, its CPU time per message delivered (µs/msg: the pushes' own work included,
and the figure least disturbed by other load on the machine) and the clients' CPU time. Delays
include the clients' own lag: the clients share the machine with the server.

Goal at 1,000 subscribers and 20 events/s: p99 delivery <= 100 ms, pushes answered in <= 50 ms,
nothing lost; at 5,000, nothing lost for subscribers that keep up.

    .venv/bin/python scripts/bench/events.py [--subscribers 100,1000,5000] [--rate 20] [--events 200]
        [--clients 0 (auto)] [--no-deflate]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Close, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "bench-Secret-1"
AUTH = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
PLATE_MARK = b'"plateNo":"B'  # plate numbers are B<sequence>
CONNECT_AT_ONCE = 50  # handshakes in flight per client process
PUSH_TIMEOUT_S = 60.0
DRAIN_S = 60.0  # how long after the last push the subscribers may take to receive everything


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ClientReport:
    arrivals: list[list[tuple[int, float]]]  # per connection: (sequence, arrival wall time)
    closed: list[int | None]  # per connection: the close code if the server closed it
    cpu_s: float


class Subscriber(asyncio.Protocol):
    """One WebSocket subscriber: websockets' sans-I/O client protocol on an asyncio transport, a
    few µs a message, so that the clients leave the machine's CPU to the server."""

    def __init__(self, url: str, events: int, deflate: bool) -> None:
        loop = asyncio.get_running_loop()
        extensions = [ClientPerMessageDeflateFactory()] if deflate else None
        self.protocol = ClientProtocol(parse_uri(url), extensions=extensions, max_size=None)
        self.events = events
        self.arrivals: list[tuple[int, float]] = []
        self.close_code: int | None = None
        self.greeted: asyncio.Future[None] = loop.create_future()  # {"subscriberId", "topics"} read
        self.finished: asyncio.Future[None] = loop.create_future()  # every event, or the end
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self.flush()

    def flush(self) -> None:
        assert self.transport is not None
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        at = time.time()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if event.status_code != 101:
                    self.fail(RuntimeError(f"handshake answered {event.status_code}"))
            elif event.opcode is Opcode.TEXT:
                if not self.greeted.done():
                    self.greeted.set_result(None)
                    continue
                text = event.data
                start = text.find(PLATE_MARK)
                if start >= 0:
                    start += len(PLATE_MARK)
                    self.arrivals.append((int(text[start:text.index(b'"', start)]), at))
            elif event.opcode is Opcode.CLOSE:
                self.close_code = Close.parse(event.data).code if event.data else 1005
        self.flush()  # pongs, the close reply
        if len(self.arrivals) >= self.events and not self.finished.done():
            self.finished.set_result(None)

    def fail(self, exc: BaseException) -> None:
        if not self.greeted.done():
            self.greeted.set_exception(exc)
        if not self.finished.done():
            self.finished.set_result(None)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self.close_code is None and self.greeted.done():
            self.close_code = 1006
        self.fail(exc or ConnectionError("closed"))


async def subscriber_group(url: str, count: int, events: int, wait_s: float, ready: Any, go: Any,
                           deflate: bool) -> ClientReport:
    loop = asyncio.get_running_loop()
    address = urlsplit(url)
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)

    async def open_one() -> Subscriber:
        async with gate:
            for attempt in range(5):
                try:
                    _, sub = await loop.create_connection(lambda: Subscriber(url, events, deflate),
                                                          address.hostname, address.port)
                    await asyncio.wait_for(sub.greeted, 60)
                    return sub
                except (OSError, RuntimeError, TimeoutError):
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.5)
            raise AssertionError("unreachable")

    subs = list(await asyncio.gather(*(open_one() for _ in range(count))))
    ready.put(count)
    await loop.run_in_executor(None, go.wait)
    cpu = time.process_time()
    await asyncio.wait([sub.finished for sub in subs], timeout=wait_s)
    cpu = time.process_time() - cpu
    for sub in subs:
        if sub.transport is not None:
            sub.transport.close()
    return ClientReport([sub.arrivals for sub in subs], [sub.close_code for sub in subs], cpu)


def client_process(url: str, count: int, events: int, wait_s: float, ready: Any, go: Any, results: Any,
                   deflate: bool) -> None:
    try:
        results.put(asyncio.run(subscriber_group(url, count, events, wait_s, ready, go, deflate)))
    except BaseException as exc:  # tell the parent rather than leave it waiting
        ready.put(-1)
        results.put(exc)


class Server:
    """`tsnvr serve` in its own data directory."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (folder / "server.log").open("wb")
        env = {**os.environ, "TSNVR_ADMIN_PASSWORD": PASSWORD}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tsnvr", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data", str(folder / "data"), "--no-demo"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {folder / 'server.log'}")
            try:
                if httpx.get(self.url + "/api/info?apiVersion", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.process = psutil.Process(self.proc.pid)

    def cpu_s(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def push_plates(url: str, events: int, rate: float) -> tuple[dict[int, float], list[float], int]:
    """Push B0..B<events-1> at `rate` a second, each on time whatever the previous ones take.
    Returns the send times, the latencies of the answered pushes and the count unanswered."""
    sent: dict[int, float] = {}
    latencies: list[float] = []
    unanswered = 0
    lock = threading.Lock()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with httpx.Client(base_url=url, auth=("admin", PASSWORD), timeout=PUSH_TIMEOUT_S, limits=limits) as http:
        def push(seq: int) -> None:
            nonlocal unanswered
            body = {"topic": "LPR", "src": "BENCH", "plateNo": f"B{seq}"}
            start = time.time()
            sent[seq] = start
            try:
                r = http.post("/api/push", json=body)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            with lock:
                if ok:
                    latencies.append(time.time() - start)
                else:
                    unanswered += 1

        http.post("/api/push", json={"topic": "LPR", "src": "BENCH", "plateNo": "WARMUP"})  # sign-in cached
        with ThreadPoolExecutor(max_workers=64) as pool:
            t0 = time.monotonic()
            for seq in range(events):
                pause = t0 + seq / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                pool.submit(push, seq)
    return sent, latencies, unanswered


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1]


def run(subscribers: int, rate: float, events: int, clients: int, deflate: bool) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="tsnvr-bench-events-"))
    server = Server(folder)
    ctx = mp.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    url = server.url.replace("http", "ws", 1) + f"/wsapi/subscribeEvents?topics=LPR&auth={AUTH}"
    shares = [subscribers // clients + (i < subscribers % clients) for i in range(clients)]
    wait_s = events / rate + PUSH_TIMEOUT_S + DRAIN_S
    procs = [ctx.Process(target=client_process, args=(url, n, events, wait_s, ready, go, results, deflate),
                         daemon=True) for n in shares if n]
    try:
        for p in procs:
            p.start()
        connected = 0
        for _ in procs:
            n = ready.get(timeout=600)
            if n < 0:
                raise RuntimeError(f"a client process failed: {results.get(timeout=10)!r}")
            connected += n
        cpu0, wall0 = server.cpu_s(), time.monotonic()
        go.set()
        sent, latencies, unanswered = push_plates(server.url, events, rate)
        cpu_push = (server.cpu_s() - cpu0) / (time.monotonic() - wall0)
        reports: list[ClientReport] = []
        for _ in procs:
            item = results.get(timeout=events / rate + PUSH_TIMEOUT_S + DRAIN_S + 120)
            if isinstance(item, BaseException):
                raise RuntimeError(f"a client process failed: {item!r}")
            reports.append(item)
        cpu_all_s = server.cpu_s() - cpu0
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    delays: list[float] = []
    lost = dropped = 0
    codes: dict[int, int] = {}
    for report in reports:
        for got, code in zip(report.arrivals, report.closed, strict=True):
            seqs = {seq for seq, _ in got}
            delays.extend(at - sent[seq] for seq, at in got if seq in sent)
            if code is None:
                lost += events - len(seqs)
            else:
                dropped += 1
                codes[code] = codes.get(code, 0) + 1
    return {
        "subscribers": connected, "rate": rate, "events": events,
        "delay_ms": [1000 * percentile(delays, q) for q in (50, 95, 99)] + [1000 * max(delays, default=0)],
        "push_ms": [1000 * percentile(latencies, q) for q in (50, 99)] + [1000 * max(latencies, default=0)],
        "unanswered": unanswered, "lost": lost, "dropped": dropped, "codes": codes,
        "server_cpu_push": 100 * cpu_push,
        "server_us_per_message": 1e6 * cpu_all_s / max(len(delays), 1),  # pushes' own work included
        "client_cpu_s": sum(r.cpu_s for r in reports),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", default="100,1000,5000")
    parser.add_argument("--rate", type=float, default=20.0, help="pushes a second")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--clients", type=int, default=0,
                        help="client processes (0: one per 1,000 subscribers, at most 4)")
    parser.add_argument("--no-deflate", action="store_true", help="clients do not offer permessage-deflate")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server and the clients inherit it
    print(f"tsnvr event fan-out: LPR subscribers, {args.events} plates pushed at {args.rate:g}/s, "
          f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} before), "
          f"permessage-deflate {'not offered' if args.no_deflate else 'offered'}")
    header = (f"{'subs':>6} {'delay p50':>10} {'p95':>8} {'p99':>8} {'max':>8} | {'push p50':>9} {'p99':>7} "
              f"{'max':>7} {'unanswered':>10} | {'lost':>5} {'dropped':>7} | {'server CPU':>10} {'µs/msg':>7} "
              f"| {'client CPU':>10}")
    print(header)
    print("-" * len(header))
    for n in (int(x) for x in args.subscribers.split(",")):
        clients = args.clients or min(4, max(1, round(n / 1000)))
        r = run(n, args.rate, args.events, clients, not args.no_deflate)
        d, p = r["delay_ms"], r["push_ms"]
        dropped = f"{r['dropped']}" + (f" {r['codes']}" if r["codes"] else "")
        print(f"{r['subscribers']:>6} {d[0]:>8.1f}ms {d[1]:>6.1f}ms {d[2]:>6.1f}ms {d[3]:>6.0f}ms | "
              f"{p[0]:>7.1f}ms {p[1]:>5.1f}ms {p[2]:>5.0f}ms {r['unanswered']:>10} | {r['lost']:>5} {dropped:>7} | "
              f"{r['server_cpu_push']:>9.0f}% {r['server_us_per_message']:>7.1f} | {r['client_cpu_s']:>9.1f}s",
              flush=True)


if __name__ == "__main__":
    main()
