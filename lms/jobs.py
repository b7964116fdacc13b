"""Scheduled work: `flask jobs run` runs every periodic job of the portal, for cron or a systemd timer.

Idempotent twice over: every message a job sends carries a dedupe key that the outbox keeps unique,
and on PostgreSQL each job runs under a transaction-level advisory lock, so two hosts running at
once take turns and the second finds the work done. Each job commits on its own: one failing job
does not stop the others, and rolls back only its own work.

A feature adds its periodic work by adding a `Job` to `scheduled_jobs()` below.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import click
from flask.cli import AppGroup
from sqlalchemy import text
from sqlalchemy.orm import Session

from lms.db import get_db, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Session, datetime], str]  # (db, now) -> a one-line summary; flushes, never commits
    help: str = ""


def scheduled_jobs() -> list[Job]:
    """Every periodic job, in the order they run (planning before the reminders that read the plan)."""
    from lms.checkins import jobs as checkins
    from lms.surveys import invitations as surveys
    from lms.leads import jobs as leads
    from lms.plans import nudge
    from lms.webhooks import service as webhooks

    return [
        Job("checkins.plan", checkins.plan, "plan check-ins after held kickoffs; keep 12 months planned"),
        Job("checkins.reminders", checkins.reminders, "remind managers and partners 2 working days before"),
        Job("checkins.overdue_digest", checkins.overdue_digest, "weekly overdue digest per manager"),
        Job("surveys.quarterly", surveys.quarterly, "quarterly relationship NPS for every active partner user"),
        Job("surveys.reminders", surveys.reminders, "one reminder 5 days after an unanswered survey invitation"),
        Job("leads.expire", leads.expire, "end lead registrations past their expiry; release the prospect"),
        Job("leads.expiry_notices", leads.expiry_notices, "tell partners 14 days before a registration expires"),
        Job("leads.payout_notices", leads.payout_notices, "unpaid commission 30 days after the win, every 14 days"),
        Job("plans.quiet_partners", nudge.quiet_partners, "nudge partners quiet for 30 days; plan at risk after 60"),
        Job("webhooks.deliver", webhooks.send_job, "send due webhook deliveries, signed; retry with backoff for a day"),
    ]


def lock_key(name: str) -> int:
    """A stable 32-bit advisory-lock key per job name."""
    return zlib.crc32(f"lms.jobs:{name}".encode())


def _take_lock(db: Session, name: str) -> None:
    if db.get_bind().dialect.name == "postgresql":
        # Waits for a concurrent run of the same job to commit, then this run sees its work.
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})


def run_jobs(db: Session, now: datetime, only: tuple[str, ...] = ()) -> list[tuple[str, str, bool]]:
    """Run the jobs (all, or those named in `only`), each in its own transaction. Returns (name, summary, ok)."""
    results = []
    for job in scheduled_jobs():
        if only and job.name not in only:
            continue
        try:
            _take_lock(db, job.name)
            summary = job.run(db, now)
            db.commit()
        except Exception as error:  # noqa: BLE001 - one failing job must not stop the others
            db.rollback()
            log.exception("job %s failed", job.name)
            results.append((job.name, f"failed: {error}", False))
            continue
        log.info("job %s: %s", job.name, summary)
        results.append((job.name, summary, True))
    return results


jobs_cli = AppGroup("jobs", help="Scheduled work (run it from cron or a systemd timer).")


def _parse_now(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-11-23T07:00:00+00:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@jobs_cli.command("run")
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Run as if it were this moment (UTC unless a zone is given).")
@click.option("--only", multiple=True, metavar="JOB", help="Run only this job (repeatable); see `flask jobs list`.")
def jobs_run(now_text: str | None, only: tuple[str, ...]) -> None:
    """Run every scheduled job once; running it twice (or on two hosts) sends nothing twice."""
    known = {job.name for job in scheduled_jobs()}
    unknown = sorted(set(only) - known)
    if unknown:
        raise click.BadParameter(f"unknown job(s): {', '.join(unknown)}", param_hint="--only")
    results = run_jobs(get_db(), _parse_now(now_text), only)
    for name, summary, _ok in results:
        click.echo(f"{name}: {summary}")
    if not all(ok for _, _, ok in results):
        raise SystemExit(1)


@jobs_cli.command("list")
def jobs_list() -> None:
    """Show the scheduled jobs in the order they run."""
    for job in scheduled_jobs():
        click.echo(f"{job.name:<28} {job.help}")
