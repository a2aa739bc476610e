"""Benchmark of the plate keyword search on PostgreSQL: with the pg_trgm GIN index, then without it.

Creates a throw-away database on the server of --url (a URL of its maintenance database, as
scripts/lib/postgres.sh's TSNVR_TEST_DATABASE_URL), makes the real schema, loads plate rows with
COPY, then times storage.plate_search.search_plates (the query /api/find?what=carNo runs: count
and the newest page) for the same keywords with the index and after dropping it, and prints
p50/p95 and the ratio.

    . scripts/lib/venv.sh && . scripts/lib/postgres.sh && start_test_postgres
    .venv/bin/python scripts/bench/find_postgresql.py --url "$TSNVR_TEST_DATABASE_URL" [--rows 1000000]
    stop_test_postgres
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import psycopg  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from scripts.bench.find import keyword_sets, p50_p95, per_keyword, plate_rows  # noqa: E402
from storage import plate_fts, schema  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.plate_search import PlateFilter, search_plates  # noqa: E402

COLUMNS = ("plate_no, plate_key, score, roi_x, roi_y, roi_w, roi_h, begin_ms, end_ms, src_code, src_name, "
           "direction, images, channels, chid")


def load(url: str, count: int, rng: random.Random) -> tuple[float, list[str]]:
    started = time.perf_counter()
    rows = list(plate_rows(count, rng))
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY plate_log ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE plate_log")
    return time.perf_counter() - started, [r[1] for r in rows]


def timings(db: Database, keywords: dict[str, list[str]]) -> dict[str, list[float]]:
    def search(keyword: str) -> object:
        return search_plates(db, PlateFilter(keyword=keyword), 0, 50)

    return {name: per_keyword(search, words) for name, words in keywords.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the server's maintenance database")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(1)
    server = create_engine(args.url, isolation_level="AUTOCOMMIT")
    name = "tsnvr_bench_find"
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    try:
        db = Database(url)
        schema.upgrade(db)
        load_s, keys = load(url, args.rows, rng)
        print(f"loaded {args.rows:,} plates in {load_s:.1f} s")
        keywords = {k: v for k, v in keyword_sets(keys, rng, args.queries).items() if "scan" not in k}
        search_plates(db, PlateFilter(keyword="WARM"), 0, 50)
        indexed = timings(db, keywords)
        with db.write_engine.begin() as conn:
            plate_fts.drop_trigram_index(conn)
        scanned = timings(db, keywords)
        db.dispose()
        print(f"\n{'search_plates (count + newest 50)':36} {'GIN p50':>9} {'GIN p95':>9} {'scan p50':>9} "
              f"{'scan p95':>9} {'scan/GIN':>9}")
        for label in keywords:
            (gp50, gp95), (sp50, sp95) = p50_p95(indexed[label]), p50_p95(scanned[label])
            print(f"{label:36} {gp50:9.2f} {gp95:9.2f} {sp50:9.2f} {sp95:9.2f} {sp50 / gp50:9.1f}")
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.dispose()


if __name__ == "__main__":
    main()
