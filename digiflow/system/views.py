"""Health check and the start page."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user, login_required

from digiflow.core.db import db
from digiflow.extensions import csrf, limiter

bp = Blueprint("system", __name__)


def database_status() -> dict[str, Any]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        db.session.rollback()
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "backend": db.engine.dialect.name}


def broker_status() -> dict[str, Any]:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "transport": str(transport)}


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> Any:
    """Answer 200 when the database and the broker answer, 503 otherwise."""
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(c["status"] == "ok" for c in checks.values())
    response = jsonify({"status": "ok" if healthy else "down", **checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@login_required
def index() -> Any:
    """The start page: what waits for the signed-in user."""
    from digiflow.committees.overview import (
        Due,
        Viewer,
        department_resolutions,
        is_overdue,
        member_sessions,
        secretary_committee_ids,
        secretary_sessions,
    )
    from digiflow.core.db import utcnow
    from digiflow.core.time import local_date
    from digiflow.measures.queries import (
        my_measures,
        overdue_measures,
        pending_approvals_for,
        watched_changes,
    )

    now = utcnow()
    today = local_date(now)
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    overdue, overdue_total = overdue_measures(user, now)
    is_secretary = secretary_committee_ids(user) != set()
    resolutions, resolutions_total, departments = department_resolutions(user, Viewer(user), today)
    return render_template(
        "system/index.html",
        today=today,
        approvals=pending_approvals_for(user, now),
        measures=my_measures(user),
        overdue=overdue,
        overdue_total=overdue_total,
        changes=watched_changes(user, now),
        is_secretary=is_secretary,
        secretary_sessions=secretary_sessions(user, now) if is_secretary else [],
        due=Due,
        member_sessions=member_sessions(user, now),
        resolutions=resolutions,
        resolutions_total=resolutions_total,
        resolution_departments=departments,
        resolution_overdue={t.id for t in resolutions if is_overdue(t, today)},
    )
