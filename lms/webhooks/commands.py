"""`flask webhooks send`: deliver due webhook deliveries now (also a step of `flask jobs run`)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.db import get_db

webhooks_cli = AppGroup("webhooks", help="Signed webhooks.")


@webhooks_cli.command("send")
def webhooks_send() -> None:
    """Send due webhook deliveries now (also a step of `flask jobs run`)."""
    from lms.db import utcnow
    from lms.webhooks.service import send_due

    db = get_db()
    summary = send_due(db, utcnow())
    db.commit()
    click.echo(summary)
