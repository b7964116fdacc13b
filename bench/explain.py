"""EXPLAIN ANALYZE of the list and agenda queries with and without each index of migration 0009.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres:postgres@127.0.0.1/scale_bench .venv/bin/python bench/explain.py

For each index: the query it serves, planned and run with the index, then again inside a transaction that
drops the index and is rolled back (nothing changes). Prints a Markdown table: the plan's top access path
and the execution time, before -> after.
"""

from __future__ import annotations

import os
import re

from sqlalchemy import create_engine, text

ANNA = "(SELECT id FROM users WHERE email = 'anna.berg@example.com')"

CASES = [
    ("ix_checkins_manager_status_due", "check-ins agenda: a manager's planned check-ins by due date",
     f"SELECT c.* FROM checkins c JOIN partners p ON p.id = c.partner_id WHERE c.status = 'planned' "
     f"AND c.manager_id = {ANNA} AND c.due_on BETWEEN current_date AND current_date + 35 ORDER BY c.due_on, p.name"),
    ("ix_support_requests_manager_answered", "support: a manager's last 20 answers",
     f"SELECT * FROM support_requests WHERE manager_id = {ANNA} AND answered_at IS NOT NULL "
     "ORDER BY answered_at DESC LIMIT 20"),
    ("ix_users_role_name", "admin users: partner users in name order (first page)",
     "SELECT * FROM users WHERE role = 'partner' ORDER BY role, name, id LIMIT 51"),
    ("ix_audit_events_partner_time", "partner page: its last 30 audit events",
     "SELECT * FROM audit_events WHERE partner_id = (SELECT min(id) + 100 FROM partners) "
     "ORDER BY occurred_at DESC LIMIT 30"),
    ("ix_certificates_course_issued", "course certificates: newest first (first page)",
     "SELECT * FROM certificates WHERE course_id = (SELECT min(id) FROM courses) "
     "ORDER BY issued_at DESC, id DESC LIMIT 51"),
    ("ix_checkins_planned_due", "dashboard: a manager's five oldest overdue check-ins",
     f"SELECT c.* FROM checkins c JOIN partners p ON p.id = c.partner_id WHERE c.partner_id IN "
     f"(SELECT id FROM partners WHERE manager_id = {ANNA}) AND c.status = 'planned' AND c.due_on < current_date "
     "ORDER BY c.due_on, p.name, c.id LIMIT 5"),
    ("ix_leads_registered", "leads list: an admin's first page, newest first",
     "SELECT l.* FROM leads l JOIN partners p ON p.id = l.partner_id JOIN tiers t ON t.id = p.tier_id "
     "ORDER BY l.registered_at DESC, l.id DESC LIMIT 26"),
]


def summary(plan: list[str], table: str) -> str:
    access = next((line.strip().lstrip("-> ") for line in plan
                   if re.search(r"Scan", line) and re.search(rf" on {table}\b", line)), plan[0].strip())
    access = re.sub(r"\s+\(actual time=[\d.]+\.\.[\d.]+ (rows=\d+) loops=\d+\)", r" (\1)", access)
    ms = next((line.split(":")[1].strip() for line in plan if line.startswith("Execution Time")), "?")
    return f"{access}; {ms}"


def explain(conn, sql: str) -> list[str]:
    for _ in range(2):  # once to warm the cache
        rows = [r[0] for r in conn.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"))]
    return rows


def main() -> None:
    engine = create_engine(os.environ["BENCH_DATABASE_URL"])
    print("| index | query | without the index | with it |")
    print("|---|---|---|---|")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        for index, what, sql in CASES:
            after = explain(conn, sql)
            conn.commit()
            conn.execute(text(f"DROP INDEX {index}"))
            before = explain(conn, sql)
            conn.rollback()
            table = re.search(r"FROM (\w+)", sql).group(1)
            print(f"| `{index}` | {what} | {summary(before, table)} | {summary(after, table)} |")


if __name__ == "__main__":
    main()
