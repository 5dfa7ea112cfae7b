"""GET /healthz: 200 when the database and the broker answer, 503 otherwise."""

from __future__ import annotations

from digiflow import create_app
from digiflow.core.db import db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "ok"
    assert data["database"]["status"] == "ok"
    assert data["broker"]["status"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def _healthz(instance_path, **config):
    """Ask /healthz of an app with the given configuration, then close its connections."""
    other = create_app({"TESTING": True, "INSTANCE_PATH": str(instance_path), **config})
    try:
        return other.test_client().get("/healthz")
    finally:
        with other.app_context():
            db.engine.dispose()


def test_healthz_is_503_when_the_broker_is_down(app, instance_path):
    response = _healthz(
        instance_path,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        CELERY={"broker_url": "redis://127.0.0.1:1/0"},
    )
    assert response.status_code == 503
    data = response.get_json()
    assert data["status"] == "down"
    assert data["database"]["status"] == "ok"
    assert data["broker"]["status"] == "down"


def test_healthz_is_503_when_the_database_is_down(app, instance_path, tmp_path):
    response = _healthz(
        instance_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite'}",
        CELERY={"broker_url": app.config["CELERY"]["broker_url"]},
    )
    assert response.status_code == 503
    data = response.get_json()
    assert data["database"]["status"] == "down"
    assert data["broker"]["status"] == "ok"


def test_proxy_count_trusts_forwarded_headers(app, instance_path):
    """Behind one proxy the client address comes from X-Forwarded-For (for rate limits)."""
    from flask import request

    proxied = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PROXY_COUNT": 1,
        }
    )
    assert type(proxied.wsgi_app).__name__ == "ProxyFix"

    @proxied.get("/_whoami")
    def whoami():
        return request.remote_addr

    response = proxied.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "10.1.2.3"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.get_data(as_text=True) == "10.1.2.3"
    with proxied.app_context():
        db.engine.dispose()
