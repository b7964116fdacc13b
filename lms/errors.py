"""One place that turns errors into pages: 403, 404, 429 (with Retry-After), 400 for a stale form, 500."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, TooManyRequests


class DomainError(Exception):
    """A rule said no. `message` is for the person; `field` names the form field it belongs beside
    (None: show it at the top of the page). Each feature's service subclasses it with its default field."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field:
            self.field = field


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = "This form was open too long or came from another site. Reload the page and try again."
        return render_template("errors/error.html", code=400, title="Form expired", message=message), 400

    @app.errorhandler(TooManyRequests)
    def too_many_requests(error: TooManyRequests):
        if request.path.startswith("/api/"):  # the JSON API answers problem+json
            from lms.api.auth import http_problem

            return http_problem(error)
        retry_after = _retry_after(error)
        message = f"Too many attempts. Please wait {retry_after} seconds and try again."
        if request.endpoint == "accounts.login":
            from lms.accounts.views import render_login_throttled

            response = render_login_throttled(message)
        else:
            response = render_template("errors/error.html", code=429, title="Slow down", message=message)
        return response, 429, {"Retry-After": str(retry_after)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):  # the JSON API answers problem+json
            from lms.api.auth import http_problem

            return http_problem(error)
        titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed", 400: "Bad request"}
        messages = {
            403: "Your account cannot open this page.",
            404: "There is nothing here, or it is not yours to see.",
        }
        code = error.code or 500
        return (
            render_template(
                "errors/error.html",
                code=code,
                title=titles.get(code, error.name),
                message=messages.get(code, error.description),
            ),
            code,
        )

    @app.errorhandler(500)
    def server_error(error):
        return (
            render_template(
                "errors/error.html",
                code=500,
                title="Something went wrong",
                message="We could not finish that request; nothing was changed. Please try again.",
            ),
            500,
        )


def _retry_after(error: TooManyRequests) -> int:
    limit = getattr(error, "limit", None)
    try:
        return max(1, int(limit.limit.get_expiry()))  # flask-limiter RateLimitExceeded
    except Exception:  # any other 429: a minute is a safe hint
        return 60
