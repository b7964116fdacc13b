"""One way to page a list: `paginate(db, stmt, page)` and the `pager` macro in templates/_macros/pagination.html.

Pages are numbered from 1 and carried in the URL (`?page=3`) with the list's filters, so a page can
be linked and reloaded. Two queries whatever the page size: the page's rows (one more than asked,
to know whether a next page exists) and, when `count=True`, the total.

A page showing two lists gives the second its own argument: `page_arg("steps_page")` in the view and
`pager(steps, endpoint, param="steps_page", label=..., page=<the first list's page>)` in the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Sequence, TypeVar

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

PER_PAGE = 50
MAX_PAGE = 100_000  # far past any real list; keeps OFFSET arithmetic inside what the database holds


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    has_next: bool
    total: int | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def pages(self) -> int | None:
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))


def page_arg(name: str = "page") -> int:
    """The page number from the query string: 1 when missing, malformed or out of range."""
    raw = request.args.get(name, "")
    if not raw.isdigit() or len(raw) > 6:
        return 1
    return min(max(1, int(raw)), MAX_PAGE)


def paginate(db: Session, stmt: Select[Any], page: int, *, per_page: int = PER_PAGE, count: bool = False,
             scalars: bool = True) -> Page[Any]:
    """Run `stmt` (already ordered, stably: end the ORDER BY with a unique column) for one page."""
    page = min(max(1, page), MAX_PAGE)
    limited = stmt.limit(per_page + 1).offset((page - 1) * per_page)
    result = db.execute(limited)
    rows = list(result.scalars().unique() if scalars else result)
    total = None
    if count:
        total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return Page(items=rows[:per_page], page=page, per_page=per_page, has_next=len(rows) > per_page, total=total)

