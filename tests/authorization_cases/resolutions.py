"""Route cases of resolution tracking (blueprint ``resolutions``).

``resolution`` tracks the carried public item "Bericht" of the held session of the specialist
committee; it has no responsible department, so only the office and the committee's secretary
may update it (everybody sees it: 403 for the others).
"""

from __future__ import annotations

from tests.authorization_cases import ALL_OK, FORBIDDEN, OK, Case, expect


def cases(ids: dict) -> dict[str, Case]:
    return {
        "resolutions.index": Case("GET", "/resolutions/", ALL_OK),
        "resolutions.update": Case(
            "POST",
            f"/resolutions/{ids['resolution']}",
            expect(FORBIDDEN, office=OK, secretary=OK),
            {"status": "done", "note": "Umgesetzt", "target_date": "", "version": "1"},
        ),
    }
