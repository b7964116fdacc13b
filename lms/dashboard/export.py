"""The partner list as CSV for a spreadsheet: UTF-8 (with BOM, so Excel reads it as such), ISO dates,
and cells that a spreadsheet would run as a formula (= + - @, tab, CR) made inert with a leading quote."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from lms.dashboard.service import PartnerRow

HEADER = ["partner", "tier", "manager", "stage", "health", "people", "people_path_complete",
          "required_courses_best_done", "required_courses", "last_activity", "last_activity_on", "joined_on", "nps"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that starts like a formula gets a leading apostrophe; numbers and blanks pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def row_values(row: PartnerRow) -> list[Any]:
    f = row.facts
    last = f.last_activity
    return [
        f.name, f.tier_name, f.manager_name, row.stage_label, row.health.score, f.people, f.people_path_done,
        f.best_courses_done, f.required_courses, last.label if last else "",
        last.at.date().isoformat() if last else "", f.created_at.date().isoformat(),
        "" if f.nps is None else f.nps,
    ]


def partners_csv(rows: Iterable[PartnerRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row_values(row)])
    return "\ufeff" + out.getvalue()
