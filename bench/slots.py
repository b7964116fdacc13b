"""Bookings benchmark: slot computation speed, and 50 people booking one slot at once on PostgreSQL.

    .venv/bin/python bench/slots.py                       # slot computation only
    BENCH_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1/postgres .venv/bin/python bench/slots.py

With a PostgreSQL server URL (BENCH_DATABASE_URL, else TEST_DATABASE_URL) a scratch database is
created, migrated, used for the concurrent run and dropped again.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.bookings.slots import Rules, Window, compute_slots  # noqa: E402

TARGET_MS = 5.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def bench_slots(runs: int = 300) -> dict[str, float]:
    """60 days, 3 windows a day, 200 existing bookings, Europe/Berlin across the March DST switch."""
    rules = Rules(
        zone="Europe/Berlin", slot_minutes=30, buffer_before_minutes=5, buffer_after_minutes=10,
        min_notice_hours=24, horizon_days=60,
        windows=tuple(Window(d, s, e) for d in range(7) for s, e in ((540, 660), (720, 840), (900, 1020))),
    )
    now = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    free = compute_slots(rules, [], now)
    rng = random.Random(4)
    busy = [(s.starts_at, s.ends_at) for s in rng.sample(free, 200)]
    result = compute_slots(rules, busy, now)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        compute_slots(rules, busy, now)
        timings.append((time.perf_counter() - started) * 1000)
    return {"candidates": len(free), "free": len(result), "mean_ms": statistics.mean(timings),
            "median_ms": statistics.median(timings), "p99_ms": percentile(timings, 99), "runs": runs}


def bench_race(server_url: str, rounds: int = 5, crowd_size: int = 50) -> dict[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from lms.db import make_engine
    from lms.migrate import upgrade
    from tests.bookings import race

    server = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"lms_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    latencies: list[float] = []
    counts: list[int] = []
    statuses: dict[int, int] = {}
    try:
        with engine.begin() as connection:
            upgrade(url, connection)
        app = race.make_app(engine, url)
        for _ in range(rounds):
            crowd = race.setup_crowd(engine, crowd_size, "gold")
            slot = race.first_slot(engine, crowd)
            race.run_crowd(app, crowd, "/bookings/book", {"starts_at": slot.starts_at.isoformat()})
            counts.append(race.count_bookings(engine, crowd, slot.starts_at))
            for status, _, seconds in crowd.results:
                latencies.append(seconds * 1000)
                statuses[status] = statuses.get(status, 0) + 1
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {"rounds": rounds, "crowd": crowd_size, "bookings_per_round": counts, "statuses": statuses,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99), "max_ms": max(latencies)}


def main() -> int:
    slots = bench_slots()
    verdict = "OK" if slots["median_ms"] < TARGET_MS else "SLOWER THAN TARGET"
    print(f"slots: 60 days x 3 windows, 200 bookings -> {slots['free']} free of {slots['candidates']} slots; "
          f"median {slots['median_ms']:.2f} ms, mean {slots['mean_ms']:.2f} ms, p99 {slots['p99_ms']:.2f} ms "
          f"over {slots['runs']} runs (target < {TARGET_MS:.0f} ms: {verdict})")
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server:
        print("race: skipped (set BENCH_DATABASE_URL to a PostgreSQL server)")
        return 0 if verdict == "OK" else 1
    result = bench_race(server)
    print(f"race: {result['rounds']} rounds of {result['crowd']} threads booking one slot -> bookings per round "
          f"{result['bookings_per_round']}, responses {result['statuses']}; latency p50 {result['p50_ms']:.0f} ms, "
          f"p99 {result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms")
    ok = verdict == "OK" and all(c == 1 for c in result["bookings_per_round"]) and 500 not in result["statuses"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
