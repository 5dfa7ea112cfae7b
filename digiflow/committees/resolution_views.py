"""Resolution tracking (blueprint ``resolutions``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("resolutions", __name__, url_prefix="/resolutions")
