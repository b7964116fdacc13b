"""Configuration: defaults here, overrides from the environment, then from the test mapping.

Nothing is read at import time: `load_config` runs inside `create_app`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

ENVIRONMENTS = ("production", "development", "testing")

# Variables taken from the environment as they are (strings) or converted.
_STRING_VARS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "BASE_URL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "PORTAL_NAME",
    "COURSES_DIR",
    "DASHBOARD_HEALTH_WEIGHTS",
)
_INT_VARS = ("MAIL_PORT", "PROXY_FIX_HOPS", "DASHBOARD_DUST_DAYS", "DASHBOARD_CACHE_SECONDS", "QUIET_AFTER_DAYS",
             "QUIET_AT_RISK_DAYS")
_BOOL_VARS = ("MAIL_USE_TLS", "MAIL_USE_SSL")


class ConfigError(RuntimeError):
    """The configuration cannot run safely (for example no SECRET_KEY in production)."""


def defaults(instance_path: str) -> dict[str, Any]:
    return {
        "LMS_ENV": "production",
        "SECRET_KEY": None,
        "DATABASE_URL": "sqlite:///" + str(Path(instance_path) / "lms.sqlite3"),
        "REDIS_URL": None,
        "BASE_URL": None,  # every link in mail is built from it; required in production
        "PORTAL_NAME": "Partner Portal",
        # Course content (Markdown) that `flask courses sync` and the admin page load: courses/ beside the code.
        "COURSES_DIR": str(Path(__file__).resolve().parent.parent / "courses"),
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_DEFAULT_SENDER": "Partner Portal <partners@example.com>",
        "PROXY_FIX_HOPS": 0,  # proxies in front that set X-Forwarded-For/-Proto (a load balancer: 1)
        "INVITE_TOKEN_DAYS": 7,
        "RESET_TOKEN_HOURS": 1,
        "LOGIN_RATE_LIMIT": "10 per minute",  # per address, and per (account, address) pair
        "LOGIN_ACCOUNT_RATE_LIMIT": "20 per hour",  # wrong passwords per account from all addresses
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # Dashboard: partner health weights ("activity=30,learning=25,rhythm=20,pipeline=15,satisfaction=10")
        # and the days without activity after which a partner is "gathering dust".
        "DASHBOARD_HEALTH_WEIGHTS": "activity=30,learning=25,rhythm=20,pipeline=15,satisfaction=10",
        "DASHBOARD_DUST_DAYS": 30,
        # Seconds the dashboard keeps its figures between recorded changes (lms/dashboard/snapshot.py);
        # None: 60 in production, 0 (off) in development and tests.
        "DASHBOARD_CACHE_SECONDS": None,
        # plans: a partner with no sign-in, lesson, lead, survey answer or call for this many days gets a nudge;
        # after QUIET_AT_RISK_DAYS its plan is marked at risk.
        "QUIET_AFTER_DAYS": 30,
        "QUIET_AT_RISK_DAYS": 60,
    }


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if environ.get("LMS_ENV"):
        found["LMS_ENV"] = environ["LMS_ENV"]
    for name in _STRING_VARS:
        if environ.get(name):
            found[name] = environ[name]
    for name in _INT_VARS:
        if environ.get(name):
            found[name] = int(environ[name])
    for name in _BOOL_VARS:
        if environ.get(name):
            found[name] = environ[name].strip().lower() in ("1", "true", "yes", "on")
    return found


def load_config(app, test_config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> None:
    """Fill `app.config`: defaults, then environment, then `test_config`; refuse unsafe production setups."""
    config = defaults(app.instance_path)
    config.update(_from_environment(os.environ if environ is None else environ))
    if test_config:
        config.update(test_config)

    env = config["LMS_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    if not config["SECRET_KEY"]:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set in production (export SECRET_KEY=...)")
        config["SECRET_KEY"] = "dev-only-not-secret"
    if not config["BASE_URL"]:
        if env == "production":
            raise ConfigError("BASE_URL must be set in production (export BASE_URL=https://partners.example.com)")
        config["BASE_URL"] = "http://127.0.0.1:5000"
    if not config["BASE_URL"].startswith(("http://", "https://")):
        raise ConfigError(f"BASE_URL must start with http:// or https://, not {config['BASE_URL']!r}")
    if config["DATABASE_URL"].startswith("postgres://"):
        # Heroku-style URLs; SQLAlchemy wants the driver named.
        config["DATABASE_URL"] = "postgresql+psycopg://" + config["DATABASE_URL"][len("postgres://"):]
    elif config["DATABASE_URL"].startswith("postgresql://"):
        config["DATABASE_URL"] = "postgresql+psycopg://" + config["DATABASE_URL"][len("postgresql://"):]

    # Secure cookies everywhere but on a developer's plain-HTTP localhost and in tests.
    config.setdefault("SESSION_COOKIE_SECURE", env == "production")
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or config["REDIS_URL"] or "memory://"
    config["TESTING"] = env == "testing" or bool(config.get("TESTING"))
    if config.get("DASHBOARD_CACHE_SECONDS") is None:
        config["DASHBOARD_CACHE_SECONDS"] = 60 if env == "production" else 0
    if isinstance(config.get("DASHBOARD_HEALTH_WEIGHTS"), str):
        from lms.dashboard.health import parse_weights  # refuse a typo at start-up, not on the first page view

        try:
            config["DASHBOARD_HEALTH_WEIGHTS"] = parse_weights(config["DASHBOARD_HEALTH_WEIGHTS"])
        except ValueError as error:
            raise ConfigError(str(error)) from None
    app.config.from_mapping(config)
