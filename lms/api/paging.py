"""Cursor pagination: stable ascending-id order; the cursor is the last id seen, opaque to clients."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select
from sqlalchemy.orm import Session

from lms.api.problems import ApiError


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii")
        kind, _, value = text.partition(":")
        if kind != "after" or not value.isdigit() or len(value) > 10:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeError):
        raise ApiError(400, "The cursor is not one this API gave out; start again without it.") from None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def page(db: Session, stmt: Select, id_column, cursor: str | None, limit: int, unique: bool = False):
    """(rows, next link): rows after the cursor in id order, and the link to the following page or None."""
    after = decode_cursor(cursor)
    result = db.scalars(stmt.where(id_column > after).order_by(None).order_by(id_column).limit(limit + 1))
    rows = list(result.unique() if unique else result)
    next_link = None
    if len(rows) > limit:
        rows = rows[:limit]
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        args["cursor"] = encode_cursor(rows[-1].id)
        next_link = f"{request.path}?{urlencode(args)}"
    return rows, next_link
