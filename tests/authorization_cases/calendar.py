"""Route cases of calendar feeds (blueprint ``calendar``).

Everybody signed in manages their own feed links; a feed id that is not the user's answers
404 (the world has no feed: the id below exists for nobody). The feed itself needs no login:
an unknown token answers 404 to everybody, anonymous callers included.
"""

from __future__ import annotations

from tests.authorization_cases import ALL_OK, HIDDEN, Case, expect

NOBODY_S_FEED = 2**31 - 1


def cases(ids: dict) -> dict[str, Case]:
    return {
        "calendar.index": Case("GET", "/profile/calendar", ALL_OK),
        "calendar.create_feed": Case(
            "POST", "/profile/calendar/feeds", ALL_OK, {"committee_id": ""}
        ),
        "calendar.delete_feed": Case(
            "POST", f"/profile/calendar/feeds/{NOBODY_S_FEED}/delete", expect(HIDDEN)
        ),
        "calendar.feed": Case(
            "GET", "/calendar/kein-gueltiger-schluessel.ics", expect(HIDDEN, anonymous=HIDDEN)
        ),
    }
