"""Test fixtures: one migrated database per session, each test inside a transaction that is rolled back.

SQLite by default; PostgreSQL when TEST_DATABASE_URL names a server (a fresh database is created
on it for this run and dropped afterwards). Code under test may commit: its session joins the
test's outer transaction through a SAVEPOINT.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from lms import create_app
from lms.db import make_engine
from lms.migrate import upgrade
from tests.factories import Factories

PG_SERVER_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not PG_SERVER_URL:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        return
    server = make_url(PG_SERVER_URL).set(drivername="postgresql+psycopg")
    name = f"lms_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    with engine.begin() as connection:
        upgrade(database_url, connection)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def _test_config(engine, database_url) -> dict:
    return {
        "LMS_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "ENGINE": engine,
        "WTF_CSRF_ENABLED": False,
    }


def _bind_to(app, connection) -> None:
    app.extensions["lms.db"].sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def app(engine, connection, database_url):
    app = create_app(_test_config(engine, database_url))
    _bind_to(app, connection)
    return app


@pytest.fixture(autouse=True)
def _push_request_context(request):
    """Replace pytest-flask's fixture of this name.

    pytest-flask pushes a request context of the app under test for the whole test; Flask then
    reuses that app context for every client request, so `g` (the request's database session,
    Flask-Login's current user) would leak from one request into the next. We push a context of
    an identical twin app instead: tests still have `current_app` and `url_for`, and every client
    request of the real app gets a fresh context, as in production.
    """
    if "app" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app")
    twin = create_app(_test_config(request.getfixturevalue("engine"), request.getfixturevalue("database_url")))
    _bind_to(twin, request.getfixturevalue("connection"))
    context = twin.test_request_context()
    context.push()
    yield
    context.pop()


@pytest.fixture
def client(app):
    """Replaces pytest-flask's `client`, which keeps each request's context pushed until the next
    one (`with app.test_client()`); a second client would then share that context's `g`."""
    return app.test_client()


@pytest.fixture
def csrf_app(app):
    """The app with CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def db(app) -> Session:
    """A session on the test's transaction, for calling services and checking results directly."""
    session = app.extensions["lms.db"].sessionmaker()
    yield session
    session.close()


@pytest.fixture
def make(db) -> Factories:
    return Factories(db)


class AuthActions:
    def __init__(self, client, factories: Factories):
        self._client = client
        self._make = factories

    def login(self, email: str, password: str = Factories.PASSWORD, follow: bool = False):
        return self._client.post(
            "/login", data={"email": email, "password": password}, follow_redirects=follow
        )

    def login_as(self, user):
        # Sign out whoever was signed in: /login only redirects a signed-in visitor, so a second login_as
        # would silently keep measuring the first user.
        self.logout()
        response = self.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, make) -> AuthActions:
    return AuthActions(client, make)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def pytest_collection_modifyitems(config, items):
    if PG_SERVER_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (make test does)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
