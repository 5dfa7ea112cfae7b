"""flask org: setting up a real body without the demo."""

from __future__ import annotations

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.org.models import Body, Committee, Department


def run(app, *args):
    return app.test_cli_runner().invoke(args=["org", *args])


def test_set_up_body_departments_and_committees(app_ctx):
    assert run(app_ctx, "add-department", "--short-name", "FB 1", "--name", "X").exit_code != 0
    result = run(
        app_ctx,
        "create-body",
        "--name",
        "Stadt Langenhagen",
        "--short-name",
        "Langenhagen",
        "--kind",
        "Stadt",
        "--federal-state",
        "ni",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Body.federal_state)) == "NI"
    assert (
        run(app_ctx, "add-department", "--short-name", "FB 30", "--name", "Ordnung").exit_code == 0
    )
    again = run(app_ctx, "add-department", "--short-name", "FB 30", "--name", "Nochmal")
    assert again.exit_code != 0 and "gibt es bereits" in again.output
    assert (
        run(
            app_ctx,
            "add-committee",
            "--short-name",
            "VA",
            "--name",
            "Verwaltungsausschuss",
            "--type",
            "main",
            "--non-public",
        ).exit_code
        == 0
    )
    committee = db.session.scalar(sa.select(Committee))
    assert (committee.type.value, committee.is_public) == ("main", False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 1
    listing = run(app_ctx, "list").output
    assert "Stadt Langenhagen" in listing and "FB 30" in listing and "VA" in listing


def test_bad_input_is_refused(app_ctx):
    bad_state = run(
        app_ctx,
        "create-body",
        "--name",
        "X",
        "--short-name",
        "X",
        "--kind",
        "Stadt",
        "--federal-state",
        "XX",
    )
    assert bad_state.exit_code != 0 and "Unbekanntes Bundesland" in bad_state.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Body)) == 0
    assert (
        run(
            app_ctx, "create-body", "--name", "A", "--short-name", "A", "--kind", "Gemeinde"
        ).exit_code
        == 0
    )
    second = run(app_ctx, "create-body", "--name", "B", "--short-name", "B", "--kind", "Stadt")
    assert second.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Body)) == 1
