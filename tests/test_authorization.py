"""Every route, for every role: the expected answer.

OK means the request was served or refused on its content (2xx, 3xx except to the login
page, 409, 413, 422); FORBIDDEN is 403 (a visible object, an action the role may not take);
HIDDEN is 404 (an object the user may not see: nothing is revealed by guessing ids); LOGIN is
the redirect to the login page. A new route without an entry makes the coverage test fail.

The cases of the measures, users and admin routes are below; each further module keeps its
own in ``tests/authorization_cases/<module>.py`` (a function ``cases(ids)``), on the same
world (``build_world``). GET requests of one role share one world; a POST gets a fresh one
after an accepted POST.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.measures.collaboration import add_attachment
from digiflow.measures.models import ApprovalTask, Decision, SavedFilter, TaskStatus
from digiflow.measures.operations import decide_approval, submit_measure
from digiflow.notifications.models import OutboxMessage
from digiflow.users.operations import assign_role
from tests.authorization_cases import (
    ADMIN_ONLY,
    ALL_OK,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    OK,
    ROLES,
    Case,
    expect,
)
from tests.authorization_world import COMMITTEE_ID_KEYS, build_committee_world
from tests.conftest import _empty_tables, csrf_token
from tests.factories import PASSWORD, World, make_substitute, make_user

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


# the measure in dept A: the other department's proposer does not see it
MEASURE_VIEW = expect(OK, other_proposer=HIDDEN)
MEASURE_ACT_A = expect(FORBIDDEN, other_proposer=HIDDEN, proposer=OK, head=OK, office=OK)


ID_KEYS = (
    "proposal",
    "draft",
    "committee",
    "attachment",
    "filter",
    "substitute",
    "task",
    "user",
    "assignment",
    "department",
    "version",
    "specialist",
    "mail",
    *COMMITTEE_ID_KEYS,
)


def build_world() -> tuple[World, dict]:
    world = World()
    world.other_proposer = make_user(department=world.other_dept, name="Fremd")
    assign_role(world.other_proposer, Role.proposer, department=world.other_dept)
    world.anonymous = None
    proposal = world.measure(title="Im Vorschlag")
    submit_measure(proposal, actor=world.proposer)
    draft = world.measure(title="Entwurf")
    committee = world.measure(title="Beim Ausschuss")
    submit_measure(committee, actor=world.proposer)
    for actor in (world.head, world.office, world.finance, world.office2):
        decide_approval(committee, actor=actor, decision=Decision.approve)
    attachment = add_attachment(
        proposal,
        actor=world.proposer,
        kind="concept",
        filename="konzept.png",
        stream=io.BytesIO(PNG),
    )
    saved = SavedFilter(user_id=world.proposer.id, name="Meine", query="state=proposal")
    db.session.add(saved)
    deputy = make_user(department=world.dept)
    substitute = make_substitute(
        world.proposer, deputy, date.today(), date.today() + timedelta(days=5)
    )
    task = db.session.scalars(
        db.select(ApprovalTask).where(
            ApprovalTask.measure_id == proposal.id, ApprovalTask.status == TaskStatus.pending
        )
    ).one()
    role = world.proposer.role_assignments[0]
    db.session.commit()
    ids = {
        "proposal": proposal.id,
        "draft": draft.id,
        "committee": committee.id,
        "attachment": attachment.id,
        "filter": saved.id,
        "substitute": substitute.id,
        "task": task.id,
        "user": world.proposer.id,
        "assignment": role.id,
        "department": world.dept.id,
        "version": proposal.version,
        "specialist": world.specialist.id,
        "mail": db.session.scalar(db.select(OutboxMessage.id).order_by(OutboxMessage.id)),
    }
    ids.update(build_committee_world(world))
    db.session.commit()
    return world, ids


def cases(ids: dict) -> dict[str, Case]:
    """Every route's case: the ones below and those of ``tests/authorization_cases/``."""
    merged = core_cases(ids)
    for module in _case_modules():
        for endpoint, case in module.cases(ids).items():
            assert endpoint not in merged, f"{endpoint} has two cases"
            merged[endpoint] = case
    return merged


def _case_modules() -> list:
    import importlib
    import pkgutil

    import tests.authorization_cases as package

    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]


def core_cases(ids: dict) -> dict[str, Case]:
    p, d = ids["proposal"], ids["draft"]
    return {
        "system.index": Case("GET", "/", ALL_OK),
        "system.healthz": Case("GET", "/healthz", expect(OK, anonymous=OK)),
        "auth.login": Case("GET", "/login", expect(OK, anonymous=OK)),
        "auth.logout": Case("POST", "/logout", ALL_OK),
        "auth.profile": Case("GET", "/profile", ALL_OK),
        "auth.substitutes": Case("GET", "/profile/substitutes", ALL_OK),
        "auth.delete_substitute": Case(
            "POST", f"/profile/substitutes/{ids['substitute']}/delete", expect(HIDDEN, proposer=OK)
        ),
        "admin.index": Case("GET", "/admin/", ADMIN_ONLY),
        "admin.users": Case("GET", "/admin/users", ADMIN_ONLY),
        "admin.new_user": Case("GET", "/admin/users/new", ADMIN_ONLY),
        "admin.user": Case("GET", f"/admin/users/{ids['user']}", ADMIN_ONLY),
        "admin.reset_password": Case("POST", f"/admin/users/{ids['user']}/password", ADMIN_ONLY),
        "admin.add_role": Case("POST", f"/admin/users/{ids['user']}/roles", ADMIN_ONLY),
        "admin.delete_role": Case(
            "POST", f"/admin/users/{ids['user']}/roles/{ids['assignment']}/delete", ADMIN_ONLY
        ),
        "admin.add_user_substitute": Case(
            "POST", f"/admin/users/{ids['user']}/substitutes", ADMIN_ONLY
        ),
        "admin.delete_user_substitute": Case(
            "POST", f"/admin/users/{ids['user']}/substitutes/{ids['substitute']}/delete", ADMIN_ONLY
        ),
        "admin.substitutes": Case("GET", "/admin/substitutes", ADMIN_ONLY),
        "admin.delete_substitute": Case(
            "POST", f"/admin/substitutes/{ids['substitute']}/delete", ADMIN_ONLY
        ),
        "admin.departments": Case("GET", "/admin/departments", ADMIN_ONLY),
        "admin.department": Case("GET", f"/admin/departments/{ids['department']}", ADMIN_ONLY),
        "admin.deactivate": Case(
            "POST", f"/admin/departments/{ids['department']}/deactivate", ADMIN_ONLY
        ),
        "admin.activate": Case(
            "POST", f"/admin/departments/{ids['department']}/activate", ADMIN_ONLY
        ),
        "admin.workflows": Case("GET", "/admin/workflows", ADMIN_ONLY),
        "admin.workflow": Case("GET", "/admin/workflows/digitalization_measure", ADMIN_ONLY),
        "admin.outbox": Case("GET", "/admin/outbox", ADMIN_ONLY),
        "admin.resend_mail": Case("POST", f"/admin/outbox/{ids['mail']}/resend", ADMIN_ONLY),
        "measures.index": Case("GET", "/measures/", ALL_OK),
        "measures.board": Case("GET", "/measures/board", ALL_OK),
        "measures.export_csv": Case("GET", "/measures/export.csv", ALL_OK),
        "measures.export_xlsx": Case("GET", "/measures/export.xlsx", ALL_OK),
        "measures.save_filter_view": Case(
            "POST", "/measures/filters", ALL_OK, {"name": "Neu", "query": "overdue=y"}
        ),
        "measures.delete_filter_view": Case(
            "POST", f"/measures/filters/{ids['filter']}/delete", expect(HIDDEN, proposer=OK)
        ),
        "measures.create": Case(
            "GET",
            "/measures/new",
            expect(FORBIDDEN, proposer=OK, other_proposer=OK, head=OK, office=OK),
        ),
        "measures.detail": Case("GET", f"/measures/{p}", MEASURE_VIEW),
        "measures.edit": Case("GET", f"/measures/{d}/edit", MEASURE_ACT_A),
        "measures.transition": Case(
            "POST",
            f"/measures/{p}/transition/defer",
            expect(FORBIDDEN, other_proposer=HIDDEN, office=OK),
            {"comment": "Nächstes Jahr", "version": str(ids["version"])},
        ),
        "measures.decide": Case(
            "POST",
            f"/measures/{p}/decide",
            expect(FORBIDDEN, other_proposer=HIDDEN, head=OK),
            {"task_id": str(ids["task"]), "decision": "approve", "reason": ""},
        ),
        "measures.withdraw": Case(
            "POST",
            f"/measures/{p}/withdraw",
            MEASURE_ACT_A,
            {"reason": "Erledigt", "version": str(ids["version"])},
        ),
        "measures.comment": Case(
            "POST",
            f"/measures/{p}/comments",
            expect(OK, other_proposer=HIDDEN, council=FORBIDDEN, member=FORBIDDEN),
            {"body": "Hinweis"},
        ),
        "measures.watch": Case("POST", f"/measures/{p}/watch", MEASURE_VIEW),
        "measures.unwatch": Case("POST", f"/measures/{p}/unwatch", MEASURE_VIEW),
        "measures.upload_attachment": Case(
            "POST",
            f"/measures/{p}/attachments",
            MEASURE_ACT_A,
            {"kind": "report", "file": (io.BytesIO(PNG), "bericht.png")},
        ),
        "measures.download_attachment": Case(
            "GET", f"/measures/{p}/attachments/{ids['attachment']}", MEASURE_VIEW
        ),
        "measures.delete_attachment_view": Case(
            "POST",
            f"/measures/{p}/attachments/{ids['attachment']}/delete",
            expect(FORBIDDEN, other_proposer=HIDDEN, proposer=OK, office=OK),
        ),
    }


def classify(response) -> str:  # noqa: ANN001
    status = response.status_code
    location = response.headers.get("Location", "")
    if status in (301, 302, 303) and "/login?next=" in location:
        return LOGIN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return HIDDEN
    if status < 400 or status in (409, 413, 422):
        return OK
    return f"unexpected {status}"


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    known = set(cases(dict.fromkeys(ID_KEYS, 1)))
    assert endpoints == known, f"routes without expectation: {endpoints - known}"


def _sign_in(client, user) -> str:
    """Sign ``user`` in (None: stay anonymous); return a CSRF token of the session."""
    client._cookies.clear()
    if user is None:
        return csrf_token(client.get("/login").get_data(as_text=True))
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    return csrf_token(client.get("/profile").get_data(as_text=True))


def _fresh_world() -> tuple[World, dict]:
    db.session.remove()
    _empty_tables()
    return build_world()


@pytest.mark.parametrize("role", ROLES)
def test_route_by_role(app_ctx, client, role):
    """Walk every route as ``role``: GETs on one world; a POST on a world no earlier request
    may have changed (a fresh one after a POST that was accepted; a refused POST changes
    nothing, which tests/committees, tests/measures and others check)."""
    failures = []
    endpoints = cases(dict.fromkeys(ID_KEYS, 0))
    gets = sorted(e for e, c in endpoints.items() if c.method == "GET")
    posts = sorted(e for e, c in endpoints.items() if c.method != "GET")
    world, ids = _fresh_world()
    token = _sign_in(client, getattr(world, role))
    changed = False
    for endpoint in gets + posts:
        if endpoint in posts and changed:
            world, ids = _fresh_world()
            token = _sign_in(client, getattr(world, role))
            changed = False
        case = cases(ids)[endpoint]
        if case.method == "GET":
            response = client.get(case.path)
        else:
            data = dict(case.data)
            data["csrf_token"] = token
            for key in data:
                if key.endswith("-csrf_token"):  # a form with a prefix
                    data[key] = token
            response = client.post(case.path, data=data)
        got = classify(response)
        if case.method != "GET" and response.status_code < 400 and got != LOGIN:
            changed = True  # accepted (or answered with a redirect): it may have changed things
        response.close()  # a download holds its file open until closed
        if got != case.expected[role]:
            failures.append(
                f"{case.method} {case.path} ({endpoint}): expected "
                f"{case.expected[role]}, got {got} ({response.status_code})"
            )
    assert not failures, f"as {role}:\n" + "\n".join(failures)
