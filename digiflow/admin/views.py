"""Administration pages (users, departments, roles, substitutes, workflows)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from digiflow.core.permissions import permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission_required("admin.access")
def index() -> Any:
    return render_template("admin/index.html")
