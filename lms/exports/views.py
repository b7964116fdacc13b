from __future__ import annotations

from flask import request
from flask_login import current_user

from lms.access import role_required
from lms.csvexport import csv_response
from lms.db import get_db
from lms.exports import bp, queries


def _tier_arg() -> str:
    tier = request.args.get("tier", "")
    return tier if tier.isascii() and tier.isalnum() and len(tier) <= 32 else ""


@bp.get("/partners/export.csv")
@role_required("manager", "admin")
def partners_csv():
    rows = list(queries.partner_rows(get_db(), current_user, _tier_arg()))
    return csv_response("partners.csv", queries.PARTNER_COLUMNS, rows)


@bp.get("/partners/progress.csv")
@role_required("manager", "admin")
def progress_csv():
    rows = list(queries.progress_rows(get_db(), current_user, _tier_arg()))
    return csv_response("learning-progress.csv", queries.PROGRESS_COLUMNS, rows)
