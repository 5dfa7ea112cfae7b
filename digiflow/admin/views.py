"""Administration pages (users, departments, roles, substitutes, workflows).

Every page needs ``admin.access``. The views read forms and call the operations in
``digiflow.users.operations`` and ``digiflow.org.operations``; a refused operation rolls back and
re-renders the page with its message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from digiflow.admin.forms import (
    DepartmentForm,
    PasswordResetForm,
    RoleForm,
    SubstituteForm,
    UserCreateForm,
    UserEditForm,
)
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError, ValidationFailed
from digiflow.core.formatting import language
from digiflow.core.permissions import permission_required
from digiflow.core.roles import ROLE_LABELS, Role
from digiflow.core.time import local_date
from digiflow.core.workflow import render
from digiflow.core.workflow.loader import DefinitionError
from digiflow.core.workflow.models import StoredWorkflow
from digiflow.core.workflow.registry import registry
from digiflow.measures.models import Measure
from digiflow.org.models import Committee, Department
from digiflow.org.operations import (
    activate_department,
    add_department,
    current_body,
    deactivate_department,
    update_department,
)
from digiflow.users.models import RoleAssignment, Substitute, User
from digiflow.users.operations import (
    activate_user,
    add_substitute,
    assign_role,
    create_user,
    deactivate_user,
    remove_role,
    remove_substitute,
    set_password,
    update_user,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PER_PAGE = 25


# ---------------------------------------------------------------------------------------------
# Helpers shared with the user's own substitutes page (digiflow.users.substitute_views)


def today() -> date:
    """The German calendar day."""
    return local_date(utcnow())


def refused(exc: DomainError, render: Callable[[int], Any]) -> Any:
    """Roll back, show the reason and answer with the page and the error's status."""
    db.session.rollback()
    flash(exc.message(language()), "error")
    return render(exc.http_status)


def role_label(role: Role) -> str:
    german, english = ROLE_LABELS[role]
    return english if language() == "en" else german


def assignment_label(assignment: RoleAssignment) -> str:
    """Name the role and, where scoped, its department or committee: Fachbereichsleitung (FB 20)."""
    text = role_label(assignment.role)
    if assignment.department is not None:
        return f"{text} ({assignment.department.short_name})"
    if assignment.committee is not None:
        return f"{text} ({assignment.committee.short_name})"
    return text


def deputy_choices(exclude: User) -> list[SelectChoice]:
    """Active accounts that can stand in, without the person themselves."""
    users = db.session.scalars(
        sa.select(User)
        .where(User.is_active_account.is_(True), User.id != exclude.id)
        .order_by(User.name, User.id)
    )
    return [SelectChoice("", _("– bitte wählen –"))] + [
        SelectChoice(str(u.id), f"{u.name} ({u.email})") for u in users
    ]


def upcoming_substitutes(*conditions: Any) -> list[Substitute]:
    """Substitutions that have not ended yet, with both people loaded."""
    return list(
        db.session.scalars(
            sa.select(Substitute)
            .where(Substitute.ends_on >= today(), *conditions)
            .options(joinedload(Substitute.user), joinedload(Substitute.deputy))
            .order_by(Substitute.starts_on, Substitute.id)
        )
    )


def create_substitute_from(form: SubstituteForm, user: User) -> Substitute:
    """Call ``add_substitute`` with the form's values (the deputy must exist)."""
    deputy = db.session.get(User, form.deputy.data) if form.deputy.data else None
    if deputy is None:
        raise ValidationFailed(
            "Bitte wählen Sie die Person, die vertritt.", "Please choose the substitute."
        )
    return add_substitute(
        user,
        deputy,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        note=form.note.data,
    )


def _blank_form(form_class: type) -> Any:
    """A form that does not read the request (another form of the page was sent)."""
    return form_class(formdata=None)


# ---------------------------------------------------------------------------------------------
# Overview


@bp.get("/")
@permission_required("admin.access")
def index() -> Any:
    counts = {
        "users": db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.is_active_account.is_(True))
        ),
        "departments": db.session.scalar(
            sa.select(sa.func.count(Department.id)).where(Department.is_active.is_(True))
        ),
        "substitutes": db.session.scalar(
            sa.select(sa.func.count(Substitute.id)).where(Substitute.ends_on >= today())
        ),
        "workflows": len(registry().names()),
        "workflow_errors": len(registry().errors),
    }
    return render_template("admin/index.html", counts=counts, body=current_body())


# ---------------------------------------------------------------------------------------------
# Users


def _departments(keep: int | None = None) -> list[Department]:
    """Active departments, and the one with id ``keep`` even when it is deactivated."""
    condition = Department.is_active.is_(True)
    if keep is not None:
        condition = sa.or_(condition, Department.id == keep)
    return list(
        db.session.scalars(sa.select(Department).where(condition).order_by(Department.short_name))
    )


def _department_choices(keep: int | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", _("– kein Fachbereich –"))]
    for d in _departments(keep):
        text = f"{d.short_name} – {d.name}"
        if not d.is_active:
            text += " " + _("(deaktiviert)")
        choices.append(SelectChoice(str(d.id), text))
    return choices


def _department(department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    department = db.session.get(Department, department_id)
    if department is None:
        raise ValidationFailed("Unbekannter Fachbereich.", "Unknown department.")
    return department


def _committee(committee_id: int | None) -> Committee | None:
    if committee_id is None:
        return None
    committee = db.session.get(Committee, committee_id)
    if committee is None:
        raise ValidationFailed("Unbekanntes Gremium.", "Unknown committee.")
    return committee


@bp.get("/users")
@permission_required("admin.access")
def users() -> Any:
    query = (request.args.get("q") or "").strip()[:200]
    page = request.args.get("page", 1, type=int)
    stmt = (
        sa.select(User)
        .options(
            joinedload(User.department),
            selectinload(User.role_assignments).options(
                joinedload(RoleAssignment.department), joinedload(RoleAssignment.committee)
            ),
        )
        .order_by(User.name, User.id)
    )
    if query:
        stmt = stmt.where(
            sa.or_(
                User.name.icontains(query, autoescape=True),
                User.email.icontains(query, autoescape=True),
            )
        )
    pagination = db.paginate(stmt, page=max(page, 1), per_page=USERS_PER_PAGE, error_out=False)
    return render_template(
        "admin/users.html", pagination=pagination, query=query, assignment_label=assignment_label
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("admin.access")
def new_user() -> Any:
    form = UserCreateForm()
    form.department.choices = _department_choices()

    def page(status: int = 200) -> Any:
        return render_template("admin/user_new.html", form=form), status

    if form.validate_on_submit():
        try:
            user = create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                language=form.language.data,
                department=_department(form.department.data),
            )
        except DomainError as exc:
            return refused(exc, page)
        db.session.commit()
        flash(_("Das Konto für %(name)s ist angelegt.", name=user.name), "success")
        return redirect(url_for("admin.user", user_id=user.id))
    return page(422 if form.errors else 200)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(
    user: User,
    *,
    edit_form: UserEditForm | None = None,
    password_form: PasswordResetForm | None = None,
    role_form: RoleForm | None = None,
    substitute_form: SubstituteForm | None = None,
    status: int = 200,
) -> Any:
    """The user's page with all its forms; the one that was sent keeps its input and errors."""
    if edit_form is None:
        edit_form = UserEditForm(
            formdata=None,
            data={
                "name": user.name,
                "email": user.email,
                "department": user.department_id,
                "language": user.language,
                "active": user.is_active_account,
            },
        )
    edit_form.department.choices = _department_choices(keep=user.department_id)
    password_form = password_form or _blank_form(PasswordResetForm)
    role_form = role_form or _blank_form(RoleForm)
    _fill_role_choices(role_form)
    substitute_form = substitute_form or _blank_form(SubstituteForm)
    substitute_form.deputy.choices = deputy_choices(user)
    assignments = db.session.scalars(
        sa.select(RoleAssignment)
        .where(RoleAssignment.user_id == user.id)
        .options(joinedload(RoleAssignment.department), joinedload(RoleAssignment.committee))
        .order_by(RoleAssignment.role, RoleAssignment.id)
    ).all()
    return render_template(
        "admin/user.html",
        user=user,
        edit_form=edit_form,
        password_form=password_form,
        role_form=role_form,
        substitute_form=substitute_form,
        assignments=assignments,
        assignment_label=assignment_label,
        substitutes=upcoming_substitutes(Substitute.user_id == user.id),
        standing_in=upcoming_substitutes(Substitute.deputy_id == user.id),
        today=today(),
    ), status


def _fill_role_choices(form: RoleForm) -> None:
    form.role.choices = [SelectChoice("", _("– bitte wählen –"))] + [
        SelectChoice(r.value, role_label(r)) for r in Role
    ]
    form.scope_department.choices = _department_choices()
    form.scope_department.choices[0] = SelectChoice("", _("– alle (globale Rolle) –"))
    committees = db.session.scalars(
        sa.select(Committee).where(Committee.is_active.is_(True)).order_by(Committee.short_name)
    )
    form.scope_committee.choices = [SelectChoice("", _("– alle (globale Rolle) –"))] + [
        SelectChoice(str(c.id), f"{c.short_name} – {c.name}") for c in committees
    ]


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("admin.access")
def user(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _user_page(user)
    form = UserEditForm()
    form.department.choices = _department_choices(keep=user.department_id)
    if not form.validate_on_submit():
        return _user_page(user, edit_form=form, status=422)
    try:
        update_user(
            user,
            name=form.name.data,
            email=form.email.data,
            language=form.language.data,
            department=_department(form.department.data),
        )
        if form.active.data:
            activate_user(user)
        else:
            deactivate_user(user)
    except DomainError as exc:
        return refused(exc, lambda status: _user_page(user, edit_form=form, status=status))
    db.session.commit()
    flash(_("Die Angaben zu %(name)s sind gespeichert.", name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@permission_required("admin.access")
def reset_password(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = PasswordResetForm()
    if not form.validate_on_submit():
        return _user_page(user, password_form=form, status=422)
    try:
        set_password(user, form.new_password.data)
    except DomainError as exc:
        return refused(exc, lambda status: _user_page(user, password_form=form, status=status))
    db.session.commit()
    flash(_("Das Passwort von %(name)s ist neu gesetzt.", name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/roles")
@permission_required("admin.access")
def add_role(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = RoleForm()
    _fill_role_choices(form)
    if not form.validate_on_submit():
        return _user_page(user, role_form=form, status=422)
    try:
        assign_role(
            user,
            Role(form.role.data),
            department=_department(form.scope_department.data),
            committee=_committee(form.scope_committee.data),
        )
    except DomainError as exc:
        return refused(exc, lambda status: _user_page(user, role_form=form, status=status))
    db.session.commit()
    flash(_("Die Rolle ist zugewiesen."), "success")
    return redirect(url_for("admin.user", user_id=user.id) + "#roles")


@bp.post("/users/<int:user_id>/roles/<int:assignment_id>/delete")
@permission_required("admin.access")
def delete_role(user_id: int, assignment_id: int) -> Any:
    user = _user_or_404(user_id)
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != user.id:
        abort(404)
    label = assignment_label(assignment)
    try:
        remove_role(assignment)
    except DomainError as exc:
        return refused(exc, lambda status: _user_page(user, status=status))
    db.session.commit()
    flash(_("Die Rolle %(role)s ist entfernt.", role=label), "success")
    return redirect(url_for("admin.user", user_id=user.id) + "#roles")


@bp.post("/users/<int:user_id>/substitutes")
@permission_required("admin.access")
def add_user_substitute(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = SubstituteForm()
    form.deputy.choices = deputy_choices(user)
    if not form.validate_on_submit():
        return _user_page(user, substitute_form=form, status=422)
    try:
        create_substitute_from(form, user)
    except DomainError as exc:
        return refused(exc, lambda status: _user_page(user, substitute_form=form, status=status))
    db.session.commit()
    flash(_("Die Vertretung ist eingetragen."), "success")
    return redirect(url_for("admin.user", user_id=user.id) + "#substitutes")


@bp.post("/users/<int:user_id>/substitutes/<int:substitute_id>/delete")
@permission_required("admin.access")
def delete_user_substitute(user_id: int, substitute_id: int) -> Any:
    user = _user_or_404(user_id)
    substitute = db.session.get(Substitute, substitute_id)
    if substitute is None or substitute.user_id != user.id:
        abort(404)
    remove_substitute(substitute)
    db.session.commit()
    flash(_("Die Vertretung ist entfernt."), "success")
    return redirect(url_for("admin.user", user_id=user.id) + "#substitutes")


# ---------------------------------------------------------------------------------------------
# Substitutes of everybody


@bp.get("/substitutes")
@permission_required("admin.access")
def substitutes() -> Any:
    return render_template(
        "admin/substitutes.html", substitutes=upcoming_substitutes(), today=today()
    )


@bp.post("/substitutes/<int:substitute_id>/delete")
@permission_required("admin.access")
def delete_substitute(substitute_id: int) -> Any:
    substitute = db.session.get(Substitute, substitute_id)
    if substitute is None:
        abort(404)
    remove_substitute(substitute)
    db.session.commit()
    flash(_("Die Vertretung ist entfernt."), "success")
    return redirect(url_for("admin.substitutes"))


# ---------------------------------------------------------------------------------------------
# Departments


def _departments_page(form: DepartmentForm | None = None, status: int = 200) -> Any:
    body = current_body()
    rows = db.session.execute(
        sa.select(Department, sa.func.count(User.id))
        .outerjoin(User, User.department_id == Department.id)
        .group_by(Department.id)
        .order_by(Department.is_active.desc(), Department.short_name)
    ).all()
    return render_template(
        "admin/departments.html",
        body=body,
        rows=rows,
        form=form or _blank_form(DepartmentForm),
    ), status


@bp.route("/departments", methods=["GET", "POST"])
@permission_required("admin.access")
def departments() -> Any:
    if request.method == "GET":
        return _departments_page()
    form = DepartmentForm()
    if not form.validate_on_submit():
        return _departments_page(form, 422)
    try:
        department = add_department(short_name=form.short_name.data, name=form.name.data)
    except DomainError as exc:
        return refused(exc, lambda status: _departments_page(form, status))
    db.session.commit()
    flash(_("Der Fachbereich %(name)s ist angelegt.", name=department.short_name), "success")
    return redirect(url_for("admin.departments"))


def _department_or_404(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    return department


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@permission_required("admin.access")
def department(department_id: int) -> Any:
    department = _department_or_404(department_id)
    form = DepartmentForm(obj=department)

    def page(status: int = 200) -> Any:
        return render_template("admin/department.html", department=department, form=form), status

    if request.method == "GET":
        return page()
    if not form.validate_on_submit():
        return page(422)
    try:
        update_department(department, short_name=form.short_name.data, name=form.name.data)
    except DomainError as exc:
        return refused(exc, page)
    db.session.commit()
    flash(_("Der Fachbereich %(name)s ist gespeichert.", name=department.short_name), "success")
    return redirect(url_for("admin.departments"))


@bp.post("/departments/<int:department_id>/deactivate")
@permission_required("admin.access")
def deactivate(department_id: int) -> Any:
    department = _department_or_404(department_id)
    deactivate_department(department)
    db.session.commit()
    flash(_("Der Fachbereich %(name)s ist deaktiviert.", name=department.short_name), "success")
    return redirect(url_for("admin.departments"))


@bp.post("/departments/<int:department_id>/activate")
@permission_required("admin.access")
def activate(department_id: int) -> Any:
    department = _department_or_404(department_id)
    activate_department(department)
    db.session.commit()
    flash(_("Der Fachbereich %(name)s ist wieder aktiv.", name=department.short_name), "success")
    return redirect(url_for("admin.departments"))


# ---------------------------------------------------------------------------------------------
# Workflows (read-only)


def _display_file(error: DefinitionError | str) -> str:
    """The file name relative to the workflows folder (the full path when outside it)."""
    path = Path(error if isinstance(error, str) else error.file)
    try:
        return str(path.relative_to(registry().directory))
    except ValueError:
        return str(path)


def _versions() -> dict[str, list[tuple[StoredWorkflow, int]]]:
    """Stored versions by name, newest first, each with the number of its measures."""
    rows = db.session.execute(
        sa.select(StoredWorkflow, sa.func.count(Measure.id))
        .outerjoin(Measure, Measure.workflow_id == StoredWorkflow.id)
        .group_by(StoredWorkflow.id)
        .order_by(StoredWorkflow.name, StoredWorkflow.version.desc())
    ).all()
    result: dict[str, list[tuple[StoredWorkflow, int]]] = defaultdict(list)
    for stored, count in rows:
        result[stored.name].append((stored, count))
    return result


@bp.get("/workflows")
@permission_required("admin.access")
def workflows() -> Any:
    reg = registry()
    loaded = [reg.file_definition(name) for name in reg.names()]
    versions = _versions()
    broken: dict[str, dict[str, Any]] = {}
    for error in reg.errors:
        path = Path(error.file)
        entry = broken.setdefault(
            error.file,
            {
                "file": _display_file(error),
                # the name the file would define, for the link to its page
                "name": path.stem if path.suffix in (".yaml", ".yml") else None,
                "errors": [],
            },
        )
        entry["errors"].append(error)
    return render_template(
        "admin/workflows.html",
        loaded=loaded,
        versions=versions,
        orphans=sorted(set(versions) - {w.name for w in loaded}),
        broken=list(broken.values()),
        directory=reg.directory,
    )


@bp.get("/workflows/<name>")
@permission_required("admin.access")
def workflow(name: str) -> Any:
    reg = registry()
    loaded = reg.file_definition(name) if name in reg.names() else None
    errors = [
        (error, _display_file(error))
        for error in reg.errors
        if Path(error.file).stem == name or (loaded is not None and error.file == loaded.path)
    ]
    versions = _versions().get(name, [])
    if loaded is None and not errors and not versions:
        abort(404)
    lang = language()
    return render_template(
        "admin/workflow.html",
        name=name,
        loaded=loaded,
        loaded_file=_display_file(loaded.path) if loaded else None,
        definition=loaded.definition if loaded else None,
        description=render.describe(loaded.definition, lang) if loaded else None,
        mermaid_source=render.mermaid(loaded.definition, language=lang) if loaded else None,
        errors=errors,
        versions=versions,
    )
