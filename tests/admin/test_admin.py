"""The administration pages and the user's own substitutes, through HTTP on a real database."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from digiflow.core.db import db, utcnow
from digiflow.core.roles import Role
from digiflow.core.time import local_date
from digiflow.org.models import Body, Department
from digiflow.users.models import RoleAssignment, Substitute, User
from tests.conftest import csrf_token
from tests.factories import PASSWORD, World, make_substitute, make_user

TODAY = local_date(utcnow())


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def german(value: date) -> str:
    return value.strftime("%d.%m.%Y")


@pytest.fixture
def world(app_ctx):
    world = World()
    db.session.commit()
    return world


class Browser:
    """A signed-in person who sends forms with the CSRF token of the page they came from."""

    def __init__(self, client, auth) -> None:
        self.client = client
        self.auth = auth

    def login(self, user: User) -> Browser:
        response = self.auth.login(user.email, PASSWORD)
        assert response.status_code == 302
        return self

    def get(self, url: str):
        return self.client.get(url)

    def post(self, url: str, data: dict | None = None, *, page: str = "/profile"):
        token = csrf_token(self.client.get(page).get_data(as_text=True))
        return self.client.post(url, data={**(data or {}), "csrf_token": token})


@pytest.fixture
def browser(client, auth):
    return Browser(client, auth)


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# ---------------------------------------------------------------------------------------------
# Access


def admin_routes(world: World) -> list[tuple[str, str]]:
    sub = make_substitute(world.proposer, world.head, day(1), day(5))
    assignment = world.head.role_assignments[0]
    db.session.commit()
    u, d = world.proposer.id, world.dept.id
    return [
        ("GET", "/admin/"),
        ("GET", "/admin/users"),
        ("GET", "/admin/users/new"),
        ("POST", "/admin/users/new"),
        ("GET", f"/admin/users/{u}"),
        ("POST", f"/admin/users/{u}"),
        ("POST", f"/admin/users/{u}/password"),
        ("POST", f"/admin/users/{u}/roles"),
        ("POST", f"/admin/users/{world.head.id}/roles/{assignment.id}/delete"),
        ("POST", f"/admin/users/{u}/substitutes"),
        ("POST", f"/admin/users/{u}/substitutes/{sub.id}/delete"),
        ("GET", "/admin/substitutes"),
        ("POST", f"/admin/substitutes/{sub.id}/delete"),
        ("GET", "/admin/departments"),
        ("POST", "/admin/departments"),
        ("GET", f"/admin/departments/{d}"),
        ("POST", f"/admin/departments/{d}"),
        ("POST", f"/admin/departments/{d}/deactivate"),
        ("POST", f"/admin/departments/{d}/activate"),
        ("GET", "/admin/workflows"),
        ("GET", "/admin/workflows/digitalization_measure"),
    ]


def test_every_admin_route_is_refused_to_non_admins(world, browser):
    routes = admin_routes(world)
    browser.login(world.head)
    for method, url in routes:
        response = browser.get(url) if method == "GET" else browser.post(url, {})
        assert response.status_code == 403, (method, url)
    # nothing changed on the way
    assert count(Substitute) == 1
    assert fresh(Department, world.dept.id).is_active


def test_every_admin_route_sends_anonymous_visitors_to_login(world, client):
    routes = admin_routes(world)
    token = csrf_token(text(client.get("/login")))
    for method, url in routes:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)


def test_admins_see_the_overview_with_links(world, browser):
    browser.login(world.admin)
    html = text(browser.get("/admin/"))
    for url in ("/admin/users", "/admin/departments", "/admin/substitutes", "/admin/workflows"):
        assert f'href="{url}"' in html
    assert "<h1>Verwaltung</h1>" in html


# ---------------------------------------------------------------------------------------------
# Users


def test_admin_creates_a_user(world, browser):
    browser.login(world.admin)
    form = text(browser.get("/admin/users/new"))
    assert '<label for="password">Anfangspasswort' in form
    response = browser.post(
        "/admin/users/new",
        {
            "name": "Frieda Fröhlich",
            "email": "Frieda.Froehlich@Example.org",
            "department": str(world.dept.id),
            "language": "en",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "frieda.froehlich@example.org"))
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert (user.name, user.language) == ("Frieda Fröhlich", "en")
    assert user.department_id == world.dept.id
    assert user.is_active_account and user.check_password("a long enough password")
    # the new person can sign in
    browser.auth.logout()
    signed_in = browser.auth.login("frieda.froehlich@example.org", "a long enough password")
    assert signed_in.status_code == 302


def test_create_user_refuses_a_duplicate_address_and_a_short_password(world, browser):
    browser.login(world.admin)
    before = count(User)
    duplicate = browser.post(
        "/admin/users/new",
        {
            "name": "Zwilling",
            "email": world.proposer.email.upper(),
            "language": "de",
            "password": "a long enough password",
        },
    )
    assert duplicate.status_code == 422
    assert f"Es gibt bereits ein Konto für {world.proposer.email}." in text(duplicate)
    assert 'value="Zwilling"' in text(duplicate)  # the input is kept
    short = browser.post(
        "/admin/users/new",
        {"name": "Kurz", "email": "kurz@example.org", "language": "de", "password": "short"},
    )
    assert short.status_code == 422
    assert "Das Passwort muss 12 bis 200 Zeichen lang sein." in text(short)
    assert 'aria-invalid="true"' in text(short)
    assert count(User) == before


def test_user_list_shows_roles_searches_and_pages(world, browser, query_counter):
    browser.login(world.admin)
    html = text(browser.get("/admin/users"))
    assert world.head.name in html and world.head.email in html
    assert f"Fachbereichsleitung ({world.dept.short_name})" in html
    assert "Administration" in html
    found = text(browser.get("/admin/users?q=" + world.finance.email))
    assert world.finance.name in found and world.head.name not in found
    assert "Gefundene Konten: 1" in found
    # a search for a LIKE wildcard finds nothing rather than everybody
    assert "Gefundene Konten: 0" in text(browser.get("/admin/users?q=%25"))

    with query_counter:
        browser.get("/admin/users")
    few = query_counter.count
    for n in range(30):
        make_user((Role.proposer, world.other_dept), department=world.dept, name=f"Zz P {n:02}")
    db.session.commit()
    with query_counter:
        first = browser.get("/admin/users")
    assert query_counter.count == few  # no query per user or per role
    assert "Seite 1 von 2" in text(first)
    second = text(browser.get("/admin/users?page=2"))
    assert "Zz P 29" in second and "Zz P 00" not in second


def test_admin_edits_a_user(world, browser):
    browser.login(world.admin)
    page = text(browser.get(f"/admin/users/{world.proposer.id}"))
    assert f'value="{world.proposer.email}"' in page
    response = browser.post(
        f"/admin/users/{world.proposer.id}",
        {
            "name": "Paula Petersen",
            "email": "paula@example.org",
            "department": str(world.other_dept.id),
            "language": "en",
            "active": "y",
        },
    )
    assert response.status_code == 302
    user = fresh(User, world.proposer.id)
    assert (user.name, user.email, user.department_id, user.language) == (
        "Paula Petersen",
        "paula@example.org",
        world.other_dept.id,
        "en",
    )
    # another account's address is refused, and nothing of the form is saved
    refused = browser.post(
        f"/admin/users/{world.proposer.id}",
        {"name": "Other", "email": world.head.email, "language": "de", "active": "y"},
    )
    assert refused.status_code == 422
    assert f"Es gibt bereits ein Konto für {world.head.email}." in text(refused)
    user = fresh(User, world.proposer.id)
    assert (user.name, user.email) == ("Paula Petersen", "paula@example.org")


def test_deactivated_user_cannot_sign_in(world, browser):
    browser.login(world.admin)
    response = browser.post(
        f"/admin/users/{world.finance.id}",
        {"name": world.finance.name, "email": world.finance.email, "language": "de"},
    )
    assert response.status_code == 302
    assert not fresh(User, world.finance.id).is_active_account
    browser.auth.logout()
    assert browser.auth.login(world.finance.email, PASSWORD).status_code != 302


def test_admin_resets_a_password(world, browser):
    browser.login(world.admin)
    url = f"/admin/users/{world.council.id}/password"
    mismatch = browser.post(
        url, {"new_password": "new password 2026", "new_password_repeat": "new password 2027"}
    )
    assert mismatch.status_code == 422
    assert "Die beiden Passwörter stimmen nicht überein." in text(mismatch)
    assert fresh(User, world.council.id).check_password(PASSWORD)
    ok = browser.post(
        url, {"new_password": "new password 2026", "new_password_repeat": "new password 2026"}
    )
    assert ok.status_code == 302
    user = fresh(User, world.council.id)
    assert user.check_password("new password 2026") and not user.check_password(PASSWORD)


def test_the_last_admin_cannot_be_deactivated_nor_lose_the_role(world, browser):
    browser.login(world.admin)
    url = f"/admin/users/{world.admin.id}"
    refused = browser.post(
        url,
        {"name": "Renamed", "email": world.admin.email, "language": "de"},  # "active" unticked
    )
    assert refused.status_code == 422
    assert "das einzige aktive Administrationskonto" in text(refused)
    admin = fresh(User, world.admin.id)
    assert admin.is_active_account and admin.name != "Renamed"  # nothing of the form saved

    assignment = admin.role_assignments[0]
    refused = browser.post(f"{url}/roles/{assignment.id}/delete")
    assert refused.status_code == 422
    assert "das einzige aktive Administrationskonto" in text(refused)
    assert fresh(RoleAssignment, assignment.id) is not None

    # a deactivated second admin does not count
    second = make_user(Role.admin)
    second.is_active_account = False
    db.session.commit()
    assert browser.post(f"{url}/roles/{assignment.id}/delete").status_code == 422

    # with a second active admin, it is possible
    second = fresh(User, second.id)
    second.is_active_account = True
    db.session.commit()
    ok = browser.post(url, {"name": world.admin.name, "email": world.admin.email, "language": "de"})
    assert ok.status_code == 302
    assert not fresh(User, world.admin.id).is_active_account


def test_roles_are_added_with_scopes_and_removed(world, browser):
    browser.login(world.admin)
    url = f"/admin/users/{world.proposer.id}/roles"
    page = text(browser.get(f"/admin/users/{world.proposer.id}"))
    assert '<option value="department_head">Fachbereichsleitung</option>' in page

    assert browser.post(url, {"role": "finance"}).status_code == 302
    assert (
        browser.post(
            url, {"role": "department_head", "scope_department": str(world.other_dept.id)}
        ).status_code
        == 302
    )
    assert (
        browser.post(
            url, {"role": "committee_secretary", "scope_committee": str(world.specialist.id)}
        ).status_code
        == 302
    )
    user = fresh(User, world.proposer.id)
    assert user.has_role(Role.finance)
    assert user.has_role(Role.department_head, department_id=world.other_dept.id, scoped=True)
    assert not user.has_role(Role.department_head, department_id=world.dept.id, scoped=True)
    assert user.has_role(Role.committee_secretary, committee_id=world.specialist.id, scoped=True)
    page = text(browser.get(f"/admin/users/{world.proposer.id}"))
    assert f"Fachbereichsleitung ({world.other_dept.short_name})" in page
    assert f"Gremienbetreuung ({world.specialist.short_name})" in page

    before = count(RoleAssignment)
    both = browser.post(
        url,
        {
            "role": "proposer",
            "scope_department": str(world.dept.id),
            "scope_committee": str(world.specialist.id),
        },
    )
    assert both.status_code == 422
    assert "Eine Rolle gilt global, für einen Fachbereich oder für ein Gremium." in text(both)
    unknown = browser.post(url, {"role": "emperor"})
    assert unknown.status_code == 422
    assert "Bitte wählen Sie einen Eintrag aus der Liste." in text(unknown)
    assert count(RoleAssignment) == before

    head_role = next(ra for ra in user.role_assignments if ra.role == Role.department_head)
    removed = browser.post(f"/admin/users/{world.proposer.id}/roles/{head_role.id}/delete")
    assert removed.status_code == 302
    assert not fresh(User, world.proposer.id).has_role(
        Role.department_head, department_id=world.other_dept.id, scoped=True
    )
    # an assignment of somebody else through this user's address: not found
    other = world.head.role_assignments[0]
    assert (
        browser.post(f"/admin/users/{world.proposer.id}/roles/{other.id}/delete").status_code == 404
    )
    assert fresh(RoleAssignment, other.id) is not None


# ---------------------------------------------------------------------------------------------
# Substitutes


def substitute_form(deputy: User, start: date, end: date, note: str = "") -> dict[str, str]:
    return {
        "deputy": str(deputy.id),
        "starts_on": german(start),
        "ends_on": german(end),
        "note": note,
    }


def test_admin_manages_substitutes_with_validation(world, browser):
    browser.login(world.admin)
    url = f"/admin/users/{world.head.id}/substitutes"
    ok = browser.post(url, substitute_form(world.office, day(1), day(10), "Urlaub"))
    assert ok.status_code == 302
    sub = db.session.scalar(sa.select(Substitute).where(Substitute.user_id == world.head.id))
    assert (sub.deputy_id, sub.starts_on, sub.ends_on, sub.note) == (
        world.office.id,
        day(1),
        day(10),
        "Urlaub",
    )

    overlap = browser.post(url, substitute_form(world.office, day(10), day(20)))
    assert overlap.status_code == 422
    assert (
        f"{world.office.name} vertritt {world.head.name} bereits vom {german(day(1))} bis "
        f"{german(day(10))}" in text(overlap)
    )
    backwards = browser.post(url, substitute_form(world.finance, day(5), day(4)))
    assert backwards.status_code == 422
    assert f"Das Ende ({german(day(4))}) liegt vor dem Beginn ({german(day(5))})." in text(
        backwards
    )
    self_ = browser.post(url, substitute_form(world.head, day(1), day(2)))
    assert self_.status_code == 422
    assert "Eine Person kann nicht ihre eigene Vertretung sein." in text(self_)
    bad_date = browser.post(
        url, {**substitute_form(world.finance, day(1), day(2)), "ends_on": "31.02.2030"}
    )
    assert bad_date.status_code == 422
    assert "Bitte geben Sie ein Datum wie 27.11.2023 ein." in text(bad_date)
    assert count(Substitute) == 1

    # the same deputy for a later, separate period, and another deputy at the same time: fine
    assert browser.post(url, substitute_form(world.office, day(11), day(12))).status_code == 302
    assert browser.post(url, substitute_form(world.office2, day(1), day(10))).status_code == 302
    assert count(Substitute) == 3

    overview = text(browser.get("/admin/substitutes"))
    assert overview.count(world.head.name) >= 3
    assert world.office2.name in overview
    assert browser.post(f"/admin/substitutes/{sub.id}/delete", page="/admin/").status_code == 302
    assert count(Substitute) == 2
    page = text(browser.get(f"/admin/users/{world.head.id}"))
    assert "Vertretungen für" in page and world.office2.name in page


def test_users_manage_their_own_substitutes(world, browser):
    browser.login(world.head)
    page = browser.get("/profile/substitutes")
    assert page.status_code == 200
    html = text(page)
    assert "<h1>Meine Vertretungen</h1>" in html
    assert f'<option value="{world.head.id}"' not in html  # not oneself
    assert f'<option value="{world.office.id}"' in html

    ok = browser.post("/profile/substitutes", substitute_form(world.office, day(0), day(7)))
    assert ok.status_code == 302
    mine = db.session.scalar(sa.select(Substitute).where(Substitute.user_id == world.head.id))
    assert mine.deputy_id == world.office.id

    overlap = browser.post("/profile/substitutes", substitute_form(world.office, day(7), day(9)))
    assert overlap.status_code == 422
    assert "die Zeiträume dürfen sich nicht überschneiden" in text(overlap)
    backwards = browser.post("/profile/substitutes", substitute_form(world.office, day(9), day(8)))
    assert backwards.status_code == 422
    assert "liegt vor dem Beginn" in text(backwards)
    self_ = browser.post("/profile/substitutes", substitute_form(world.head, day(20), day(21)))
    assert self_.status_code == 422
    assert "Eine Person kann nicht ihre eigene Vertretung sein." in text(self_)
    past = browser.post("/profile/substitutes", substitute_form(world.office, day(-9), day(-8)))
    assert past.status_code == 422
    assert "ganz in der Vergangenheit" in text(past)
    missing = browser.post("/profile/substitutes", {"deputy": "", "starts_on": "", "ends_on": ""})
    assert missing.status_code == 422
    assert "Bitte wählen Sie die Person, die vertritt." in text(missing)
    assert count(Substitute) == 1

    # the deputy sees whom they stand in for
    browser.auth.logout()
    browser.login(world.office)
    html = text(browser.get("/profile/substitutes"))
    assert "Wen ich vertrete" in html and world.head.name in html
    # ... but cannot remove the head's substitution, nor can anybody else
    assert browser.post(f"/profile/substitutes/{mine.id}/delete").status_code == 404
    assert browser.post("/profile/substitutes/999999/delete").status_code == 404
    assert count(Substitute) == 1

    browser.auth.logout()
    browser.login(world.head)
    assert browser.post(f"/profile/substitutes/{mine.id}/delete").status_code == 302
    assert count(Substitute) == 0


def test_inactive_accounts_cannot_be_deputies(world, browser):
    world.finance.is_active_account = False
    db.session.commit()
    browser.login(world.head)
    html = text(browser.get("/profile/substitutes"))
    assert f'<option value="{world.finance.id}"' not in html
    refused = browser.post("/profile/substitutes", substitute_form(world.finance, day(1), day(2)))
    assert refused.status_code == 422
    assert "ist deaktiviert" in text(refused)
    assert count(Substitute) == 0


def test_own_substitutes_page_needs_login(client):
    response = client.get("/profile/substitutes")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# ---------------------------------------------------------------------------------------------
# Departments


def test_departments_are_created_renamed_and_deactivated(world, browser):
    browser.login(world.admin)
    page = text(browser.get("/admin/departments"))
    assert world.dept.short_name in page and world.other_dept.name in page

    created = browser.post("/admin/departments", {"short_name": "FB 40", "name": "Schule"})
    assert created.status_code == 302
    department = db.session.scalar(sa.select(Department).where(Department.short_name == "FB 40"))
    assert department.name == "Schule" and department.body_id == world.body.id

    duplicate = browser.post("/admin/departments", {"short_name": "FB 40", "name": "Noch eine"})
    assert duplicate.status_code == 422
    assert "Den Fachbereich &#39;FB 40&#39; gibt es bereits." in text(duplicate)
    empty = browser.post("/admin/departments", {"short_name": "", "name": ""})
    assert empty.status_code == 422
    assert "Bitte geben Sie eine Kurzbezeichnung an." in text(empty)

    url = f"/admin/departments/{department.id}"
    renamed = browser.post(url, {"short_name": "FB 41", "name": "Schule und Kultur"})
    assert renamed.status_code == 302
    clash = browser.post(url, {"short_name": world.dept.short_name, "name": "X"})
    assert clash.status_code == 422
    department = fresh(Department, department.id)
    assert (department.short_name, department.name) == ("FB 41", "Schule und Kultur")

    assert browser.post(f"{url}/deactivate").status_code == 302
    assert not fresh(Department, department.id).is_active
    # no longer offered for new accounts
    assert f'<option value="{department.id}"' not in text(browser.get("/admin/users/new"))
    assert browser.post(f"{url}/activate").status_code == 302
    assert fresh(Department, department.id).is_active


def test_departments_page_explains_how_to_create_the_body(app_ctx, browser):
    admin = make_user(Role.admin)
    db.session.commit()
    browser.login(admin)
    html = text(browser.get("/admin/departments"))
    assert "flask --app wsgi org create-body" in html
    assert 'name="short_name"' not in html
    refused = browser.post("/admin/departments", {"short_name": "FB 1", "name": "Eins"})
    assert refused.status_code == 422
    assert "Bitte zuerst die Körperschaft anlegen" in text(refused)
    assert count(Department) == 0 and count(Body) == 0


# ---------------------------------------------------------------------------------------------
# Workflows


@pytest.fixture
def broken_workflows(app_ctx, tmp_path):
    """The shipped workflows and a broken copy in a temporary folder; restored afterwards."""
    registry = app_ctx.extensions["digiflow.workflows"]
    shipped = Path(app_ctx.config["WORKFLOWS_DIR"])
    for source in shipped.glob("*.yaml"):
        shutil.copy(source, tmp_path / source.name)
    text_ = (shipped / "small_measure.yaml").read_text(encoding="utf-8")
    text_ = text_.replace("name: small_measure", "name: broken_copy", 1)
    text_ = text_.replace("    to: implementation", "    to: implementaton", 1)
    (tmp_path / "broken_copy.yaml").write_text(text_, encoding="utf-8")
    original = registry.directory
    registry.directory = tmp_path
    registry.reload()
    try:
        yield tmp_path
    finally:
        registry.directory = original
        registry.reload()


def test_workflows_page_shows_workflows_versions_and_errors(world, browser, broken_workflows):
    measure = world.measure()
    db.session.commit()
    browser.login(world.admin)
    html = text(browser.get("/admin/workflows"))
    assert "digitalization_measure" in html and "small_measure" in html
    assert measure.workflow.content_hash[:12] in html  # the stored version, with its measure
    assert "(aktuelle Datei)" in html
    assert "broken_copy.yaml" in html
    assert "<td>57</td>" in html and "transitions.decide.to" in html
    assert "unknown state" in html
    assert 'href="/admin/workflows/broken_copy"' in html

    broken = text(browser.get("/admin/workflows/broken_copy"))
    assert "Die Datei hat Fehler und wurde nicht geladen." in broken
    assert "transitions.decide.to" in broken


def test_workflow_page_shows_description_diagram_and_mermaid(world, browser):
    browser.login(world.admin)
    response = browser.get("/admin/workflows/small_measure")
    assert response.status_code == 200
    html = text(response)
    assert "In Ordnung" in html
    assert "Kleine Maßnahme (small_measure)" in html  # describe()
    assert "stateDiagram-v2" in html  # mermaid()
    assert 'class="wf-diagram"' in html  # the shared diagram partial
    assert browser.get("/admin/workflows/no_such_workflow").status_code == 404


def test_admin_pages_speak_english_to_english_admins(app_ctx, browser):
    world = World()
    world.admin.language = "en"
    db.session.commit()
    browser.login(world.admin)
    html = text(browser.get(f"/admin/users/{world.head.id}"))
    assert "Department head" in html and "Fachbereichsleitung" not in html
    assert "Reset password" in html
    html = text(browser.get("/admin/workflows/small_measure"))
    assert "stateDiagram-v2" in html and "Small measure (small_measure)" in html
