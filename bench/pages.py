"""Pages benchmark: the portal as deployed (`make serve-prod`) on a PostgreSQL database at scale (`flask demo scale`).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1/scale_bench \
        .venv/bin/python bench/pages.py [--seconds 8] [--clients 8] [--workers 2] [--port 5104] [--only /home]

Starts `.ci/serve-prod` (gunicorn with lms/ops/gunicorn_conf.py, Redis, migrations first; the request log goes
to --log) on --port, and on --port + 1 the measuring aids (bench/pages_wsgi.py, same worker count): a bare
one-route Flask app at `/_bare/` (the ceiling of the set-up) and the portal with an `X-Queries` header (the SQL
statements each page runs; production has no such header). Then measures in one run, each for a bounded time:
the ceiling, the signed-in floor (`/`: loads the user and redirects) and every page of the three roles on
serve-prod, with `--clients` threads sending requests back to back (http.client, a connection per request),
then one client alone. Prints a Markdown table: req/s, p50/p95/p99 at N clients, p95 with one client, req/s
as a share of the floor, queries per request and HTML size; a ✗ marks a goal missed. Needs the `bench` extra
(gunicorn, limits[redis], pyinstrument): `pip install -e '.[bench]'`.
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
    Target("partner kickoff", "/bookings/", "partner"),
    Target("partner leads", "/leads/", "partner"),
    Target("partner plan", "/plans/", "partner"),
    Target("partner workspace", "/workspace/", "partner"),
    Target("manager dashboard", "/dashboard/", "manager"),
    Target("manager partners by health", "/dashboard/partners?sort=health", "manager"),
    Target("manager partner timeline", "/dashboard/partners/{partner}", "manager"),
    Target("manager partners", "/partners/", "manager"),
    Target("manager calls agenda", "/bookings/agenda", "manager"),
    Target("manager check-ins agenda", "/checkins/", "manager"),
    Target("manager support", "/checkins/support", "manager"),
    Target("manager leads", "/leads/", "manager"),
    Target("manager survey insights", "/surveys/insights", "manager"),
    Target("manager plans", "/plans/", "manager"),
    Target("admin dashboard", "/dashboard/", "admin"),
    Target("admin partners", "/partners/", "admin"),
    Target("admin partners, page 60", "/partners/?page=60", "admin"),
    Target("admin users", "/admin/users", "admin"),
    Target("admin audit log", "/admin/audit", "admin"),
    Target("admin leads", "/leads/", "admin"),
    Target("admin survey comments", "/surveys/comments", "admin"),
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


def wait_until_up(port: int, path: str, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the server on :{port} exited with {server.returncode} (see --log)")
        try:
            request(port, path)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on :{port}")


def demo_partner_id(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT partner_id FROM users WHERE email = :e"), {"e": ACCOUNTS["partner"]})
    engine.dispose()
    return found


def start_servers(args, url: str, log) -> tuple[subprocess.Popen, subprocess.Popen]:
    """The portal as deployed (`make serve-prod`) on --port; the bench app (ceiling, X-Queries) on --port + 1."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench-only-secret", PYTHONPATH=str(REPO))
    env.pop("FLASK_APP", None)
    prod = subprocess.Popen(
        [str(REPO / ".ci/serve-prod")], cwd=REPO, stdout=log, stderr=log,
        env=dict(env, PORT=str(args.port), HOST="127.0.0.1", WEB_CONCURRENCY=str(args.workers),
                 BASE_URL=f"http://127.0.0.1:{args.port}"),
    )
    aids = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port + 1}",
         "--log-level", "warning", "bench.pages_wsgi:app"], cwd=REPO, stdout=log, stderr=log,
        env=dict(env, LMS_ENV="production", BASE_URL=f"http://127.0.0.1:{args.port + 1}"),
    )
    return prod, aids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5104, help="serve-prod's port; the measuring aids use the next")
    parser.add_argument("--only", action="append", help="measure only these paths (and the floor)")
    parser.add_argument("--log", default="/tmp/bench-pages-server.log", help="where the servers' logs go")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        raise SystemExit("set BENCH_DATABASE_URL to a PostgreSQL database grown with `flask demo scale`")
    partner = demo_partner_id(url)
    with open(args.log, "w") as log:
        prod, aids = start_servers(args, url, log)
        try:
            wait_until_up(args.port, "/healthz", prod)
            wait_until_up(args.port + 1, "/_bare/", aids)
            run(args, partner)
        finally:
            for server in (prod, aids):
                server.send_signal(signal.SIGTERM)
            for server in (prod, aids):
                server.wait(timeout=60)


def run(args, partner: int) -> None:
    aid = args.port + 1
    cookies = {role: sign_in(args.port, email) for role, email in ACCOUNTS.items()}
    targets = [t for t in TARGETS if not args.only or t.path in args.only or t.label.startswith(("bare", "signed"))]
    rows, floor = [], None
    for target in targets:
        path = target.path.format(partner=partner)
        port = aid if target.path == "/_bare/" else args.port
        cookie = cookies.get(target.role, "") if target.role else ""
        request(aid, path, cookie)  # fills the dashboard's figures cache, as on serve-prod during the load
        response, html = request(aid, path, cookie)  # the query count and size, from the measuring aid
        if response.status != 200 and path != "/":
            print(f"{path}: HTTP {response.status}", file=sys.stderr)
        request(port, path, cookie)  # warm up
        latencies, errors = load(port, path, cookie, args.clients, args.seconds)
        alone, _ = load(port, path, cookie, 1, args.seconds / 2)
        rate = len(latencies) / args.seconds
        if target.label.startswith("signed-in floor"):
            floor = rate
        rows.append((target, path, rate, pct(latencies, 50), pct(latencies, 95), pct(latencies, 99), pct(alone, 95),
                     response.getheader("X-Queries", "-"), len(html), errors))
        print(f"  measured {target.label}: {rate:.0f} req/s", file=sys.stderr)
    print(f"\n`make serve-prod`: {args.workers} gunicorn workers (gthread, lms/ops/gunicorn_conf.py), Redis, "
          f"{args.clients} clients, {args.seconds:.0f} s per page (+ {args.seconds / 2:.0f} s with 1 client)\n")
    print("| page | role | req/s | p50 ms | p95 ms | p99 ms | p95 ms, 1 client | vs floor | queries | HTML KB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for target, path, rate, p50, p95, p99, alone95, queries, size, errors in rows:
        share = f"{rate / floor:.0%}" if floor else "-"
        goal = GOALS.get(target.role or "", 0)
        flag = "" if not goal or target.label.startswith("signed") or not floor or rate / floor >= goal else " ✗"
        slow = " ✗" if p95 >= 150 or alone95 >= 50 else ""
        print(f"| {target.label} `{path}` | {target.role or '-'} | {rate:.0f} | {p50:.0f} | {p95:.0f}{slow} | "
              f"{p99:.0f} | {alone95:.0f} | {share}{flag} | {queries} | {size / 1024:.0f} |"
              + (f" {errors} errors" if errors else ""))


if __name__ == "__main__":
    main()
