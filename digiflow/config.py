"""Configuration from the environment, with embedded defaults that need no servers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(raw: str | None, instance_path: Path) -> str:
    """Return the SQLAlchemy URL: DATABASE_URL (psycopg 3 for PostgreSQL) or the SQLite file."""
    if not raw:
        return f"sqlite:///{instance_path / 'digiflow.sqlite'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or the one generated into ``instance/``."""
    given = os.environ.get("SECRET_KEY")
    if given:
        return given
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # create exclusively with 0600 so two processes starting at once agree on one key
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; delete it to generate a new one")
    return key


def from_environment(instance_path: Path) -> dict[str, Any]:
    """Build the configuration from environment variables (see README, 'Configuration')."""

    def env(name: str, default: str | None = None) -> str | None:
        """An empty variable counts as unset (compose passes empty values through)."""
        return os.environ.get(name) or default

    redis_url = env("REDIS_URL")
    broker = (
        env("CELERY_BROKER_URL")
        or redis_url
        or (f"sqla+sqlite:///{instance_path / 'broker.sqlite'}")
    )
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(env("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "CELERY": {
            "broker_url": broker,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # Redis re-delivers unacknowledged tasks after this many seconds (acks_late);
            # Kombu's SQLAlchemy transport passes options to create_engine, so none there
            "broker_transport_options": (
                {"visibility_timeout": 3600} if broker.startswith("redis") else {}
            ),
            "timezone": "Europe/Berlin",
            "beat_schedule_filename": str(instance_path / "celerybeat-schedule"),
        },
        "HEARTBEAT_SECONDS": float(env("HEARTBEAT_SECONDS", "60")),
        # the outbox: how often the sweep looks for mails still to send, retries with backoff
        "OUTBOX_SWEEP_SECONDS": float(env("OUTBOX_SWEEP_SECONDS", "60")),
        "MAIL_MAX_ATTEMPTS": int(env("MAIL_MAX_ATTEMPTS", "6")),
        # the daily digest goes out at this hour (German time), at half past
        "DIGEST_HOUR": int(env("DIGEST_HOUR", "6")),
        "MAIL_RETRY_BASE_SECONDS": float(env("MAIL_RETRY_BASE_SECONDS", "60")),
        "MAIL_RETRY_MAX_SECONDS": float(env("MAIL_RETRY_MAX_SECONDS", str(6 * 3600))),
        # a claim older than this is taken over (the worker that claimed it died)
        "MAIL_CLAIM_LEASE_SECONDS": float(env("MAIL_CLAIM_LEASE_SECONDS", "600")),
        "MAIL_TIMEOUT_SECONDS": float(env("MAIL_TIMEOUT_SECONDS", "30")),
        # reminders: how often the beat scans, how many per scan, the local hour they go out
        "REMINDER_SCAN_SECONDS": float(env("REMINDER_SCAN_SECONDS", "300")),
        "REMINDER_BATCH_SIZE": int(env("REMINDER_BATCH_SIZE", "1000")),
        "REMINDER_SEND_HOUR": int(env("REMINDER_SEND_HOUR", "7")),
        # sessions: how far ahead recurring sessions exist, when to remind of the submission
        # deadline (business days before it), the default target date of a resolution
        "SERIES_HORIZON_DAYS": int(env("SERIES_HORIZON_DAYS", "365")),
        "SUBMISSION_REMINDER_DAYS": int(env("SUBMISSION_REMINDER_DAYS", "3")),
        "RESOLUTION_TARGET_DAYS": int(env("RESOLUTION_TARGET_DAYS", "90")),
        # OParl: the licence of the published data, and the System's vendor and product URLs
        "OPARL_LICENSE": env("OPARL_LICENSE"),
        "OPARL_VENDOR": env("OPARL_VENDOR"),
        "OPARL_PRODUCT": env("OPARL_PRODUCT"),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "LOGIN_RATE_LIMIT": env("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "MAIL_SERVER": env("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(env("MAIL_PORT", "8025")),
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL")),
        "MAIL_USERNAME": env("MAIL_USERNAME"),
        "MAIL_PASSWORD": env("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "digiflow <digiflow@localhost>"),
        "MAIL_SINK_DIR": env("MAIL_SINK_DIR") or str(instance_path / "mail"),
        "PUBLIC_URL": env("PUBLIC_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE")),
        "REMEMBER_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(env("SESSION_LIFETIME_SECONDS", str(8 * 3600))),
        "WTF_CSRF_TIME_LIMIT": None,  # valid for the session; the session itself expires
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
        "MAX_CONTENT_LENGTH": int(env("MAX_UPLOAD_MB", "20")) * 1024 * 1024 + 64 * 1024,
        "MAX_UPLOAD_BYTES": int(env("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "UPLOAD_DIR": env("UPLOAD_DIR") or str(instance_path / "uploads"),
        "WORKFLOWS_DIR": env("WORKFLOWS_DIR") or str(PROJECT_ROOT / "workflows"),
        "DEFAULT_WORKFLOW": env("DEFAULT_WORKFLOW", "digitalization_measure"),
        "SMALL_MEASURE_WORKFLOW": env("SMALL_MEASURE_WORKFLOW", "small_measure"),
        "SMALL_MEASURE_LIMIT": float(env("SMALL_MEASURE_LIMIT", "25000")),
        # number of reverse proxies in front of gunicorn whose X-Forwarded-* headers to trust
        "PROXY_COUNT": int(env("PROXY_COUNT", "0")),
    }
