"""Configuration from the environment and the generated secret key."""

from __future__ import annotations

import stat

from digiflow.config import database_url, from_environment, secret_key


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    second = secret_key(tmp_path)
    assert first == second
    assert len(first) == 64
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert secret_key(tmp_path / "other") != first


def test_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-" + "x" * 20)
    assert secret_key(tmp_path).startswith("from-the-environment-")
    assert not (tmp_path / "secret_key").exists()


def test_database_url_defaults_to_sqlite_and_uses_psycopg3(tmp_path):
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'digiflow.sqlite'}"
    assert database_url("postgres://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"


def test_embedded_defaults_need_no_server(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "MAIL_SERVER", "MAIL_PORT"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["CELERY"]["broker_url"] == f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (config["MAIL_SERVER"], config["MAIL_PORT"]) == ("127.0.0.1", 8025)


def test_redis_url_serves_broker_and_rate_limits(tmp_path, monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    config = from_environment(tmp_path)
    assert config["CELERY"]["broker_url"] == "redis://127.0.0.1:6379/3"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert config["CELERY"]["task_acks_late"] is True
