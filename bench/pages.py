"""Pages benchmark: the portal under gunicorn on a PostgreSQL database at scale (`flask demo scale`).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1/scale_bench \
        .venv/bin/python bench/pages.py [--seconds 8] [--clients 8] [--workers 2] [--port 5104] [--only /home]

Measures in one run, each for a bounded time: the bare-Flask ceiling (`/_bare/`, a one-route Flask app in the
same gunicorn), the signed-in floor (`/`: loads the user and redirects) and every list and agenda page, with
`--clients` threads sending requests back to back (http.client, one connection per request: gunicorn's sync
workers close it), then one client alone. Prints a Markdown table: req/s, p50/p95/p99 at N clients, p95 with
one client, req/s as a share of the floor, SQL queries per request (`X-Queries`, see bench/pages_wsgi.py) and
HTML size. Needs the `bench` extra (gunicorn, pyinstrument): `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "portal-demo-2026"
ACCOUNTS = {"partner": "gold@example.com", "manager": "anna.berg@example.com", "admin": "admin@example.com"}
GOALS = {"partner": 0.40, "manager": 0.20, "admin": 0.20}


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    role: str | None  # who is signed in; None: nobody


TARGETS = [
    Target("bare Flask ceiling", "/_bare/", None),
    Target("signed-in floor (/ redirects)", "/", "manager"),
    Target("partner home", "/home", "partner"),
    Target("partner check-in plan", "/checkins/plan", "partner"),
    Target("partner courses", "/courses/", "partner"),
    Target("manager partners", "/partners/", "manager"),
    Target("manager calls agenda", "/bookings/agenda", "manager"),
    Target("manager check-ins agenda", "/checkins/", "manager"),
    Target("manager support", "/checkins/support", "manager"),
    Target("admin partners", "/partners/", "admin"),
    Target("admin partners, page 60", "/partners/?page=60", "admin"),
    Target("admin users", "/admin/users", "admin"),
    Target("admin audit log", "/admin/audit", "admin"),
]


def request(port: int, path: str, cookie: str = "", method: str = "GET", body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data


def sign_in(port: int, email: str) -> str:
    response, page = request(port, "/login")
    cookie = SimpleCookie(response.getheader("Set-Cookie") or "")
    jar = "; ".join(f"{k}={v.value}" for k, v in cookie.items())
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    response, _ = request(port, "/login", jar, "POST", urlencode({"csrf_token": token, "email": email,
                                                                  "password": PASSWORD}))
    if response.status != 302:
        raise SystemExit(f"sign-in as {email} failed: {response.status}")
    cookie.load(response.getheader("Set-Cookie") or "")
    return "; ".join(f"{k}={v.value}" for k, v in cookie.items())


def load(port: int, path: str, cookie: str, clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            response, _ = request(port, path, cookie)
            mine.append(time.perf_counter() - started)
            if response.status >= 400:
                errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0


def wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            request(port, "/_bare/")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5104)
    parser.add_argument("--only", action="append", help="measure only these paths (and the floor)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        raise SystemExit("set BENCH_DATABASE_URL to a PostgreSQL database grown with `flask demo scale`")
    env = dict(os.environ, DATABASE_URL=url, LMS_ENV="production", SECRET_KEY="bench-only-secret",
               PYTHONPATH=str(REPO))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
         "--log-level", "warning", "bench.pages_wsgi:app"], cwd=REPO, env=env,
    )
    try:
        wait_until_up(args.port)
        cookies = {role: sign_in(args.port, email) for role, email in ACCOUNTS.items()}
        targets = [t for t in TARGETS if not args.only or t.path in args.only or t.label.startswith(("bare", "signed"))]
        rows, floor = [], None
        for target in targets:
            cookie = cookies.get(target.role, "") if target.role else ""
            response, html = request(args.port, target.path, cookie)  # warm up, and the size and query count
            if response.status != 200 and target.path != "/":
                print(f"{target.path}: HTTP {response.status}", file=sys.stderr)
            latencies, errors = load(args.port, target.path, cookie, args.clients, args.seconds)
            alone, _ = load(args.port, target.path, cookie, 1, args.seconds / 2)
            rate = len(latencies) / args.seconds
            if target.label.startswith("signed-in floor"):
                floor = rate
            rows.append((target, rate, pct(latencies, 50), pct(latencies, 95), pct(latencies, 99), pct(alone, 95),
                         response.getheader("X-Queries", "-"), len(html), errors))
            print(f"  measured {target.label}: {rate:.0f} req/s", file=sys.stderr)
        print(f"\n{args.clients} clients, {args.workers} gunicorn sync workers, {args.seconds:.0f} s per page "
              f"(+ {args.seconds / 2:.0f} s with 1 client)\n")
        print("| page | role | req/s | p50 ms | p95 ms | p99 ms | p95 ms, 1 client | vs floor | queries | HTML KB |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for target, rate, p50, p95, p99, alone95, queries, size, errors in rows:
            share = f"{rate / floor:.0%}" if floor else "-"
            goal = GOALS.get(target.role or "", 0)
            flag = "" if not goal or target.label.startswith("signed") or not floor or rate / floor >= goal else " ✗"
            print(f"| {target.label} `{target.path}` | {target.role or '-'} | {rate:.0f} | {p50:.0f} | {p95:.0f} | "
                  f"{p99:.0f} | {alone95:.0f} | {share}{flag} | {queries} | {size / 1024:.0f} |"
                  + (f" {errors} errors" if errors else ""))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
