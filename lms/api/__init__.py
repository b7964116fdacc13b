"""The JSON API for a vendor's CRM under /api/v1: bearer tokens, OpenAPI 3.1 from pydantic models, problem+json."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
admin_bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-tokens")


def init_app(app) -> None:
    """Register the API (no CSRF, no cookies: bearer tokens only; rate-limited per token) and its admin page."""
    from lms.api import admin_views, auth, docs, leads, views  # noqa: F401  (routes, hooks)
    from lms.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
