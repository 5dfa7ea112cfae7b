"""Test fixtures: the app on a real database (PostgreSQL when DATABASE_URL is set, else a
SQLite file), emptied after every test; a login helper; factories in ``factories.py``."""

from __future__ import annotations

import gc
import os
import re
import socket
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from digiflow import create_app
from digiflow.config import database_url
from digiflow.core.db import db
from digiflow.i18n import compile_catalogs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
USING_POSTGRES = bool(os.environ.get("DATABASE_URL", "").startswith("postgres"))


def _check_test_database(url: str) -> None:
    name = make_url(url).database or ""
    if "test" not in name:
        raise pytest.UsageError(
            f"DATABASE_URL points at {name!r}; the tests empty the database, so its name "
            "must contain 'test' (e.g. digiflow_test)."
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests hold an app context for their own database work; without this, requests would share
    its ``g`` (the signed-in user, the chosen language) and its database session.
    """

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def service_env(instance_path: Path) -> dict[str, str]:
    """Environment for processes the tests start (worker, beat): same database and broker."""
    env = {
        "DIGIFLOW_INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret-key-" + uuid.uuid4().hex,
    }
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        env["DATABASE_URL"] = f"sqlite:///{instance_path / 'test.sqlite'}"
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
        env["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
    else:
        env["CELERY_BROKER_URL"] = f"sqla+sqlite:///{instance_path / 'broker.sqlite'}"
    return env


@pytest.fixture(scope="session")
def app(instance_path: Path, service_env: dict[str, str]) -> Iterator[Flask]:
    compile_catalogs()  # so that plain `pytest` has the English catalog too
    url = database_url(service_env["DATABASE_URL"], instance_path)
    if USING_POSTGRES:
        _check_test_database(url)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "SECRET_KEY": service_env["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": url,
            "CELERY": {"broker_url": service_env["CELERY_BROKER_URL"]},
            "LOGIN_RATE_LIMIT": "1000 per minute",
            # fast hashing for the many test users; production uses scrypt
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex,
            "MAIL_SINK_DIR": str(instance_path / "mail"),
        }
    )
    app.test_client_class = FreshContextClient
    _test_celery.append(app.extensions["celery"])
    with app.app_context():
        if os.environ.get("DIGIFLOW_REQUIRE_SERVICES"):
            assert db.engine.dialect.name == "postgresql", "CI must run on PostgreSQL"
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        # A connection a test thread still held when it ended (e.g. a browser request in
        # flight) is collected here, before the pool is disposed, instead of at interpreter
        # exit, where psycopg reports it as unclosed.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        db.drop_all()
        db.engine.dispose()


# the Celery app of the session's test app (set by the ``app`` fixture)
_test_celery: list = []


@pytest.fixture(autouse=True)
def _test_celery_stays_current() -> Iterator[None]:
    """A test that creates a second app (another configuration) makes that app's Celery the
    process's default, as ``create_app`` does in production for its single app. Put the test
    app's back afterwards: a task called in a later test (``task.apply()``) runs in the test
    app's context and on its database, not on the other app's engine that was disposed."""
    yield
    for celery_app in _test_celery:
        celery_app.set_default()
        celery_app.set_current()


def _empty_tables() -> None:
    db.session.rollback()
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An app context with an empty database; everything written is removed afterwards."""
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            _empty_tables()
            db.session.remove()
            app.extensions["digiflow.workflows"].reload()


@pytest.fixture
def client(app_ctx: Flask) -> FlaskClient:
    return app_ctx.test_client()


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class AuthActions:
    """Sign in and out through the real login form (with its CSRF token)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str, next_url: str | None = None):  # noqa: ANN201
        page = self.client.get("/login")
        token = csrf_token(page.get_data(as_text=True))
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self.client.post(
            url, data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):  # noqa: ANN201
        page = self.client.get("/")
        token = csrf_token(page.get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


class QueryCounter:
    """Counts the SQL statements the app sends while active (``with counter: ...``)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, PLR0913
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        self.statements = []
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def query_counter(app_ctx: Flask) -> QueryCounter:
    """Count the queries of requests made with the test client (same engine)."""
    return QueryCounter(db.engine)


class SMTPRecorder:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list = []
        self.controller = None
        self.port = free_port()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app_ctx: Flask) -> Iterator[SMTPRecorder]:
    """A running SMTP server; the app sends to it during the test."""
    recorder = SMTPRecorder()
    recorder.start()
    old = app_ctx.config["MAIL_SERVER"], app_ctx.config["MAIL_PORT"]
    app_ctx.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=recorder.port)
    yield recorder
    recorder.stop()
    app_ctx.config["MAIL_SERVER"], app_ctx.config["MAIL_PORT"] = old
