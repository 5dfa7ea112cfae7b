"""Pages of committees and sessions (blueprint ``committees``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("committees", __name__)
