"""The OParl read API: no login, the same answer for everybody. Public objects answer 200
(also to anonymous clients); non-public ones answer 404 even to the committee's members and
staff: OParl publishes public data only.
"""

from __future__ import annotations

from tests.authorization_cases import HIDDEN, OK, Case, expect

PUBLIC = expect(OK, anonymous=OK)
NEVER = expect(HIDDEN, anonymous=HIDDEN)
#: an id no object has
UNKNOWN = 999_999


def cases(ids: dict) -> dict[str, Case]:
    v1 = "/oparl/v1"
    body = ids["body"]
    consultation = ids["consultation"]
    lists = {
        "body_organization": "organization",
        "body_person": "person",
        "body_meeting": "meeting",
        "body_paper": "paper",
        "body_agenda_item": "agenda-item",
        "body_consultation": "consultation",
        "body_file": "file",
        "body_membership": "membership",
        "body_location": "location",
        "body_legislative_term": "legislative-term",
    }
    out = {
        "oparl.system": Case("GET", f"{v1}/system", PUBLIC),
        "oparl.bodies": Case("GET", f"{v1}/bodies", PUBLIC),
        "oparl.body": Case("GET", f"{v1}/body/{body}", PUBLIC),
        "oparl.organization": Case(
            "GET", f"{v1}/organization/committee-{ids['specialist']}", PUBLIC
        ),
        # the proposer holds no seat: not a person OParl knows
        "oparl.person": Case("GET", f"{v1}/person/{ids['user']}", NEVER),
        "oparl.membership": Case("GET", f"{v1}/membership/{ids['membership']}", PUBLIC),
        "oparl.meeting": Case("GET", f"{v1}/meeting/{ids['meeting']}", PUBLIC),
        "oparl.agenda_item": Case("GET", f"{v1}/agenda-item/{ids['nonpublic_item']}", NEVER),
        "oparl.paper": Case("GET", f"{v1}/paper/{ids['nonpublic_paper']}", NEVER),
        "oparl.consultation": Case("GET", f"{v1}/consultation/{consultation}", PUBLIC),
        "oparl.location": Case("GET", f"{v1}/location/{ids['location']}", PUBLIC),
        "oparl.legislative_term": Case("GET", f"{v1}/legislative-term/{UNKNOWN}", NEVER),
        "oparl.file": Case("GET", f"{v1}/file/meeting-{ids['held_meeting']}-invitation", PUBLIC),
        "oparl.file_access": Case("GET", f"{v1}/file/paper-{ids['paper']}/access", PUBLIC),
        "oparl.file_download": Case(
            "GET", f"{v1}/file/paper-{ids['nonpublic_paper']}/download", NEVER
        ),
    }
    out["oparl.not_found"] = Case("GET", f"{v1}/meetings", NEVER)
    for endpoint, part in lists.items():
        out[f"oparl.{endpoint}"] = Case("GET", f"{v1}/body/{body}/{part}", PUBLIC)
    return out
