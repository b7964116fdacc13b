import pytest
from flask import Flask

from lms import create_app
from lms.config import ConfigError, load_config


def _config(environ, test_config=None):
    app = Flask(__name__)
    load_config(app, test_config, environ=environ)
    return app.config


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        _config({})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"LMS_ENV": "production", "SECRET_KEY": None})


def test_production_refuses_to_start_without_a_base_url():
    with pytest.raises(ConfigError, match="BASE_URL"):
        _config({"SECRET_KEY": "s" * 32})
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app({"LMS_ENV": "production", "SECRET_KEY": "s" * 32, "BASE_URL": None})
    assert _config({"SECRET_KEY": "s" * 32, "BASE_URL": "https://partners.example.com"})["BASE_URL"]


def test_production_cookies_are_secure_and_development_ones_work_over_http():
    prod = _config({"SECRET_KEY": "s" * 32, "BASE_URL": "https://partners.example.com"})
    assert prod["SESSION_COOKIE_SECURE"] and prod["REMEMBER_COOKIE_SECURE"]
    assert prod["SESSION_COOKIE_HTTPONLY"] and prod["SESSION_COOKIE_SAMESITE"] == "Lax"
    dev = _config({"LMS_ENV": "development"})
    assert not dev["SESSION_COOKIE_SECURE"] and dev["SECRET_KEY"]


def test_environment_overrides():
    config = _config({
        "LMS_ENV": "development", "DATABASE_URL": "postgres://u:p@db/portal", "REDIS_URL": "redis://r:6379/0",
        "MAIL_PORT": "2525", "MAIL_USE_TLS": "false",
    })
    assert config["DATABASE_URL"] == "postgresql+psycopg://u:p@db/portal"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"
    assert config["MAIL_PORT"] == 2525 and config["MAIL_USE_TLS"] is False


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="LMS_ENV"):
        _config({"LMS_ENV": "staging"})


def test_proxy_fix_lets_rate_limits_see_the_client_address(engine, database_url):
    app = create_app({"LMS_ENV": "testing", "ENGINE": engine, "DATABASE_URL": database_url, "PROXY_FIX_HOPS": 1})
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request

        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}
