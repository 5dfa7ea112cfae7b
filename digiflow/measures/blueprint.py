"""The measures blueprint; its routes live in ``views.py`` (one measure) and
``list_views.py`` (lists, board, exports)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("measures", __name__, url_prefix="/measures")
