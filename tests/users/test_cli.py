"""flask users create."""

from __future__ import annotations

import sqlalchemy as sa

from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.users.models import User
from tests.factories import make_body, make_department


def invoke(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["users", "create", *args], **kwargs)


def test_create_user_with_global_and_scoped_roles(app_ctx):
    department = make_department(make_body(), short_name="FB 30")
    db.session.commit()
    result = invoke(
        app_ctx,
        "--email",
        "Leitung.FB30@Example.org",
        "--name",
        "Helga Hoffmann",
        "--password",
        "ein langes Passwort",
        "--department",
        "FB 30",
        "--role",
        "department_head:department=FB 30",
        "--role",
        "council_member",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "leitung.fb30@example.org"))
    assert user.check_password("ein langes Passwort")
    assert user.department_id == department.id
    assert user.has_role(Role.department_head, department_id=department.id, scoped=True)
    assert not user.has_role(Role.department_head)
    assert user.has_role(Role.council_member)


def test_password_is_prompted_when_not_given(app_ctx):
    result = invoke(
        app_ctx,
        "--email",
        "a@example.org",
        "--name",
        "A",
        input="ein langes Passwort\nein langes Passwort\n",
    )
    assert result.exit_code == 0, result.output
    assert "ein langes Passwort" not in result.output


def test_bad_input_is_refused_and_changes_nothing(app_ctx):
    for args, message in [
        (("--role", "kaemmerer"), "unknown role 'kaemmerer'"),
        (("--password", "kurz"), "mindestens 12 Zeichen"),
        (("--department", "FB 99"), "unknown department 'FB 99'"),
    ]:
        base = {"--email": "x@example.org", "--name": "X", "--password": "ein langes Passwort"}
        flat = [v for k, val in base.items() if k not in args for v in (k, val)]
        result = invoke(app_ctx, *flat, *args)
        assert result.exit_code != 0
        assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_address_is_refused(app_ctx):
    args = ["--email", "a@example.org", "--name", "A", "--password", "ein langes Passwort"]
    assert invoke(app_ctx, *args).exit_code == 0
    result = invoke(app_ctx, *[a.upper() if "@" in a else a for a in args])
    assert result.exit_code != 0
    assert "bereits ein Konto" in result.output
