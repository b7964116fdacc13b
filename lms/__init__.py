"""The partner onboarding and enablement portal."""

from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask, redirect, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import db
from lms.config import load_config


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)  # home of the default SQLite file
    if app.config["PROXY_FIX_HOPS"]:
        # Trust the load balancer's X-Forwarded-* so rate limits key on the client, links use https.
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    register_security(app)  # first: its request guard runs before every other hook, its converter serves every route
    register_extensions(app, test_config)
    register_blueprints(app)
    connect_signals()
    register_errors(app)
    register_commands(app)
    register_template_helpers(app)
    register_operations(app)
    return app


def register_security(app: Flask) -> None:
    from lms.security import register

    register(app)


def register_extensions(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    from lms.extensions import csrf, limiter, login_manager

    db.init_app(app, engine=(test_config or {}).get("ENGINE"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    from lms.accounts.service import load_user

    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from lms.accounts import bp as accounts_bp
    from lms.admin import bp as admin_bp
    from lms.bookings import bp as bookings_bp
    from lms.checkins import bp as checkins_bp
    from lms.courses import bp as courses_bp
    from lms.partners import bp as partners_bp
    from lms.dashboard import bp as dashboard_bp
    from lms.exports import bp as exports_bp
    from lms.leads import bp as leads_bp
    from lms.plans import bp as plans_bp
    from lms.surveys import bp as surveys_bp
    from lms.webhooks import bp as webhooks_bp
    from lms.workspace import bp as workspace_bp

    for blueprint in (accounts_bp, partners_bp, admin_bp, bookings_bp, checkins_bp, courses_bp, surveys_bp, leads_bp,
                      dashboard_bp, plans_bp, workspace_bp, exports_bp, webhooks_bp):
        app.register_blueprint(blueprint)

    from lms.api import init_app as api_init

    api_init(app)  # /api/v1: bearer tokens, no cookies, no CSRF

    @app.get("/")
    def index():
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login"))
        if current_user.is_partner:
            return redirect(url_for("partners.home"))
        return redirect(url_for("dashboard.index"))

    @app.get("/favicon.ico")
    def favicon():  # browsers ask for it before reading the page's <link rel="icon">
        return redirect(url_for("static", filename="favicon.svg"), 301)


def connect_signals() -> None:
    """Each feature subscribes its receivers to lms/events.py signals (once; connecting again is a no-op)."""
    from lms.bookings import connect_signals as bookings_signals
    from lms.checkins import connect_signals as checkins_signals
    from lms.leads import connect_signals as leads_signals
    from lms.plans import connect_signals as plans_signals
    from lms.surveys import connect_signals as surveys_signals
    from lms.webhooks import connect_signals as webhooks_signals
    from lms.workspace import connect_signals as workspace_signals

    bookings_signals()
    checkins_signals()
    surveys_signals()
    leads_signals()
    plans_signals()
    workspace_signals()
    webhooks_signals()


def register_errors(app: Flask) -> None:
    from lms.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from lms.cli import register

    register(app)


def register_operations(app: Flask) -> None:
    """/healthz and /readyz for the load balancer; a request id and a JSON log line per request."""
    from lms.ops import bp as ops_bp
    from lms.ops import requestlog

    app.register_blueprint(ops_bp)
    requestlog.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from lms.templating import register

    register(app)
