"""The app as bench/pages.py serves it under gunicorn: the portal, plus two measuring aids.

- `/_bare` is a bare Flask app (one route, no extensions, no database): the ceiling of the set-up.
- every portal response carries `X-Queries`, the number of SQL statements it ran.
Not for production: `gunicorn bench.pages_wsgi:app` only.
"""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy import event
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from lms import create_app

portal = create_app()


def _count(conn, cursor, statement, parameters, context, executemany):
    try:
        g.bench_queries += 1
    except (AttributeError, RuntimeError):  # outside a request, or before the counter is set
        pass


@portal.before_request
def _start_counting():
    g.bench_queries = 0


@portal.after_request
def _report_queries(response):
    response.headers["X-Queries"] = str(getattr(g, "bench_queries", 0))
    return response


event.listen(portal.extensions["lms.db"].engine, "before_cursor_execute", _count)

bare = Flask("bare")


@bare.get("/")
def hello():
    return "ok"


app = DispatcherMiddleware(portal, {"/_bare": bare})
