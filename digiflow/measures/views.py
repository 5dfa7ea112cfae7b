"""Pages of one measure: detail, form and workflow actions.

Thin views: they parse forms, call operations (``operations.py``, ``collaboration.py``) and
commit once. A refused action is rolled back; its message is shown on the measure page, which
answers with the error's HTTP status. Measures the user may not see answer 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from digiflow.catalogs.models import CatalogEntry, CatalogKind
from digiflow.core.db import db, utcnow
from digiflow.core.errors import DomainError
from digiflow.core.formatting import language
from digiflow.core.permissions import can
from digiflow.core.time import local_date
from digiflow.core.workflow.definition import StepDef, TransitionDef, WorkflowDef
from digiflow.core.workflow.engine import find_identity, guard_failures, identities, open_slot
from digiflow.funding.models import FundingProgramme
from digiflow.measures.attachments import stored_path, too_large, type_label
from digiflow.measures.blueprint import bp
from digiflow.measures.collaboration import (
    add_attachment,
    add_comment,
    can_delete_attachment,
    delete_attachment,
    unwatch_measure,
    update_measure_details,
    watch_measure,
)
from digiflow.measures.committee_views import committee_context
from digiflow.measures.forms import (
    NO_CHOICE,
    AttachmentForm,
    CommentForm,
    DecideForm,
    MeasureForm,
    TransitionForm,
    WithdrawForm,
)
from digiflow.measures.models import (
    ApprovalTask,
    Attachment,
    AttachmentKind,
    Comment,
    Decision,
    HistoryAction,
    HistoryEntry,
    Measure,
    TaskStatus,
    Watch,
)
from digiflow.measures.operations import (
    EDITABLE_FIELDS,
    available_transitions,
    create_measure,
    decide_approval,
    submit_measure,
    transition_measure,
    update_measure,
    withdraw_measure,
)
from digiflow.org.models import Committee, Department
from digiflow.users.models import User

__all__ = ["bp"]

#: Ids are 32-bit integers in PostgreSQL; a larger number in a URL is simply not found.
MAX_ID = 2**31 - 1

#: Labels of the fields an "edited" history entry may name.
FIELD_LABELS = {
    "title": _l("Titel"),
    "description": _l("Beschreibung"),
    "owner_id": _l("Verantwortliche Person"),
    "field_of_action_id": _l("Handlungsfeld"),
    "priority_id": _l("Priorität"),
    "cost_one_off": _l("Einmalige Kosten"),
    "cost_recurring": _l("Laufende Kosten pro Jahr"),
    "budget_year": _l("Haushaltsjahr"),
    "start_date": _l("Beginn"),
    "target_date": _l("Zieltermin"),
    "it_provider_id": _l("IT-Dienstleister"),
    "funding_programme_id": _l("Förderprogramm"),
    "strategic_goal_ids": _l("Strategische Ziele"),
}

ACTION_LABELS = {
    HistoryAction.created: _l("Angelegt"),
    HistoryAction.edited: _l("Angaben geändert"),
    HistoryAction.transition: _l("Weitergeleitet"),
    HistoryAction.approval_opened: _l("Genehmigungsschritt eröffnet"),
    HistoryAction.approved: _l("Genehmigt"),
    HistoryAction.rejected: _l("Abgelehnt"),
    HistoryAction.returned: _l("Zur Überarbeitung zurückgegeben"),
    HistoryAction.committee_result: _l("Ergebnis des Gremiums"),
    HistoryAction.withdrawn: _l("Zurückgezogen"),
    HistoryAction.attachment_added: _l("Anhang hinzugefügt"),
    HistoryAction.attachment_removed: _l("Anhang entfernt"),
}

KIND_LABELS = {
    AttachmentKind.concept: _l("Konzept"),
    AttachmentKind.report: _l("Bericht"),
    AttachmentKind.other: _l("Sonstiges"),
}

COMMITTEE_RESULT_LABELS = {
    "recommended": _l("empfohlen"),
    "amended": _l("mit Änderungen"),
    "rejected": _l("abgelehnt"),
    "deferred": _l("vertagt"),
    "noted": _l("zur Kenntnis genommen"),
}


# -- loading -------------------------------------------------------------------------------


def _load_measure(measure_id: int, *, for_page: bool = False) -> Measure:
    """The measure, or 404 unless the user may see it.

    ``for_page`` loads everything its facts show in one go. Actions load the measure plainly:
    operations lock its row with ``SELECT ... FOR UPDATE``, which PostgreSQL refuses on the
    outer joins of eager loading.
    """
    if measure_id > MAX_ID:
        abort(404)
    if for_page:
        measure = db.session.scalar(
            sa.select(Measure)
            .where(Measure.id == measure_id)
            .options(
                joinedload(Measure.workflow),
                joinedload(Measure.department),
                joinedload(Measure.owner),
                joinedload(Measure.field_of_action),
                joinedload(Measure.priority),
                joinedload(Measure.it_provider),
                joinedload(Measure.funding_programme),
                selectinload(Measure.strategic_goals),
            )
        )
    else:
        measure = db.session.get(Measure, measure_id)
    if measure is None or not can(current_user, "measure.view", measure):
        abort(404)
    return measure


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _unique_ids(form: Any, suffix: str | int) -> Any:
    """Give a form's fields ids of their own, for pages that show the same form several times."""
    for item in form:
        item.id = f"{item.name}-{suffix}"
        item.label.field_id = item.id
    return form


def filesize(size: int) -> str:
    """1,2 MB / 340 KB in the user's language."""
    if size >= 1024 * 1024:
        return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"
    if size >= 1024:
        return f"{format_decimal(round(size / 1024))} KB"
    return f"{format_decimal(size)} B"


# -- the measure page ----------------------------------------------------------------------


@dataclass
class TransitionAction:
    key: str
    transition: TransitionDef
    form: TransitionForm
    blockers: list[str] = field(default_factory=list)
    on_behalf_of: User | None = None  # when the user may start it only as a substitute


@dataclass
class PendingStep:
    task: ApprovalTask
    step: StepDef
    transition: TransitionDef
    is_overdue: bool
    form: DecideForm | None = None  # only for people who may decide it now
    on_behalf_of: User | None = None


def _pending_steps(
    measure: Measure, definition: WorkflowDef, user: User, today: date, bound: DecideForm | None
) -> list[PendingStep]:
    tasks = db.session.scalars(
        sa.select(ApprovalTask)
        .where(ApprovalTask.measure_id == measure.id, ApprovalTask.status == TaskStatus.pending)
        .options(selectinload(ApprovalTask.decisions))
        .order_by(ApprovalTask.order, ApprovalTask.id)
    ).all()
    if not tasks:
        return []
    people = identities(user, today)
    steps = []
    for task in tasks:
        transition = definition.transitions[task.transition]
        assert transition.approval is not None
        step = next(s for s in transition.approval.steps if s.key == task.step)
        item = PendingStep(
            task, step, transition, is_overdue=task.due_on is not None and task.due_on < today
        )
        for identity in people:
            if open_slot(identity.principal, step, task.decisions, measure) is not None:
                item.on_behalf_of = identity.on_behalf_of
                item.form = _decide_form(measure, task, transition, bound)
                break
        steps.append(item)
    return steps


def _decide_form(
    measure: Measure, task: ApprovalTask, transition: TransitionDef, bound: DecideForm | None
) -> DecideForm:
    if bound is not None and bound.task_id.data == str(task.id):
        form = bound
    else:
        form = DecideForm(formdata=None, task_id=str(task.id))
    approval = transition.approval
    assert approval is not None
    may_return = approval.return_to is not None and (
        approval.max_returns is None or measure.return_count < approval.max_returns
    )
    if not may_return:
        form.decision.choices = [c for c in form.decision.choices if c.value != Decision.ret.value]
    return _unique_ids(form, task.id)


def _render_detail(
    measure: Measure,
    status: int = 200,
    *,
    transition_form: tuple[str, TransitionForm] | None = None,
    decide_form: DecideForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    comment_form: CommentForm | None = None,
    attachment_form: AttachmentForm | None = None,
) -> Any:
    user = _user()
    today = local_date(utcnow())
    lang = language()
    definition = measure.definition

    history = db.session.scalars(
        sa.select(HistoryEntry)
        .where(HistoryEntry.measure_id == measure.id)
        .options(joinedload(HistoryEntry.actor), joinedload(HistoryEntry.on_behalf_of))
        .order_by(HistoryEntry.id.desc())
    ).all()
    committee_ids = {
        (entry.changes or {}).get("committee_id")
        for entry in history
        if entry.action == HistoryAction.committee_result
    } - {None}
    committees = (
        {
            c.id: c
            for c in db.session.scalars(sa.select(Committee).where(Committee.id.in_(committee_ids)))
        }
        if committee_ids
        else {}
    )
    comments = db.session.scalars(
        sa.select(Comment)
        .where(Comment.measure_id == measure.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    attachments = db.session.scalars(
        sa.select(Attachment)
        .where(Attachment.measure_id == measure.id, Attachment.deleted_at.is_(None))
        .options(joinedload(Attachment.uploaded_by))
        .order_by(Attachment.uploaded_at, Attachment.id)
    ).all()
    watchers, watching = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((Watch.user_id == user.id, 1), else_=0)), 0),
        ).where(Watch.measure_id == measure.id)
    ).one()

    # what this user may do now
    transitions = []
    for key in available_transitions(measure, user):
        transition = definition.transitions[key]
        if transition_form is not None and transition_form[0] == key:
            form = transition_form[1]
        else:
            form = TransitionForm(formdata=None)
        form.version.data = measure.version
        form.comment.flags.required = transition.comment_required
        blockers = [en if lang == "en" else de for de, en in guard_failures(measure, transition)]
        identity = find_identity(user, transition.by, measure, today)
        transitions.append(
            TransitionAction(
                key,
                transition,
                _unique_ids(form, key),
                blockers,
                identity.on_behalf_of if identity else None,
            )
        )
    withdraw_identity = (
        find_identity(user, definition.withdraw.by, measure, today)
        if definition.withdraw is not None and not definition.is_terminal(measure.state)
        else None
    )
    if withdraw_identity is not None:
        withdraw_form = _unique_ids(withdraw_form or WithdrawForm(formdata=None), "withdraw")
        withdraw_form.version.data = measure.version
    else:
        withdraw_form = None
    pending = _pending_steps(measure, definition, user, today, decide_form)
    may_comment = can(user, "measure.comment", measure)
    may_attach = can(user, "measure.attach", measure)

    return (
        render_template(
            "measures/detail.html",
            measure=measure,
            definition=definition,
            state=definition.states[measure.state],
            is_overdue=(
                measure.state_deadline is not None
                and measure.state_deadline < today
                and not measure.is_closed
            ),
            history=history,
            committees=committees,
            comments=comments,
            attachments=attachments,
            deletable={a.id for a in attachments if can_delete_attachment(user, measure, a)},
            watchers=watchers,
            watching=bool(watching),
            transitions=transitions,
            withdraw_form=withdraw_form,
            withdraw_on_behalf_of=withdraw_identity.on_behalf_of if withdraw_identity else None,
            may_edit=can(user, "measure.edit", measure),
            pending=pending,
            may_decide=any(item.form is not None for item in pending),
            comment_form=_unique_ids(comment_form or CommentForm(formdata=None), "comment")
            if may_comment
            else None,
            attachment_form=_unique_ids(
                attachment_form or AttachmentForm(formdata=None), "attachment"
            )
            if may_attach
            else None,
            **committee_context(measure, list(history), user),
            max_upload_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
            field_labels=FIELD_LABELS,
            action_labels=ACTION_LABELS,
            kind_labels=KIND_LABELS,
            result_labels=COMMITTEE_RESULT_LABELS,
            type_label=type_label,
            filesize=filesize,
        ),
        status,
    )


@bp.get("/<int:measure_id>")
@login_required
def detail(measure_id: int) -> Any:
    return _render_detail(_load_measure(measure_id, for_page=True))


def _refused(measure_id: int, exc: DomainError, **forms: Any) -> Any:
    """Roll back, show why on the measure page, answer with the error's status."""
    db.session.rollback()
    flash(exc.message(language()), "error")
    return _render_detail(_load_measure(measure_id, for_page=True), exc.http_status, **forms)


def _invalid(measure: Measure, **forms: Any) -> Any:
    """A form with errors: the messages are next to its fields; the page answers 422."""
    flash(_("Bitte korrigieren Sie die markierten Angaben."), "error")
    return _render_detail(_load_measure(measure.id, for_page=True), 422, **forms)


def _back(measure: Measure, message: str, anchor: str | None = None) -> Any:
    flash(message, "success")
    return redirect(url_for("measures.detail", measure_id=measure.id, _anchor=anchor))


def _version(raw: Any) -> int:
    """The version a form was opened on; a missing or broken one counts as stale."""
    text = str(raw or "")
    return int(text) if text.isdigit() else -1


# -- workflow actions ----------------------------------------------------------------------


@bp.post("/<int:measure_id>/transition/<key>")
@login_required
def transition(measure_id: int, key: str) -> Any:
    measure = _load_measure(measure_id)
    form = TransitionForm()
    transition = measure.definition.transitions.get(key)
    if not form.validate():
        return _invalid(measure, transition_form=(key, form))
    comment = (form.comment.data or "").strip() or None
    if transition is not None and transition.comment_required and not comment:
        form.comment.errors = [_("Bitte geben Sie eine Begründung an.")]
        return _invalid(measure, transition_form=(key, form))
    try:
        if key == "submit":
            submit_measure(
                measure,
                actor=_user(),
                comment=comment,
                expected_version=_version(form.version.data),
            )
        else:
            transition_measure(
                measure,
                key,
                actor=_user(),
                comment=comment,
                expected_version=_version(form.version.data),
            )
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc, transition_form=(key, form))
    assert transition is not None
    return _back(
        measure,
        _("„%(label)s“ ist erledigt.", label=transition.label.get(language())),
        "history",
    )


@bp.post("/<int:measure_id>/decide")
@login_required
def decide(measure_id: int) -> Any:
    measure = _load_measure(measure_id)
    form = DecideForm()
    if not form.validate():
        return _invalid(measure, decide_form=form)
    decision = Decision(form.decision.data)
    try:
        record = decide_approval(
            measure,
            actor=_user(),
            decision=decision,
            reason=form.reason.data,
            task=int(form.task_id.data),
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc, decide_form=form)
    message = {
        Decision.approve: _("Ihre Genehmigung wurde gespeichert."),
        Decision.reject: _("Die Maßnahme wurde abgelehnt."),
        Decision.ret: _("Die Maßnahme wurde zur Überarbeitung zurückgegeben."),
    }[decision]
    if record.on_behalf_of_id is not None:
        principal = db.session.get(User, record.principal_id)
        assert principal is not None
        message += " (" + _("im Auftrag von %(name)s", name=principal.name) + ")"
    return _back(measure, message, "history")


@bp.post("/<int:measure_id>/withdraw")
@login_required
def withdraw(measure_id: int) -> Any:
    measure = _load_measure(measure_id)
    form = WithdrawForm()
    if not form.validate():
        return _invalid(measure, withdraw_form=form)
    try:
        withdraw_measure(
            measure,
            actor=_user(),
            reason=form.reason.data,
            expected_version=_version(form.version.data),
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc, withdraw_form=form)
    return _back(measure, _("Die Maßnahme wurde zurückgezogen."), "history")


# -- comments and watching -----------------------------------------------------------------


@bp.post("/<int:measure_id>/comments")
@login_required
def comment(measure_id: int) -> Any:
    measure = _load_measure(measure_id)
    if not can(current_user, "measure.comment", measure):
        abort(403)
    form = CommentForm()
    if not form.validate():
        return _invalid(measure, comment_form=form)
    try:
        add_comment(measure, actor=_user(), body=form.body.data)
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc, comment_form=form)
    return _back(measure, _("Ihr Kommentar wurde gespeichert."), "comments")


@bp.post("/<int:measure_id>/watch")
@login_required
def watch(measure_id: int) -> Any:
    measure = _load_measure(measure_id)
    try:
        watch_measure(measure, user=_user())
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc)
    return _back(measure, _("Sie beobachten diese Maßnahme jetzt."))


@bp.post("/<int:measure_id>/unwatch")
@login_required
def unwatch(measure_id: int) -> Any:
    measure = _load_measure(measure_id)
    try:
        unwatch_measure(measure, user=_user())
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc)
    return _back(measure, _("Sie beobachten diese Maßnahme nicht mehr."))


# -- attachments ---------------------------------------------------------------------------


@bp.post("/<int:measure_id>/attachments")
@login_required
def upload_attachment(measure_id: int) -> Any:
    measure = _load_measure(measure_id)
    if not can(current_user, "measure.attach", measure):
        abort(403)
    form = AttachmentForm()
    if not form.validate():
        return _invalid(measure, attachment_form=form)
    upload = form.file.data
    try:
        add_attachment(
            measure,
            actor=_user(),
            kind=form.kind.data,
            filename=upload.filename,
            stream=upload.stream,
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc, attachment_form=form)
    return _back(measure, _("Der Anhang wurde gespeichert."), "attachments")


@bp.get("/<int:measure_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(measure_id: int, attachment_id: int) -> Any:
    measure = _load_measure(measure_id)
    attachment = db.session.get(Attachment, attachment_id) if attachment_id <= MAX_ID else None
    if attachment is None or attachment.measure_id != measure.id or attachment.deleted_at:
        abort(404)
    path = stored_path(attachment.stored_name)
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s is missing", attachment.id, path)
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
        etag=attachment.sha256,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:measure_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment_view(measure_id: int, attachment_id: int) -> Any:
    measure = _load_measure(measure_id)
    attachment = db.session.get(Attachment, attachment_id) if attachment_id <= MAX_ID else None
    if attachment is None or attachment.measure_id != measure.id:
        abort(404)
    try:
        delete_attachment(measure, attachment, actor=_user())
        db.session.commit()
    except DomainError as exc:
        return _refused(measure_id, exc)
    return _back(measure, _("Der Anhang wurde entfernt."), "attachments")


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> Any:
    """A request larger than MAX_CONTENT_LENGTH: say so on the measure page, store nothing."""
    measure_id = (request.view_args or {}).get("measure_id")
    if not current_user.is_authenticated or measure_id is None:
        return render_template("errors/error.html", code=413), 413
    # the body is not read: forms on the page must not try to parse it again
    body = request._get_current_object().__dict__  # type: ignore[attr-defined]
    body.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    return _refused(measure_id, too_large(current_app.config["MAX_UPLOAD_BYTES"]))


# -- the measure form ----------------------------------------------------------------------


def _creatable_departments(user: User) -> list[Department]:
    departments = db.session.scalars(
        sa.select(Department)
        .where(Department.is_active.is_(True))
        .order_by(Department.short_name, Department.id)
    ).all()
    return [d for d in departments if can(user, "measure.create", d)]


def _department_label(department: Department) -> str:
    return f"{department.short_name} – {department.name}"


def _fill_choices(
    form: MeasureForm,
    user: User,
    departments: list[Department],
    measure: Measure | None = None,
) -> None:
    """Fill the selects: catalog entries, funding programmes, owners (labels in user language)."""
    lang = language()
    empty = SelectChoice(NO_CHOICE, _("– keine Angabe –"))
    current = {
        CatalogKind.field_of_action: [measure.field_of_action_id] if measure else [],
        CatalogKind.priority: [measure.priority_id] if measure else [],
        CatalogKind.it_provider: [measure.it_provider_id] if measure else [],
        CatalogKind.strategic_goal: [g.id for g in measure.strategic_goals] if measure else [],
    }
    chosen = [i for ids in current.values() for i in ids if i is not None]
    entries = db.session.scalars(
        sa.select(CatalogEntry)
        .where(sa.or_(CatalogEntry.is_active.is_(True), CatalogEntry.id.in_(chosen)))
        .order_by(CatalogEntry.position, CatalogEntry.id)
    ).all()
    by_kind: dict[CatalogKind, list[SelectChoice]] = {kind: [] for kind in CatalogKind}
    for entry in entries:
        by_kind[entry.kind].append(SelectChoice(str(entry.id), entry.label(lang)))
    form.field_of_action_id.choices = [empty, *by_kind[CatalogKind.field_of_action]]
    form.priority_id.choices = [empty, *by_kind[CatalogKind.priority]]
    form.it_provider_id.choices = [empty, *by_kind[CatalogKind.it_provider]]
    form.strategic_goal_ids.choices = by_kind[CatalogKind.strategic_goal]

    body_ids = {d.body_id for d in departments} if measure is None else {measure.body_id}
    programmes = db.session.scalars(
        sa.select(FundingProgramme)
        .where(
            FundingProgramme.body_id.in_(body_ids),
            sa.or_(
                FundingProgramme.is_active.is_(True),
                FundingProgramme.id == (measure.funding_programme_id if measure else None),
            ),
        )
        .order_by(FundingProgramme.name, FundingProgramme.id)
    ).all()
    form.funding_programme_id.choices = [
        empty,
        *(SelectChoice(str(p.id), p.name) for p in programmes),
    ]

    department_ids = [d.id for d in departments] if measure is None else [measure.department_id]
    keep = {user.id} | ({measure.owner_id} if measure else set())
    owners = db.session.scalars(
        sa.select(User)
        .where(
            sa.or_(
                sa.and_(User.department_id.in_(department_ids), User.is_active_account.is_(True)),
                User.id.in_(keep),
            )
        )
        .options(joinedload(User.department))
        .order_by(User.name, User.id)
    ).all()
    form.owner_id.choices = [
        SelectChoice(str(u.id), f"{u.name} ({u.department.short_name})" if u.department else u.name)
        for u in owners
    ]
    form.owner_ids_by_department = {  # type: ignore[attr-defined]
        u.id: u.department_id for u in owners
    }
    if measure is None:
        form.department_id.choices = [
            SelectChoice(str(d.id), _department_label(d)) for d in departments
        ]


def _owner_fits(form: MeasureForm, user: User, department_id: int, measure: Measure | None) -> bool:
    """The owner belongs to the department, or is the person filling in the form (or was set)."""
    owner_id = form.owner_id.data
    if owner_id == user.id or (measure is not None and owner_id == measure.owner_id):
        return True
    return form.owner_ids_by_department.get(owner_id) == department_id  # type: ignore[attr-defined]


def _values(form: MeasureForm) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in EDITABLE_FIELDS}


def _details(form: MeasureForm) -> dict[str, Any]:
    return {
        "it_provider_id": form.it_provider_id.data,
        "funding_programme_id": form.funding_programme_id.data,
        "strategic_goal_ids": form.strategic_goal_ids.data or [],
    }


def _owner_error(form: MeasureForm) -> None:
    form.owner_id.errors = [
        *form.owner_id.errors,
        _("Die verantwortliche Person gehört nicht zum gewählten Fachbereich."),
    ]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    user = _user()
    departments = _creatable_departments(user)
    if not departments:
        abort(403)
    form = MeasureForm()
    del form.version
    _fill_choices(form, user, departments)
    if request.method == "GET":
        form.owner_id.data = user.id
        if len(departments) == 1:
            form.department_id.data = departments[0].id
    elif form.validate():
        department = next(d for d in departments if d.id == form.department_id.data)
        if not _owner_fits(form, user, department.id, None):
            _owner_error(form)
        else:
            values = _values(form)
            try:
                now = utcnow()
                measure = create_measure(
                    actor=user,
                    department=department,
                    title=values.pop("title"),
                    now=now,
                    **values,
                )
                update_measure_details(measure, actor=user, now=now, record=False, **_details(form))
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message(language()), "error")
                return render_template("measures/form.html", form=form, measure=None), (
                    exc.http_status
                )
            return _back(measure, _("Die Maßnahme wurde angelegt."))
    status = 422 if form.errors else 200
    return render_template("measures/form.html", form=form, measure=None), status


@bp.route("/<int:measure_id>/edit", methods=["GET", "POST"])
@login_required
def edit(measure_id: int) -> Any:
    user = _user()
    measure = _load_measure(measure_id)
    if not can(user, "measure.edit", measure):
        abort(403)
    if request.method == "GET":
        form = MeasureForm(formdata=None, obj=measure)
        form.strategic_goal_ids.data = [g.id for g in measure.strategic_goals]
        form.version.data = measure.version
    else:
        form = MeasureForm()
    del form.department_id
    _fill_choices(form, user, [measure.department], measure)
    if request.method == "POST" and form.validate():
        if not _owner_fits(form, user, measure.department_id, measure):
            _owner_error(form)
        else:
            try:
                now = utcnow()
                update_measure(
                    measure,
                    actor=user,
                    expected_version=_version(form.version.data),
                    now=now,
                    **_values(form),
                )
                update_measure_details(measure, actor=user, now=now, **_details(form))
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message(language()), "error")
                return render_template("measures/form.html", form=form, measure=measure), (
                    exc.http_status
                )
            return _back(measure, _("Die Änderungen wurden gespeichert."))
    status = 422 if form.errors else 200
    return render_template("measures/form.html", form=form, measure=measure), status
