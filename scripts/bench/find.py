"""Benchmark of /api/find?what=carNo and what=similarCarNo on a million plates.

Creates a throw-away data directory with the real schema, bulk-loads plate rows with sqlite3,
then times requests through the real app (Starlette TestClient, so routing, auth, parameter
parsing, queries and JSON all count) and compares them with a bare LIKE count over the same
table, timed in the same process.

    .venv/bin/python scripts/bench/find.py [--rows 1000000] [--queries 40] [--export-rows 100000] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import random
import shutil
import sqlite3
import statistics
import string
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
warnings.filterwarnings("ignore", message="Using `httpx` with")

from starlette.testclient import TestClient  # noqa: E402

from storage import plate_fts, users  # noqa: E402
from storage import settings as settings_file  # noqa: E402
from tsnvr.database import open_database  # noqa: E402
from tsnvr.server import Runtime  # noqa: E402

START_MS = 1_704_085_200_000  # 2024-01-01T00:00:00-05:00
YEAR_MS = 365 * 86_400_000
PASSWORD = "bench-password-1"
LETTERS, DIGITS = string.ascii_uppercase, string.digits
CONFUSABLE_SWAP = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5", "2": "Z", "Z": "2"}


def random_plate(rng: random.Random) -> str:
    """A mix of plate shapes: ABC1234 (US-like), 12AB345, 12가3456 (Korean), free 5-8 characters."""
    def pick(alphabet: str, k: int) -> str:
        return "".join(rng.choices(alphabet, k=k))

    r = rng.random()
    if r < 0.45:
        return pick(LETTERS, 3) + pick(DIGITS, 4)
    if r < 0.75:
        return pick(DIGITS, 2) + pick(LETTERS, 2) + pick(DIGITS, 3)
    if r < 0.9:
        return pick(DIGITS, 2) + pick("가나다라마거너더러머버서어저고노도로모보소오조", 1) + pick(DIGITS, 4)
    return pick(LETTERS + DIGITS, rng.randint(5, 8))


def plate_rows(count: int, rng: random.Random) -> Iterator[tuple]:
    """Reads in time order; about 40% of them are cars seen before."""
    fleet: list[str] = []
    step = YEAR_MS // count
    for i in range(count):
        if fleet and rng.random() < 0.4:
            plate = rng.choice(fleet)
        else:
            plate = random_plate(rng)
            fleet.append(plate)
        begin = START_MS + i * step + rng.randrange(step)
        src = rng.choice(("gate-a", "gate-b", "gate-c"))
        channels = rng.choice((",1,", ",2,", ",1,2,"))
        images = f'["images/{i // 1000}/{i}.jpg"]'
        yield (plate, plate, round(rng.uniform(60, 100), 1), 10, 20, 120, 30, begin, begin + rng.randrange(500, 5000),
               src, "", rng.choice(("entry", "exit", None)), images, channels, None)


def bulk_load(db_path: Path, count: int, rng: random.Random) -> tuple[float, list[str]]:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    started = time.perf_counter()
    rows = list(plate_rows(count, rng))
    with plate_fts.bulk_loading(conn):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO plate_log (plate_no, plate_key, score, roi_x, roi_y, roi_w, roi_h, begin_ms, end_ms, "
            "src_code, src_name, direction, images, channels, chid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started, [r[1] for r in rows]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def per_keyword(fn: Callable[[str], object], keywords: list[str]) -> list[float]:
    return [timed(lambda k=k: fn(k), 1)[0] for k in keywords]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--export-rows", type=int, default=100_000, help="0 skips the export timing")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    rng = random.Random(1)
    data_dir = Path(tempfile.mkdtemp(prefix="tsnvr-bench-find-"))
    try:
        settings_file.write_file(data_dir / settings_file.SETTINGS_FILE,
                                 {"timezone": "America/New_York", "find_max_count": 1000})
        settings = settings_file.load(data_dir, env={})
        db = open_database(settings)
        users.add(db, "bench", PASSWORD, users.ALL_RIGHTS)
        db.dispose()
        load_s, keys = bulk_load(data_dir / "tsnvr.db", args.rows, rng)
        print(f"loaded {args.rows:,} plates in {load_s:.1f} s ({data_dir})")
        run(settings, keys, args, rng)
    finally:
        if args.keep:
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def keyword_sets(keys: list[str], rng: random.Random, n: int) -> dict[str, list[str]]:
    def piece(length: int) -> str:
        key = rng.choice(keys)
        start = rng.randrange(max(1, len(key) - length + 1))
        return key[start:start + length]

    return {
        "keyword 3-5 chars (index)": [piece(rng.randint(3, 5)) for _ in range(n)],
        "keyword 1-2 chars (scan)": [piece(rng.randint(1, 2)) for _ in range(n)],
        "keyword full plate": [rng.choice(keys) for _ in range(n)],
        "keyword not found": ["".join(rng.choices(LETTERS, k=4)) + "Q" for _ in range(n)],
    }


def mutate(key: str, rng: random.Random) -> str:
    i = rng.randrange(len(key))
    swap = CONFUSABLE_SWAP.get(key[i]) if rng.random() < 0.5 else None
    return key[:i] + (swap or rng.choice(LETTERS + DIGITS)) + key[i + 1:]


def run(settings: settings_file.Settings, keys: list[str], args: argparse.Namespace, rng: random.Random) -> None:
    auth = base64.b64encode(f"bench:{PASSWORD}".encode()).decode()
    runtime = Runtime(settings)
    reference = sqlite3.connect(settings.data_dir / "tsnvr.db")
    results: list[tuple[str, list[float]]] = []
    with TestClient(runtime.app) as client:
        def find(**params: object) -> dict:
            r = client.get("/api/find", params={"auth": auth, **params})
            assert r.status_code == 200, r.text
            return r.json()

        find(what="carNo")  # warm-up: sign-in check, connections
        sets = keyword_sets(keys, rng, args.queries)
        ref_samples: list[float] = []
        for name, keywords in sets.items():
            results.append((f"carNo {name}", per_keyword(lambda k: find(what="carNo", keyword=k), keywords)))
            ref_samples += per_keyword(
                lambda k: reference.execute("SELECT count(*) FROM plate_log WHERE plate_key LIKE ?",
                                            (f"%{k}%",)).fetchone(), keywords)
        results.append(("carNo no keyword (newest 50)", timed(lambda: find(what="carNo"), args.queries)))
        month = {"timeBegin": "2024-06-01T00:00:00", "timeEnd": "2024-06-30T23:59:59.999"}
        results.append(("carNo keyword + one month", per_keyword(
            lambda k: find(what="carNo", keyword=k, **month), sets["keyword 3-5 chars (index)"])))
        deep = len(keys) // 2
        results.append((f"carNo deep page at={deep}", timed(lambda: find(what="carNo", at=deep), 5)))

        cold = timed(lambda: find(what="similarCarNo", keyword=keys[0]), 1)[0]
        similar_keywords = [mutate(rng.choice(keys), rng) for _ in range(args.queries)]
        results.append(("similarCarNo (warm)", per_keyword(lambda k: find(what="similarCarNo", keyword=k),
                                                            similar_keywords)))
        results.append(("reference: bare LIKE count", ref_samples))

        print(f"\n{'query':36} {'p50 ms':>9} {'p95 ms':>9} {'p50 / ref p50':>14}")
        ref_p50 = p50_p95(ref_samples)[0]
        for name, samples in results:
            p50, p95 = p50_p95(samples)
            print(f"{name:36} {p50:9.2f} {p95:9.2f} {p50 / ref_p50:14.3f}")
        print(f"similarCarNo first query (loads the index of distinct plates): {cold:.0f} ms")

        if args.export_rows:
            bench_export(find, args.export_rows, args.rows)
    reference.close()


def bench_export(find: Callable[..., object], export_rows: int, total_rows: int) -> None:
    """Export about export_rows plates (a time range from the start of the year)."""
    span_ms = int(YEAR_MS * min(1.0, export_rows / total_rows))
    from web.core.timefmt import format_ms

    end = format_ms(START_MS + span_ms - 1, None)
    started = time.perf_counter()
    urls = find(what="carNo", export="true", timeBegin="2024-01-01T00:00:00", timeEnd=end)
    seconds = time.perf_counter() - started
    print(f"export of ~{export_rows:,} plates to {len(urls)} .xlsx file(s): {seconds:.1f} s "
          f"({export_rows / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
