"""`flask api token create --name NAME --scope read|leads:write [--partner ID]` (prints the token once)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.db import get_db

api_cli = AppGroup("api", help="The JSON API.")
token_cli = AppGroup("token", help="API tokens.")
api_cli.add_command(token_cli)


@token_cli.command("create")
@click.option("--name", required=True)
@click.option("--scope", type=click.Choice(["read", "leads:write"]), required=True)
@click.option("--partner", "partner_id", type=click.IntRange(1, 2**31 - 1), default=None,
              help="Restrict the token to this partner organisation.")
def token_create(name: str, scope: str, partner_id: int | None) -> None:
    """Create a token and print its secret (shown once; only a hash is stored)."""
    from lms.api.tokens import TokenError, create_token

    db = get_db()
    try:
        token, secret = create_token(db, None, name, scope, partner_id)
    except TokenError as error:
        raise click.ClickException(error.message) from None
    db.commit()
    click.echo(f"Token {token.id} ({scope}{f', partner {partner_id}' if partner_id else ''}):")
    click.echo(secret)
