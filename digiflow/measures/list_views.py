"""The measures list, the board by state and the exports."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required

from digiflow.measures.blueprint import bp


@bp.get("/")
@login_required
def index() -> Any:
    return render_template("measures/list.html")
