"""The demo's council: factions, council members and their seats in the committees, the
places where the committees meet, and the electoral terms.

Every name is made up. The council members are users with the role ``council_member`` and
the demo password; the demo council member *Konrad Kreismann* (``kreistag@…``) sits in the
Fachausschuss and in the Unter-AG Digitalisierung, so that he sees their non-public items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from digiflow.committees.members import add_member, create_group, create_location
from digiflow.committees.models import CouncilGroup, Location, MemberRole
from digiflow.core.db import db
from digiflow.core.roles import Role
from digiflow.org.models import Body, Committee, LegislativeTerm
from digiflow.users.models import User
from digiflow.users.operations import assign_role

# (short name, name) of the factions and groups in the Kreistag
GROUPS = [
    ("SPD", "SPD-Fraktion"),
    ("CDU", "CDU-Fraktion"),
    ("Grüne/Linke", "Gruppe Grüne/Linke"),
    ("FDP", "FDP"),
    ("FW", "Freie Wähler"),
]

# (key, e-mail local part, name, faction); the demo council member ("council") exists already
COUNCILLORS = [
    ("landraetin", "landraetin", "Lore Landmann", None),
    ("sandmann", "susanne.sandmann", "Susanne Sandmann", "SPD"),
    ("harms", "heiko.harms", "Heiko Harms", "SPD"),
    ("prueser", "paula.prueser", "Paula Prüser", "SPD"),
    ("bornemann", "bernd.bornemann", "Bernd Bornemann", "SPD"),
    ("clausing", "christoph.clausing", "Christoph Clausing", "CDU"),
    ("mertens", "martina.mertens", "Martina Mertens", "CDU"),
    ("gieseke", "gerd.gieseke", "Gerd Gieseke", "CDU"),
    ("reinecke", "renate.reinecke", "Renate Reinecke", "CDU"),
    ("wiechers", "wolfgang.wiechers", "Wolfgang Wiechers", "CDU"),
    ("lindemann", "lisa.lindemann", "Lisa Lindemann", "Grüne/Linke"),
    ("timmermann", "tobias.timmermann", "Tobias Timmermann", "Grüne/Linke"),
    ("juergens", "jana.juergens", "Jana Jürgens", "Grüne/Linke"),
    ("focken", "frank.focken", "Frank Focken", "FDP"),
    ("voigt", "volker.voigt", "Volker Voigt", "FW"),
]
#: The faction of the demo council member.
COUNCIL_GROUP = "SPD"

_CHAIR, _VICE, _MEMBER = MemberRole.chair, MemberRole.vice_chair, MemberRole.member
_DEPUTY, _ADVISORY = MemberRole.deputy, MemberRole.advisory

# committee short name -> (person key, function); person keys are councillors or demo users
SEATS: dict[str, list[tuple[str, MemberRole]]] = {
    # 11 voting members of four factions, three deputies, one advisory seat (Grundmandat)
    "FPDI": [
        ("sandmann", _CHAIR),
        ("clausing", _VICE),
        ("council", _MEMBER),
        ("harms", _MEMBER),
        ("prueser", _MEMBER),
        ("mertens", _MEMBER),
        ("gieseke", _MEMBER),
        ("reinecke", _MEMBER),
        ("lindemann", _MEMBER),
        ("timmermann", _MEMBER),
        ("focken", _MEMBER),
        ("bornemann", _DEPUTY),
        ("wiechers", _DEPUTY),
        ("juergens", _DEPUTY),
        ("voigt", _ADVISORY),
    ],
    # the Landrätin chairs; six Beigeordnete
    "KA": [
        ("landraetin", _CHAIR),
        ("sandmann", _MEMBER),
        ("harms", _MEMBER),
        ("clausing", _VICE),
        ("wiechers", _MEMBER),
        ("juergens", _MEMBER),
        ("focken", _MEMBER),
    ],
    # every council member and the Landrätin
    "KT": [("mertens", _CHAIR), ("council", _MEMBER), ("landraetin", _MEMBER)]
    + [(key, _MEMBER) for key, *_ in COUNCILLORS if key not in ("mertens", "landraetin")],
    # the open working group of the motion: interested council members and the
    # administration (the digitalization office and the head of FB 10, advising)
    "AG DIG": [
        ("lindemann", _CHAIR),
        ("council", _MEMBER),
        ("gieseke", _MEMBER),
        ("focken", _MEMBER),
        ("office", _ADVISORY),
        ("office2", _ADVISORY),
        ("head10", _ADVISORY),
    ],
}

#: Deputy members of the Fachausschuss, by faction: they vote for an absent member of theirs.
DEPUTIES = {"SPD": "bornemann", "CDU": "wiechers", "Grüne/Linke": "juergens"}

# Niedersachsen: the council is elected for five years from 1 November (2021, 2026, ...)
_TERM_START = date(2021, 11, 1)
_TERM_YEARS = 5


@dataclass
class Council:
    """The people of the committees and where they meet."""

    groups: dict[str, CouncilGroup] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)
    #: person key -> faction short name (None for the Landrätin and the administration)
    faction: dict[str, str | None] = field(default_factory=dict)
    hall: Location | None = None
    room: Location | None = None
    terms: list[LegislativeTerm] = field(default_factory=list)

    def seated(self, committee: str, role: MemberRole | None = None) -> list[str]:
        """The keys of the people seated in ``committee`` (with ``role`` if given)."""
        return [key for key, r in SEATS[committee] if role is None or r == role]


def term_bounds(day: date) -> tuple[date, date]:
    """The electoral term (first and last day) that contains ``day``."""
    years = (day.year - _TERM_START.year) // _TERM_YEARS * _TERM_YEARS
    start = _TERM_START.replace(year=_TERM_START.year + years)
    if start > day:
        start = start.replace(year=start.year - _TERM_YEARS)
    return start, start.replace(year=start.year + _TERM_YEARS) - timedelta(days=1)


def seat_council(
    *,
    body: Body,
    admin: User,
    users: dict[str, User],
    committees: dict[str, Committee],
    make_user: Callable[[str, str], User],
    email_domain: str,
    since: date,
    until: date,
) -> Council:
    """Create factions, council members (accounts made by ``make_user(e-mail, name)``), seats,
    locations and the electoral terms covering ``since`` to ``until`` (the seats start with
    the first of these terms)."""
    council = Council()
    for short, name in GROUPS:
        council.groups[short] = create_group(actor=admin, body=body, name=name, short_name=short)
    council.people.update(users)
    for key in users:
        council.faction[key] = None
    council.faction["council"] = COUNCIL_GROUP
    for key, local, name, group in COUNCILLORS:
        user = make_user(f"{local}@{email_domain}", name)
        assign_role(user, Role.council_member)
        council.people[key] = user
        council.faction[key] = group

    day = since
    while True:
        start, end = term_bounds(day)
        term = LegislativeTerm(
            body_id=body.id,
            name=f"Wahlperiode {start.year}–{end.year}",
            starts_on=start,
            ends_on=end,
        )
        council.terms.append(term)
        if end >= until:
            break
        day = end + timedelta(days=1)
    db.session.add_all(council.terms)

    seats_from = council.terms[0].starts_on
    for short, seats in SEATS.items():
        for key, role in seats:
            faction = council.faction[key]
            add_member(
                committees[short],
                actor=admin,
                user=council.people[key],
                starts_on=seats_from,
                role=role,
                group=council.groups[faction] if faction else None,
            )

    council.hall = create_location(
        actor=admin,
        body=body,
        description="Kreishaus, Sitzungssaal",
        street_address="Kreishausplatz 1",
        room="Sitzungssaal (Erdgeschoss)",
    )
    council.room = create_location(
        actor=admin,
        body=body,
        description="Kreishaus, Raum 2.14",
        street_address="Kreishausplatz 1",
        room="2.14 (2. Obergeschoss)",
    )
    db.session.flush()
    return council
