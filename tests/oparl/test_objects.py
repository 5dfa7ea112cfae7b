"""Single objects: what each type says, deleted objects, 404 for what is not public or does
not exist, the headers (JSON, CORS, no login), URLs from the request, and files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from digiflow.committees import pdf
from digiflow.committees.members import add_member, remove_membership
from digiflow.committees.models import Meeting, Membership, Paper
from digiflow.core.db import db
from digiflow.core.roles import CommitteeType, Role
from digiflow.org.models import Body, Committee, LegislativeTerm
from tests.factories import make_committee, make_user
from tests.oparl.schema import validate

V1 = "/oparl/v1"
BASE = "http://localhost/oparl/v1"
STUB = {"id", "type", "created", "modified", "deleted"}


def get(client, path: str, status: int = 200) -> dict:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == status, (path, response.get_data(as_text=True)[:300])
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    return response.get_json()


def test_system_body_and_urls_from_the_request(client, oparl):
    system = client.get(f"{V1}/system", base_url="https://rat.example.org").get_json()
    validate(system, "System")
    assert system["id"] == "https://rat.example.org/oparl/v1/system"
    assert system["oparlVersion"] == "https://schema.oparl.org/1.1/"
    assert system["body"] == "https://rat.example.org/oparl/v1/bodies"
    assert system["name"] == "digiflow – Landkreis Test"
    body = get(client, f"{V1}/body/{oparl.ids['body']}")
    validate(body, "Body")
    assert body["ags"] == "03254000" and body["classification"] == "Landkreis"
    assert body["website"] == "https://www.landkreis-test.de/"
    assert body["meeting"] == f"{BASE}/body/{oparl.ids['body']}/meeting"
    assert body["locationList"] == f"{BASE}/body/{oparl.ids['body']}/location"
    # the embedded legislative terms: the deleted one is only in the list, as deleted
    assert [t["name"] for t in body["legislativeTerm"]] == ["2021–2026"]
    meeting = client.get(
        f"{V1}/meeting/{oparl.ids['first']}", base_url="https://rat.example.org"
    ).get_json()
    assert meeting["web"] == f"https://rat.example.org/meetings/{oparl.ids['first']}"
    assert meeting["agendaItem"][0]["id"].startswith("https://rat.example.org/oparl/v1/")


def test_no_login_get_only(client, oparl):
    for method in ("post", "put", "delete"):
        response = getattr(client, method)(f"{V1}/system")
        assert response.status_code == 405
    options = client.options(f"{V1}/body/{oparl.ids['body']}/meeting")
    assert options.status_code == 200
    assert options.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in options.headers["Allow"]


def test_meetings_with_their_public_agenda_and_files(client, oparl):
    first = get(client, f"{V1}/meeting/{oparl.ids['first']}")
    validate(first, "Meeting")
    assert first["meetingState"] == "durchgeführt" and first["cancelled"] is False
    assert first["organization"] == [f"{BASE}/organization/committee-{oparl.ids['specialist']}"]
    assert first["location"]["description"].startswith("Kreishaus, Sitzungssaal 1")
    items = first["agendaItem"]
    assert [(i["number"], i["order"], i["name"]) for i in items] == [
        ("Ö 1", 0, "Eröffnung und Begrüßung"),
        ("Ö 2", 1, "E-Akte in der Bauverwaltung"),
        ("Ö 2.1", 2, "Bericht zur E-Akte"),
        ("Ö 3", 3, "Antrag: Breitbandausbau in allen Ortsteilen"),
    ]
    assert all(i["public"] is True for i in items)
    measure = items[1]
    assert measure["result"] == "empfohlen / beschlossen wie vorgelegt"
    assert measure["resolutionText"] == "Der Ausschuss empfiehlt die Einführung der E-Akte."
    consultation = get(client, measure["consultation"])
    assert consultation["agendaItem"] == measure["id"]
    assert consultation["meeting"] == first["id"] and consultation["role"] == "Vorberatung"
    assert first["invitation"]["id"] == f"{BASE}/file/meeting-{oparl.ids['first']}-invitation"
    assert first["resultsProtocol"]["id"] == f"{BASE}/file/meeting-{oparl.ids['first']}-minutes"
    assert first["resultsProtocol"]["mimeType"] == "application/pdf"

    main = get(client, f"{V1}/meeting/{oparl.ids['main']}")
    assert main["meetingState"] == "eingeladen" and "resultsProtocol" not in main
    assert [i["number"] for i in main["agendaItem"]] == ["Ö 1", "Ö 2"]
    cancelled = get(client, f"{V1}/meeting/{oparl.ids['cancelled']}")
    assert cancelled["cancelled"] is True and cancelled["meetingState"] == "abgesagt"
    assert "invitation" not in cancelled and cancelled["agendaItem"] == []

    item = get(client, f"{V1}/agenda-item/{oparl.ids['report']}")
    validate(item, "AgendaItem")
    assert item == items[2]
    assert item["meeting"] == first["id"]


def test_papers_and_their_consultation_sequence(client, oparl):
    motion = get(client, f"{V1}/paper/{oparl.ids['motion']}")
    validate(motion, "Paper")
    assert motion["paperType"] == "Antrag" and motion["reference"].startswith("0001/")
    assert motion["web"] == f"http://localhost/papers/{oparl.ids['motion']}"
    assert "underDirectionOf" not in motion  # departments are not published
    steps = motion["consultation"]
    assert [(s["role"], s["authoritative"]) for s in steps] == [
        ("Vorberatung", False),
        ("Entscheidung", True),
    ]
    assert steps[0]["meeting"] == f"{BASE}/meeting/{oparl.ids['first']}"
    assert steps[0]["agendaItem"] == f"{BASE}/agenda-item/{oparl.ids['motion_item']}"
    assert steps[1]["meeting"] == f"{BASE}/meeting/{oparl.ids['main']}"
    assert steps[1]["organization"] == [
        f"{BASE}/organization/committee-{oparl.ids['main_committee']}"
    ]
    assert motion["mainFile"]["id"] == f"{BASE}/file/paper-{oparl.ids['motion']}"
    measure_paper = get(client, f"{V1}/paper/{oparl.ids['measure_paper']}")
    assert measure_paper["paperType"] == "Beschlussvorlage"
    # a public paper dealt with in the non-public part: the steps, but not where and when
    school = get(client, f"{V1}/paper/{oparl.ids['school']}")
    assert [set(s) for s in school["consultation"]] == [
        {"id", "type", "created", "modified", "paper", "authoritative", "role", "organization"}
    ]


def test_organizations_persons_and_memberships(client, oparl, app_ctx):
    specialist = get(client, f"{V1}/organization/committee-{oparl.ids['specialist']}")
    validate(specialist, "Organization")
    assert specialist["organizationType"] == "Gremium"
    assert specialist["classification"] == "Fachausschuss"
    main = get(client, f"{V1}/organization/committee-{oparl.ids['main_committee']}")
    assert main["classification"] == "Kreisausschuss"
    # the removed seat is not among the main committee's members
    assert f"{BASE}/membership/{oparl.ids['wrong_seat']}" not in main["membership"]
    assert len(main["membership"]) == 3
    working_group = get(client, f"{V1}/organization/committee-{oparl.ids['group_committee']}")
    assert working_group["classification"] == "Arbeitsgruppe"
    group = get(client, f"{V1}/organization/group-{oparl.ids['group_a']}")
    assert (group["organizationType"], group["classification"], group["name"]) == (
        "Fraktion",
        "Fraktion",
        "Fraktion A",
    )
    body = db.session.get(Body, oparl.ids["body"])
    council = make_committee(body, CommitteeType.council)
    db.session.commit()
    assert get(client, f"{V1}/organization/committee-{council.id}")["classification"] == "Kreistag"
    body.kind = "Stadt"
    db.session.commit()
    assert get(client, f"{V1}/organization/committee-{council.id}")["classification"] == "Rat"
    main = get(client, f"{V1}/organization/committee-{oparl.ids['main_committee']}")
    assert main["classification"] == "Verwaltungsausschuss"

    ended = get(client, f"{V1}/membership/{oparl.ids['ended_seat']}")
    validate(ended, "Membership")
    assert ended["role"] == "Stellvertretender Vorsitz" and ended["votingRight"] is True
    assert (ended["startDate"], ended["endDate"]) == ("2016-11-01", "2021-10-31")
    assert ended["onBehalfOf"].startswith(f"{BASE}/organization/group-")
    person = get(client, ended["person"])
    validate(person, "Person")
    assert set(person) == {"id", "type", "created", "modified", "body", "name", "membership"}
    assert person["name"] == "Ehemaliges Mitglied" and person["membership"] == [ended]
    advisory = [
        get(client, f"{V1}/membership/{m.id}")
        for m in db.session.scalars(db.select(Membership).where(Membership.role == "advisory"))
    ]
    assert advisory and advisory[0]["role"] == "Beratendes Mitglied"
    assert advisory[0]["votingRight"] is False and "onBehalfOf" not in advisory[0]


def test_deleted_objects_keep_id_type_created_and_modified(client, oparl, app_ctx):
    ids = oparl.ids
    for path, extra in [
        (f"organization/committee-{ids['gone']}", set()),
        (f"organization/group-{ids['gone_group']}", set()),
        (f"location/{ids['gone_place']}", set()),
        (f"legislative-term/{ids['old_term']}", set()),
        (f"membership/{ids['wrong_seat']}", set()),
        (f"person/{ids['removed_seat_person']}", set()),
        (f"agenda-item/{ids['removed']}", {"order"}),
    ]:
        obj = get(client, f"{V1}/{path}")
        validate(obj)
        assert set(obj) == STUB | extra and obj["deleted"] is True, path
        assert obj["modified"] >= obj["created"]
    # they stay in their lists
    body = ids["body"]
    memberships = get(client, f"{V1}/body/{body}/membership")["data"]
    assert {"deleted": True} | {"id": f"{BASE}/membership/{ids['wrong_seat']}"} in [
        {k: v for k, v in m.items() if k in ("id", "deleted")} for m in memberships
    ]
    items = get(client, f"{V1}/body/{body}/agenda-item")["data"]
    assert [i.get("deleted") for i in items if i["id"].endswith(f"/{ids['removed']}")] == [True]
    # the removal is the modification: clients syncing with modified_since learn of it
    seat = db.session.get(Membership, ids["wrong_seat"])
    person = get(client, f"{V1}/person/{ids['removed_seat_person']}")
    removed_at = seat.deleted_at.astimezone(UTC).replace(microsecond=0)
    assert datetime.fromisoformat(person["modified"]) == removed_at

    # a deleted session takes its items and files with it
    meeting = db.session.get(Meeting, ids["main"])
    meeting.deleted_at = datetime.now(UTC)
    db.session.commit()
    stub = get(client, f"{V1}/meeting/{ids['main']}")
    assert set(stub) == STUB
    decision = get(client, f"{V1}/agenda-item/{ids['decision']}")
    assert set(decision) == STUB | {"order"}
    invitation = get(client, f"{V1}/file/meeting-{ids['main']}-invitation")
    assert set(invitation) == STUB | {"accessUrl"}
    validate(invitation, "File")
    assert client.get(invitation["accessUrl"]).status_code == 404
    motion = get(client, f"{V1}/paper/{ids['motion']}")
    assert "agendaItem" not in motion["consultation"][1]  # the item is gone

    # a deleted paper takes its consultations and its file with it
    paper = db.session.get(Paper, ids["motion"])
    paper.deleted_at = datetime.now(UTC) + timedelta(seconds=5)
    db.session.commit()
    assert set(get(client, f"{V1}/paper/{ids['motion']}")) == STUB
    steps = get(client, f"{V1}/body/{body}/consultation")["data"]
    motion_steps = [s for s in steps if s.get("deleted")]
    assert len(motion_steps) == 2 and all(set(s) == STUB for s in motion_steps)
    deleted_at = paper.deleted_at.astimezone(UTC).replace(microsecond=0)
    # (the first step changed later than that already: on the session day)
    assert all(datetime.fromisoformat(s["modified"]) >= deleted_at for s in motion_steps)
    assert deleted_at in [datetime.fromisoformat(s["modified"]) for s in motion_steps]
    assert set(get(client, f"{V1}/file/paper-{ids['motion']}")) == STUB | {"accessUrl"}
    assert client.get(f"{V1}/file/paper-{ids['motion']}/download").status_code == 404


def test_what_is_not_public_or_does_not_exist_answers_404(client, oparl):
    ids = oparl.ids
    missing = [
        f"meeting/{ids['closed']}",  # a non-public session of a public committee
        f"meeting/{ids['hidden']}",  # a session of a non-public working group
        f"agenda-item/{ids['staff']}",
        f"agenda-item/{ids['school_item']}",
        f"paper/{ids['secret_paper']}",
        f"person/{ids['staff_user']}",  # staff without a seat
        f"file/meeting-{ids['closed']}-invitation",
        f"file/meeting-{ids['hidden']}-invitation",
        f"file/meeting-{ids['hidden']}-invitation/download",
        f"file/meeting-{ids['main']}-minutes",  # not finalized
        f"file/paper-{ids['secret_paper']}",
        f"file/paper-{ids['secret_paper']}/access",
        "meeting/999999",
        "paper/999999",
        "organization/committee-999999",
        "organization/department-1",
        "organization/committee-x",
        "file/paper-x",
        "file/meeting-1-agenda",
        "body/999999",
        "body/999999/meeting",
        "legislative-term/999999",
        "meeting/99999999999999999999",
        "organization/committee-99999999999999999999",
        "file/paper-99999999999999999999/download",
        "body/99999999999999999999/paper",
        "meetings",  # no such list
        "system/",
        "body/1/meetings",
    ]
    for path in missing:
        error = get(client, f"{V1}/{path}", status=404)
        assert error["error"] == "not_found", path
    consultations = get(client, f"{V1}/body/{ids['body']}/consultation")["data"]
    secret = f"{BASE}/paper/{ids['secret_paper']}"
    assert all(c.get("paper") != secret for c in consultations)


def test_files_are_generated_from_the_current_data(client, oparl, app_ctx):
    first = oparl.ids["first"]
    download = client.get(f"{V1}/file/meeting-{first}-invitation/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.endswith('.pdf"')
    assert download.headers["Access-Control-Allow-Origin"] == "*"
    access = client.get(f"{V1}/file/meeting-{first}-invitation/access")
    assert access.headers["Content-Disposition"].startswith("inline;")
    meeting = db.session.get(Meeting, first)
    assert download.data == access.data == pdf.agenda_pdf(meeting, public_only=True)
    assert download.data != pdf.agenda_pdf(meeting)  # the members' version has more
    minutes = client.get(f"{V1}/file/meeting-{first}-minutes/access").data
    assert minutes == pdf.minutes_pdf(meeting, public_only=True)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(minutes)).pages)
    assert "mit Änderungen empfohlen / beschlossen" in text
    meta = get(client, f"{V1}/file/meeting-{first}-minutes")
    validate(meta, "File")
    assert meta["fileName"].isascii() and meta["fileName"].startswith("Niederschrift-")


def test_modified_follows_what_is_embedded(client, oparl, app_ctx):
    ids = oparl.ids
    # the school paper itself was written first; its consultation changed on the session day
    school = get(client, f"{V1}/paper/{ids['school']}")
    paper_row = db.session.get(Paper, ids["school"])
    assert datetime.fromisoformat(school["modified"]) > paper_row.updated_at
    assert school["modified"] == school["consultation"][0]["modified"]
    assert school["mainFile"]["modified"] == school["modified"]
    since = school["consultation"][0]["modified"]
    listed = get(
        client, f"{V1}/body/{ids['body']}/paper?modified_since={since.replace('+', '%2B')}"
    )
    assert f"{BASE}/paper/{ids['school']}" in [p["id"] for p in listed["data"]]

    # a new seat changes the committee (it lists its memberships) and makes a new person
    before = get(client, f"{V1}/organization/committee-{ids['main_committee']}")["modified"]
    newcomer = make_user(Role.council_member, name="Neues Mitglied")
    admin = oparl.world.admin
    main = db.session.get(Committee, ids["main_committee"])
    seat = add_member(main, actor=admin, user=newcomer, starts_on=date(2024, 1, 1))
    later = datetime.now(UTC) + timedelta(days=400)
    seat.updated_at = seat.created_at = later
    db.session.commit()
    after = get(client, f"{V1}/organization/committee-{ids['main_committee']}")
    assert after["modified"] > before and f"{BASE}/membership/{seat.id}" in after["membership"]
    person = get(client, f"{V1}/person/{newcomer.id}")
    assert person["created"] == person["modified"] == after["modified"]
    remove_membership(seat, actor=admin)
    db.session.commit()
    assert get(client, f"{V1}/person/{newcomer.id}")["deleted"] is True

    # a changed legislative term changes the body that embeds it
    body_before = get(client, f"{V1}/body/{ids['body']}")["modified"]
    term = db.session.get(LegislativeTerm, ids["term"])
    term.updated_at = datetime.now(UTC) + timedelta(days=500)
    db.session.commit()
    assert get(client, f"{V1}/body/{ids['body']}")["modified"] > body_before


@pytest.mark.parametrize("language", ["de", "en"])
def test_error_messages_in_the_users_language(client, oparl, app_ctx, auth, language):
    from tests.factories import PASSWORD

    user = make_user(language=language)
    db.session.commit()
    auth.login(user.email, PASSWORD)
    error = get(client, f"{V1}/body/{oparl.ids['body']}/meeting?limit=500", status=400)
    expected = {
        "de": "Der Parameter limit muss eine ganze Zahl von 1 bis 100 sein.",
        "en": "The parameter limit must be a whole number from 1 to 100.",
    }
    assert error["message"] == expected[language]


def test_licence_vendor_and_product_from_the_configuration(client, oparl, app_ctx):
    keys = ("OPARL_LICENSE", "OPARL_VENDOR", "OPARL_PRODUCT")
    old = {key: app_ctx.config.get(key) for key in keys}
    try:
        plain = get(client, f"{V1}/system")
        assert "license" not in plain and plain["vendor"] == "http://localhost/"
        app_ctx.config.update(
            OPARL_LICENSE="https://creativecommons.org/licenses/by/4.0/",
            OPARL_VENDOR="https://www.it-genossenschaft.example/",
            OPARL_PRODUCT="keine URL",
        )
        system = get(client, f"{V1}/system")
        validate(system, "System")
        assert system["license"] == "https://creativecommons.org/licenses/by/4.0/"
        assert system["vendor"] == "https://www.it-genossenschaft.example/"
        assert system["product"] == "http://localhost/"  # not a URL: the installation's
        # given once for everything, as OParl recommends: not repeated on bodies and files
        body = get(client, f"{V1}/body/{oparl.ids['body']}")
        assert "license" not in body
        assert "fileLicense" not in get(client, f"{V1}/file/paper-{oparl.ids['motion']}")
    finally:
        app_ctx.config.update(old)
