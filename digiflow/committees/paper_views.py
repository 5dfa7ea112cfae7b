"""Pages of papers (blueprint ``papers``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("papers", __name__, url_prefix="/papers")
