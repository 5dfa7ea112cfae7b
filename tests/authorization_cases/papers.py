"""Route cases of the papers pages (blueprint ``papers``).

``paper`` is a public information paper of the department ``dept`` (routed to the specialist
committee); ``nonpublic_paper`` a non-public one routed there too: staff and the committee's
members see it, other council members do not (404).
"""

from __future__ import annotations

from tests.authorization_cases import ALL_OK, FORBIDDEN, HIDDEN, OK, Case, expect

# the office, the secretaries, and the lead department's head and proposers
PAPER_EDIT = expect(FORBIDDEN, proposer=OK, head=OK, office=OK, secretary=OK)
NONPUBLIC_VIEW = expect(OK, council=HIDDEN)


def cases(ids: dict) -> dict[str, Case]:
    paper, nonpublic = ids["paper"], ids["nonpublic_paper"]
    return {
        "papers.index": Case("GET", "/papers/", ALL_OK),
        "papers.detail": Case("GET", f"/papers/{nonpublic}", NONPUBLIC_VIEW),
        "papers.pdf": Case("GET", f"/papers/{nonpublic}.pdf", NONPUBLIC_VIEW),
        "papers.create": Case(
            "GET",
            "/papers/new",
            expect(FORBIDDEN, proposer=OK, other_proposer=OK, head=OK, office=OK, secretary=OK),
        ),
        "papers.edit": Case("GET", f"/papers/{paper}/edit", PAPER_EDIT),
        "papers.add_consultation": Case(
            "POST",
            f"/papers/{paper}/consultations",
            PAPER_EDIT,
            {
                "consultation-committee_id": str(ids["specialist"]),
                "consultation-role": "information",
                "consultation-csrf_token": "",
            },
        ),
    }
