"""Route cases of calendar feeds (blueprint ``calendar``).

Everybody signed in manages their own feed links; a feed that is not the user's answers 404
(``feed`` is the proposer's). The feed itself needs no login: its secret token is the key, for
everybody, anonymous callers included (an unknown token answers 404: tests/committees/
test_calendar.py).
"""

from __future__ import annotations

from tests.authorization_cases import ALL_OK, HIDDEN, OK, Case, expect


def cases(ids: dict) -> dict[str, Case]:
    return {
        "calendar.index": Case("GET", "/profile/calendar", ALL_OK),
        "calendar.create_feed": Case(
            "POST", "/profile/calendar/feeds", ALL_OK, {"committee_id": ""}
        ),
        "calendar.delete_feed": Case(
            "POST", f"/profile/calendar/feeds/{ids['feed']}/delete", expect(HIDDEN, proposer=OK)
        ),
        "calendar.feed": Case(
            "GET", f"/calendar/{ids['feed_token']}.ics", expect(OK, anonymous=OK)
        ),
    }
