"""Route cases of the committee and session pages (blueprint ``committees``).

Everybody signed in sees committees, the calendar, sessions and their public downloads;
managing a committee (settings, members, locations) is for admins and the committee's
secretaries, creating committees and factions for admins; planning, the agenda, the
invitation, the session day and the minutes are for the committee's secretaries. Objects the
user may not see answer 404 before any 403: a non-public agenda item or paper for a council
member outside the committee, a measure of another department for its proposer.
"""

from __future__ import annotations

from tests.authorization_cases import ADMIN_ONLY, ALL_OK, FORBIDDEN, HIDDEN, OK, Case, expect

MANAGE = expect(FORBIDDEN, secretary=OK, admin=OK)
SECRETARY = expect(FORBIDDEN, secretary=OK)


def cases(ids: dict) -> dict[str, Case]:
    c, m, h = ids["specialist"], ids["meeting"], ids["held_meeting"]
    version, held_version = str(ids["meeting_version"]), str(ids["held_version"])
    settings = {
        "name": "Ausschuss für Digitalisierung",
        "short_name": "ADO",
        "type": "specialist",
        "notice_days": "7",
        "urgent_notice_days": "2",
        "submission_days": "14",
        "is_public": "y",
        "description": "",
    }
    offered = {"part": "public", "urgent_reason": "", "version": version}
    return {
        "committees.index": Case("GET", "/committees/", ALL_OK),
        "committees.detail": Case("GET", f"/committees/{c}", ALL_OK),
        "committees.create": Case("GET", "/committees/new", ADMIN_ONLY),
        "committees.update_settings": Case("POST", f"/committees/{c}/settings", MANAGE, settings),
        "committees.add_member_view": Case(
            "POST",
            f"/committees/{c}/members",
            MANAGE,
            {
                "user_id": str(ids["user"]),
                "role": "member",
                "voting": "auto",
                "group_id": str(ids["group"]),
                "starts_on": "01.01.2024",
                "ends_on": "",
            },
        ),
        "committees.end_membership_view": Case(
            "POST",
            f"/committees/{c}/members/{ids['membership']}/end",
            MANAGE,
            {"ends_on": "31.12.2030"},
        ),
        "committees.remove_membership_view": Case(
            "POST", f"/committees/{c}/members/{ids['membership']}/remove", MANAGE
        ),
        "committees.add_location": Case(
            "POST", f"/committees/{c}/locations", MANAGE, {"description": "Ratssaal"}
        ),
        "committees.add_group": Case(
            "POST", f"/committees/{c}/groups", ADMIN_ONLY, {"name": "Fraktion C", "short_name": "C"}
        ),
        "committees.meetings": Case("GET", "/meetings/?when=past", ALL_OK),
        "committees.plan_meeting": Case("GET", f"/committees/{c}/meetings/new", SECRETARY),
        "committees.meeting": Case("GET", f"/meetings/{m}", ALL_OK),
        "committees.agenda_pdf_view": Case("GET", f"/meetings/{m}/agenda.pdf", ALL_OK),
        # minutes exist once the session is closed; the held session is not yet
        "committees.minutes_pdf_view": Case("GET", f"/meetings/{h}/minutes.pdf", expect(HIDDEN)),
        "committees.session_ics": Case("GET", f"/meetings/{m}/session.ics", ALL_OK),
        "committees.edit_meeting": Case("GET", f"/meetings/{m}/edit", SECRETARY),
        "committees.cancel_meeting": Case(
            "POST",
            f"/meetings/{m}/cancel",
            SECRETARY,
            {"reason": "Raum belegt", "version": version},
        ),
        "committees.end_series": Case("POST", f"/series/{ids['series']}/end", SECRETARY),
        "committees.agenda": Case("GET", f"/meetings/{m}/agenda", SECRETARY),
        "committees.add_agenda_item": Case(
            "POST",
            f"/meetings/{m}/agenda/items",
            SECRETARY,
            {"title": "Anfragen", "text": "", "part": "public", "parent_id": "", **offered},
        ),
        "committees.add_measure_item": Case(
            "POST",
            f"/meetings/{m}/agenda/measures/{ids['committee']}",
            expect(FORBIDDEN, other_proposer=HIDDEN, secretary=OK),
            offered,
        ),
        "committees.add_paper_item": Case(
            "POST",
            f"/meetings/{m}/agenda/papers/{ids['nonpublic_paper']}",
            expect(FORBIDDEN, council=HIDDEN, secretary=OK),
            {**offered, "part": "non_public"},
        ),
        "committees.add_minutes_item": Case(
            "POST", f"/meetings/{m}/agenda/minutes/{h}", SECRETARY, offered
        ),
        "committees.move_agenda_item": Case(
            "POST",
            f"/meetings/{m}/agenda/items/{ids['nonpublic_item']}/move",
            expect(FORBIDDEN, council=HIDDEN, secretary=OK),
            {"direction": "up", "version": version},
        ),
        "committees.set_agenda_item_part": Case(
            "POST",
            f"/meetings/{m}/agenda/items/{ids['public_item']}/part",
            SECRETARY,
            {"version": version},
        ),
        "committees.remove_agenda_item": Case(
            "POST",
            f"/meetings/{m}/agenda/items/{ids['public_item']}/remove",
            SECRETARY,
            {"version": version},
        ),
        "committees.invitation": Case("GET", f"/meetings/{m}/invitation", SECRETARY),
        "committees.send_invitation": Case(
            "POST",
            f"/meetings/{m}/invitation",
            SECRETARY,
            {"urgent_reason": "", "version": version},
        ),
        "committees.attendance": Case("GET", f"/meetings/{h}/attendance", SECRETARY),
        "committees.record_attendance": Case(
            "POST", f"/meetings/{h}/attendance", SECRETARY, {"version": held_version}
        ),
        "committees.session_day": Case("GET", f"/meetings/{h}/session", SECRETARY),
        "committees.record_result": Case(
            "POST",
            f"/meetings/{h}/items/{ids['open_item']}/result",
            SECRETARY,
            {"result": "deferred", "version": held_version},
        ),
        "committees.close_meeting": Case(
            "POST", f"/meetings/{h}/close", SECRETARY, {"version": held_version}
        ),
        "committees.minutes": Case("GET", f"/meetings/{h}/minutes", SECRETARY),
        "committees.save_minutes": Case(
            "POST", f"/meetings/{h}/minutes", SECRETARY, {"text": "Text", "version": held_version}
        ),
        "committees.finalize_minutes": Case(
            "POST", f"/meetings/{h}/minutes/finalize", SECRETARY, {"version": held_version}
        ),
    }
