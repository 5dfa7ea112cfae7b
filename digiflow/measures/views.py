"""Measure pages: list, board, export, detail, form and workflow actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("measures", __name__, url_prefix="/measures")


@bp.get("/")
@login_required
def index() -> Any:
    return render_template("measures/list.html")
