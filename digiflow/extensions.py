"""Flask extensions, created unbound; ``create_app`` binds them."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from digiflow.core.db import db

migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def login_form_email() -> str:
    """Key the per-account login limit by the e-mail address that was tried."""
    return (request.form.get("email") or "").strip().lower() or get_remote_address()


__all__ = ["babel", "csrf", "db", "limiter", "login_manager", "migrate", "login_form_email"]
