"""Route cases for ``tests/test_authorization.py``, one module per part of digiflow.

Each module here defines ``cases(ids) -> dict[endpoint, Case]``; ``ids`` are the objects
``tests.authorization_world`` creates (see ``COMMITTEE_ID_KEYS`` there and ``ID_KEYS`` in the
test). The constants and ``expect`` below are shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OK, FORBIDDEN, HIDDEN, LOGIN = "ok", "forbidden", "hidden", "login"
ROLES = [
    "anonymous",
    "proposer",
    "other_proposer",
    "head",
    "office",
    "finance",
    "secretary",
    "council",
    "member",  # a council member who sits in the specialist committee
    "admin",
]


def expect(default: str, anonymous: str = LOGIN, **roles: str) -> dict[str, str]:
    """The expected answer per role: ``default`` unless named (anonymous: the login page)."""
    return {role: roles.get(role, default) for role in ROLES if role != "anonymous"} | {
        "anonymous": anonymous
    }


ALL_OK = expect(OK)
ADMIN_ONLY = expect(FORBIDDEN, admin=OK)


@dataclass
class Case:
    method: str
    path: str
    expected: dict[str, str]
    # form fields of a POST; the CSRF token is added (``<prefix>-csrf_token`` for a prefixed
    # form: put the key "<prefix>-csrf_token" with any value)
    data: dict = field(default_factory=dict)
