"""A demo Landkreis: departments, committees with their members, one user per role, about 40
measures, and a year of sessions.

Every measure is driven to its state through the real operations, with timestamps spread
over the past months, so that its history is real; committee results come from sessions
(:mod:`digiflow.demo.sessions`). The situations follow the council documents in
``shared/seeds/``: the Hildesheim motion (1.0 M€ locked until a concept and the specialist
committee's recommendation, released by the Kreisausschuss), the Hannover strategy paper (a
digitalization office, broadband coordination) and the Langenhagen "Digitale Kommune
Niedersachsen" analysis (fields of action and overarching goals).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from digiflow.catalogs.models import CatalogEntry, CatalogKind
from digiflow.core.db import db, utcnow
from digiflow.core.roles import CommitteeType, Role
from digiflow.demo.council import seat_council
from digiflow.demo.sessions import PATHS, SessionDemo, first_day
from digiflow.funding.models import FundingProgramme, FundingProvider
from digiflow.measures.models import Comment, Decision, Measure, Watch
from digiflow.measures.operations import (
    create_measure,
    decide_approval,
    submit_measure,
    transition_measure,
    withdraw_measure,
)
from digiflow.org.models import Body, Committee, Department
from digiflow.users.models import Substitute, User
from digiflow.users.operations import assign_role, create_user

#: The password of every demo account (documented in README.md). Never use it in production.
DEMO_PASSWORD = "digiflow-demo"  # noqa: S105 - documented demo password

DEPARTMENTS = [
    ("FB 10", "Fachbereich 10 – Zentrale Dienste und Digitalisierung"),
    ("FB 20", "Fachbereich 20 – Finanzen"),
    ("FB 30", "Fachbereich 30 – Ordnung und Verkehr"),
    ("FB 40", "Fachbereich 40 – Bildung und Schulen"),
    ("FB 50", "Fachbereich 50 – Soziales"),
    ("FB 60", "Fachbereich 60 – Bauen und Umwelt"),
    ("FB 70", "Fachbereich 70 – Jugend und Gesundheit"),
]

COMMITTEES = [
    (
        "FPDI",
        "Ausschuss für Finanzen, Personal, Digitalisierung und Innere Dienste",
        CommitteeType.specialist,
    ),
    ("KA", "Kreisausschuss", CommitteeType.main),
    ("KT", "Kreistag", CommitteeType.council),
    ("AG DIG", "Unter-AG Digitalisierung", CommitteeType.working_group),
]
COMMITTEE_DESCRIPTIONS = {
    "AG DIG": "Offene Arbeitsgruppe nach dem Antrag zum Haushalt: interessierte "
    "Kreistagsabgeordnete und die Verwaltung arbeiten dem Fachausschuss zu; monatliche "
    "Sitzungen, nicht öffentlich.",
}

CATALOGS = {
    CatalogKind.field_of_action: [
        ("online_services", "Online-Dienste (OZG)", "Online services (OZG)"),
        ("infrastructure", "Digitale Infrastruktur", "Digital infrastructure"),
        ("internal", "Digitale Verwaltung intern", "Internal digital administration"),
        ("schools", "Bildung und Schulen", "Education and schools"),
        ("skills", "Digitale Kompetenzen", "Digital skills"),
        ("data", "Daten und Transparenz", "Data and transparency"),
        ("security", "Informationssicherheit", "Information security"),
    ],
    CatalogKind.priority: [
        ("high", "hoch", "high"),
        ("medium", "mittel", "medium"),
        ("low", "niedrig", "low"),
    ],
    CatalogKind.strategic_goal: [
        ("online", "Online-Verfügbarkeit von Verwaltungsleistungen", "Online availability"),
        ("user", "Nutzerorientierung", "User orientation"),
        ("automation", "Automatisierung von Verwaltungsprozessen", "Automation"),
        ("sovereignty", "Digitale Souveränität", "Digital sovereignty"),
        ("skills", "Kompetenzen der Mitarbeitenden", "Staff skills"),
    ],
    CatalogKind.it_provider: [
        ("zweckverband", "Kommunaler IT-Zweckverband", "Municipal IT cooperative"),
        ("land", "IT-Dienstleister des Landes", "State IT provider"),
        ("intern", "Eigene IT-Abteilung", "In-house IT"),
    ],
}

FUNDING_PROGRAMMES = [
    ("Gigabitförderung des Bundes", FundingProvider.federal, "50", date(2027, 3, 31)),
    ("Digitale Kommune Niedersachsen", FundingProvider.state, "75", date(2027, 6, 30)),
    ("EFRE – Digitalisierung in Kommunen", FundingProvider.eu, "60", date(2027, 1, 15)),
]

# (key, e-mail local part, name, department, roles); roles: (Role, scope) with scope
# None (global), "dept" (the user's department) or a committee short name
USERS = [
    ("admin", "admin", "Andrea Admin", "FB 10", [(Role.admin, None)]),
    ("office", "digitalisierung", "Dana Diedrichs", "FB 10", [(Role.digitalization_office, None)]),
    ("office2", "koordinierung", "Ole Ostermann", "FB 10", [(Role.digitalization_office, None)]),
    ("finance", "kaemmerei", "Karl Kämmerer", "FB 20", [(Role.finance, None)]),
    (
        "secretary",
        "sitzungsdienst",
        "Sabine Sommer",
        "FB 10",
        [
            (Role.committee_secretary, "FPDI"),
            (Role.committee_secretary, "KA"),
            (Role.committee_secretary, "KT"),
            (Role.committee_secretary, "AG DIG"),
        ],
    ),
    ("council", "kreistag", "Konrad Kreismann", None, [(Role.council_member, None)]),
    ("head30", "leitung.fb30", "Helga Hoffmann", "FB 30", [(Role.department_head, "dept")]),
    (
        "deputy30",
        "vertretung.fb30",
        "Stefan Stellmacher",
        "FB 30",
        [(Role.proposer, "dept")],
    ),
    ("proposer30", "fb30", "Paul Peters", "FB 30", [(Role.proposer, "dept")]),
    ("head40", "leitung.fb40", "Birgit Brandt", "FB 40", [(Role.department_head, "dept")]),
    ("proposer40", "fb40", "Lena Lorenz", "FB 40", [(Role.proposer, "dept")]),
    ("head60", "leitung.fb60", "Jonas Jansen", "FB 60", [(Role.department_head, "dept")]),
    ("proposer60", "fb60", "Mira Meyer", "FB 60", [(Role.proposer, "dept")]),
    ("head10", "leitung.fb10", "Thomas Thiele", "FB 10", [(Role.department_head, "dept")]),
    ("proposer10", "fb10", "Nina Neumann", "FB 10", [(Role.proposer, "dept")]),
    ("head50", "leitung.fb50", "Frieda Fuchs", "FB 50", [(Role.department_head, "dept")]),
    ("proposer50", "fb50", "Emil Engel", "FB 50", [(Role.proposer, "dept")]),
    ("head70", "leitung.fb70", "Greta Graf", "FB 70", [(Role.department_head, "dept")]),
    ("proposer70", "fb70", "Yusuf Yilmaz", "FB 70", [(Role.proposer, "dept")]),
    ("head20", "leitung.fb20", "Rainer Roth", "FB 20", [(Role.department_head, "dept")]),
    ("proposer20", "fb20", "Clara Claasen", "FB 20", [(Role.proposer, "dept")]),
]
EMAIL_DOMAIN = "leinebergland.example"


@dataclass(frozen=True)
class MeasureSpec:
    title: str
    department: str
    target: str  # the state the demo drives the measure to
    cost_one_off: int
    cost_recurring: int = 0
    field: str = "online_services"
    priority: str = "medium"
    description: str = ""


MEASURES = [
    MeasureSpec(
        "Digitalisierungskonzept des Landkreises",
        "FB 10",
        "implementation",
        60_000,
        0,
        "internal",
        "high",
        "Konzept als Voraussetzung für die Freigabe der gesperrten Mittel von 1,0 Mio. € "
        "(Antrag der SPD-Fraktion und der Gruppe Grüne/Linke zum Haushalt).",
    ),
    MeasureSpec(
        "Einführung der E-Akte in der Kreisverwaltung",
        "FB 10",
        "budget_release",
        420_000,
        60_000,
        "internal",
        "high",
        "Schrittweise Einführung der elektronischen Akte in allen Fachbereichen.",
    ),
    MeasureSpec(
        "Online-Kfz-Zulassung (i-Kfz) ausbauen",
        "FB 30",
        "implementation",
        85_000,
        12_000,
        "online_services",
        "high",
    ),
    MeasureSpec(
        "Digitaler Bauantrag (OZG-Leistung)",
        "FB 60",
        "committee_recommendation",
        140_000,
        18_000,
        "online_services",
        "high",
    ),
    MeasureSpec(
        "WLAN an allen Kreisschulen", "FB 40", "budget_release", 380_000, 25_000, "schools", "high"
    ),
    MeasureSpec(
        "Breitbandausbau in Gewerbegebieten (Gigabitförderung)",
        "FB 60",
        "concept",
        900_000,
        0,
        "infrastructure",
        "high",
        "Koordinierung des Breitbandausbaus mit Förderung von Bund und Land.",
    ),
    MeasureSpec(
        "Ratsinformationssystem mit OParl-Schnittstelle",
        "FB 10",
        "completed",
        48_000,
        9_000,
        "data",
        "medium",
    ),
    MeasureSpec(
        "Online-Terminvergabe im Bürgerbüro",
        "FB 30",
        "completed",
        18_000,
        3_000,
        "online_services",
        "medium",
    ),
    MeasureSpec(
        "Digitale Kita-Platzvergabe",
        "FB 70",
        "proposal",
        65_000,
        8_000,
        "online_services",
        "medium",
    ),
    MeasureSpec(
        "Wohngeld-Antrag online", "FB 50", "concept", 30_000, 5_000, "online_services", "medium"
    ),
    MeasureSpec(
        "Tablets für Kreistagsabgeordnete (digitale Sitzungsunterlagen)",
        "FB 10",
        "committee_recommendation",
        55_000,
        7_500,
        "internal",
        "medium",
    ),
    MeasureSpec(
        "Fortbildungsprogramm Digitalkompetenz für Mitarbeitende",
        "FB 10",
        "implementation",
        40_000,
        15_000,
        "skills",
        "high",
    ),
    MeasureSpec(
        "360°-Analyse „Digitale Kommune Niedersachsen“",
        "FB 10",
        "completed",
        0,
        0,
        "internal",
        "medium",
        "Teilnahme am Beratungsprojekt des Landes: Bestandsaufnahme, Handlungsfelder, "
        "Maßnahmenansätze.",
    ),
    MeasureSpec(
        "Notebooks für mobiles Arbeiten", "FB 10", "returned", 210_000, 30_000, "internal", "medium"
    ),
    MeasureSpec(
        "Schul-Cloud für die Berufsbildenden Schulen",
        "FB 40",
        "concept",
        95_000,
        20_000,
        "schools",
        "medium",
    ),
    MeasureSpec(
        "Interaktive Tafeln an Berufsbildenden Schulen",
        "FB 40",
        "deferred",
        260_000,
        0,
        "schools",
        "low",
    ),
    MeasureSpec(
        "Führerscheinantrag online", "FB 30", "proposal", 28_000, 4_000, "online_services", "medium"
    ),
    MeasureSpec(
        "Gewerbeanmeldung online", "FB 30", "draft", 22_000, 3_500, "online_services", "low"
    ),
    MeasureSpec(
        "Digitales Baulastenverzeichnis", "FB 60", "rejected", 75_000, 6_000, "data", "low"
    ),
    MeasureSpec(
        "Modernisierung Geoportal und GIS",
        "FB 60",
        "implementation",
        120_000,
        14_000,
        "data",
        "medium",
    ),
    MeasureSpec(
        "Bürgerportal mit Servicekonto (BundID)",
        "FB 10",
        "budget_release",
        160_000,
        22_000,
        "online_services",
        "high",
    ),
    MeasureSpec(
        "Eingangsplattform für E-Rechnungen",
        "FB 20",
        "committee_recommendation",
        45_000,
        9_000,
        "internal",
        "high",
    ),
    MeasureSpec(
        "Digitale Haushaltsplanung", "FB 20", "proposal", 70_000, 11_000, "internal", "medium"
    ),
    MeasureSpec(
        "Dokumentenmanagement im Jugendamt",
        "FB 70",
        "returned",
        110_000,
        16_000,
        "internal",
        "medium",
    ),
    MeasureSpec(
        "Anbindung des Gesundheitsamts an DEMIS",
        "FB 70",
        "implementation",
        35_000,
        6_000,
        "internal",
        "high",
    ),
    MeasureSpec(
        "Chatbot für Bürgeranfragen (Pilot)",
        "FB 10",
        "implementation",
        15_000,
        4_000,
        "online_services",
        "low",
    ),
    MeasureSpec("Open-Data-Portal des Landkreises", "FB 10", "draft", 38_000, 6_000, "data", "low"),
    MeasureSpec(
        "Digitalisierung des Kreisarchivs", "FB 10", "withdrawn", 150_000, 0, "data", "low"
    ),
    MeasureSpec(
        "Online-Beteiligung zum Haushalt", "FB 20", "withdrawn", 24_000, 2_000, "data", "low"
    ),
    MeasureSpec(
        "Digitale Antragstellung Schülerbeförderung",
        "FB 40",
        "proposal",
        26_000,
        3_000,
        "online_services",
        "medium",
    ),
    MeasureSpec(
        "Elektronische Vergabe (e-Vergabe)", "FB 20", "concept", 32_000, 5_000, "internal", "medium"
    ),
    MeasureSpec(
        "Informationssicherheitskonzept nach BSI IT-Grundschutz",
        "FB 10",
        "committee_recommendation",
        90_000,
        40_000,
        "security",
        "high",
    ),
    MeasureSpec(
        "Videokonferenztechnik für die Sitzungssäle",
        "FB 10",
        "deferred",
        68_000,
        5_000,
        "internal",
        "low",
    ),
    MeasureSpec("Digitale Zeiterfassung", "FB 10", "rejected", 52_000, 9_000, "internal", "low"),
    MeasureSpec(
        "Hundesteuer-Anmeldung online", "FB 20", "completed", 6_500, 800, "online_services", "low"
    ),
    MeasureSpec("Digitales Fundbüro", "FB 30", "proposal", 4_800, 600, "online_services", "low"),
    MeasureSpec(
        "Sensoren zur Hochwasserfrühwarnung",
        "FB 60",
        "draft",
        48_000,
        7_000,
        "infrastructure",
        "medium",
    ),
    MeasureSpec(
        "Digitale Pflegeberatung per Video",
        "FB 50",
        "returned",
        12_000,
        2_400,
        "online_services",
        "medium",
    ),
    MeasureSpec(
        "Terminbuchung Ausländerbehörde",
        "FB 30",
        "proposal",
        19_000,
        2_000,
        "online_services",
        "high",
    ),
    MeasureSpec(
        "Wahlhelfer-Verwaltung online", "FB 30", "draft", 9_000, 1_000, "online_services", "low"
    ),
]

# the paths the demo takes through the default workflow, step by step, up to the committees
# (the sessions take the measures of ``sessions.PATHS`` on from there)
_FULL_PATH = ["submit", "approve_head", "approve_office", "cosign_finance", "cosign_office"]
_STOP_AFTER = {"draft": 0, "proposal": 1, "concept": 3}
_SMALL_PATH = ["submit", "approve_office", "complete"]
_SMALL_STOP_AFTER = {"draft": 0, "proposal": 1, "implementation": 2, "completed": 3}


class DemoLoader:
    """Builds the demo body. Call :meth:`load` once on an empty database."""

    def __init__(self, now: datetime | None = None, seed: int = 2023) -> None:
        self.now = now or utcnow()
        self.random = random.Random(seed)
        self.users: dict[str, User] = {}
        self.departments: dict[str, Department] = {}
        self.committees: dict[str, Committee] = {}
        self.catalog: dict[tuple[CatalogKind, str], CatalogEntry] = {}
        self._password_hash: str | None = None

    def load(self) -> dict[str, int]:
        """Fill the database; return the number of measures per state."""
        body = Body(
            name="Landkreis Leinebergland (Demo)",
            short_name="LK Leinebergland",
            kind="Landkreis",
            federal_state="NI",
            ags="03299000",
        )
        db.session.add(body)
        db.session.flush()
        for short, name in DEPARTMENTS:
            self.departments[short] = Department(body=body, short_name=short, name=name)
        for short, name, ctype in COMMITTEES:
            self.committees[short] = Committee(
                body_id=body.id,
                short_name=short,
                name=name,
                type=ctype,
                notice_days=7 if ctype != CommitteeType.working_group else 5,
                is_public=ctype != CommitteeType.working_group,
                description=COMMITTEE_DESCRIPTIONS.get(short, ""),
            )
        db.session.add_all([*self.departments.values(), *self.committees.values()])
        for kind, entries in CATALOGS.items():
            for position, (key, de, en) in enumerate(entries, start=1):
                entry = CatalogEntry(
                    kind=kind, key=key, label_de=de, label_en=en, position=position
                )
                self.catalog[(kind, key)] = entry
                db.session.add(entry)
        self.programmes = [
            FundingProgramme(
                body_id=body.id,
                name=name,
                provider=provider,
                funding_rate=Decimal(rate),
                application_deadline=deadline,
            )
            for name, provider, rate, deadline in FUNDING_PROGRAMMES
        ]
        db.session.add_all(self.programmes)
        db.session.flush()
        self._users()
        council = seat_council(
            body=body,
            admin=self.users["admin"],
            users=self.users,
            committees=self.committees,
            make_user=lambda email, name: self._account(email, name),
            email_domain=EMAIL_DOMAIN,
            since=first_day(self.now),
            until=self.now.date(),
        )
        self.sessions = SessionDemo(self, council, self.now)
        self._measures()
        self.sessions.run()
        today = self.now.date()
        db.session.add(
            Substitute(
                user=self.users["head30"],
                deputy=self.users["deputy30"],
                starts_on=today - timedelta(days=2),
                ends_on=today + timedelta(days=12),
                note="Urlaub",
            )
        )
        db.session.flush()
        return dict(
            db.session.execute(
                sa.select(Measure.state, sa.func.count(Measure.id)).group_by(Measure.state)
            ).all()
        )

    def summary(self) -> dict[str, int]:
        """Sessions (all, held), papers and tracked resolutions the demo made."""
        return self.sessions.summary()

    def _account(
        self, email: str, name: str, department: Department | None = None, language: str = "de"
    ) -> User:
        """A demo account with the demo password. The first is made by ``create_user``; the
        others share its password hash (hashing is slow by design, and the demo has many
        accounts with the same documented password)."""
        if self._password_hash is None:
            user = create_user(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                department=department,
                language=language,
            )
            self._password_hash = user.password_hash
            return user
        user = User(
            email=email,
            name=name,
            language=language,
            department=department,
            password_hash=self._password_hash,
        )
        db.session.add(user)
        db.session.flush()
        return user

    def _users(self) -> None:
        for key, local, name, dept, roles in USERS:
            department = self.departments[dept] if dept else None
            user = self._account(
                f"{local}@{EMAIL_DOMAIN}",
                name,
                department=department,
                language="en" if key == "office2" else "de",
            )
            for role, scope in roles:
                if scope is None:
                    assign_role(user, role)
                elif scope == "dept":
                    assign_role(user, role, department=department)
                else:
                    assign_role(user, role, committee=self.committees[scope])
            self.users[key] = user

    def people_of(self, department: str) -> tuple[User, User]:
        """The proposer and the head of ``department`` (short name)."""
        number = department.split()[-1]
        return self.users[f"proposer{number}"], self.users[f"head{number}"]

    def _measures(self) -> None:
        for index, spec in enumerate(MEASURES):
            path = PATHS.get(spec.title)
            if path is None:
                start = self.now - timedelta(days=self.random.randint(20, 240))
                self._drive(spec, _Clock(start, self.now, self.random), index)
                continue
            # to the Fachausschuss's state in time for the session of its round
            earliest, latest = self.sessions.reach_window(path)
            reach = earliest + (latest - earliest) * self.random.random()
            start = reach - timedelta(days=self.random.randint(25, 60))
            clock = _Schedule(start, reach, len(_FULL_PATH) + 1, self.random)
            measure = self._drive(spec, clock, index, to_committee=True)
            self.sessions.waiting(measure, spec, path)

    def _drive(
        self, spec: MeasureSpec, clock: _Clock | _Schedule, index: int, to_committee: bool = False
    ) -> Measure:
        proposer, head = self.people_of(spec.department)
        budget_year = 2024 + index % 3
        providers = [e for (kind, _), e in self.catalog.items() if kind == CatalogKind.it_provider]
        measure = create_measure(
            actor=proposer,
            department=self.departments[spec.department],
            title=spec.title,
            description=spec.description
            or f"{spec.title}: Maßnahme des {self.departments[spec.department].name}.",
            cost_one_off=Decimal(spec.cost_one_off),
            cost_recurring=Decimal(spec.cost_recurring),
            budget_year=budget_year,
            field_of_action_id=self.catalog[(CatalogKind.field_of_action, spec.field)].id,
            priority_id=self.catalog[(CatalogKind.priority, spec.priority)].id,
            it_provider_id=providers[index % len(providers)].id,
            funding_programme_id=(
                self.programmes[index % len(self.programmes)].id
                if spec.field in ("infrastructure", "schools", "online_services") and index % 3 == 0
                else None
            ),
            start_date=date(budget_year, 1 + index % 6, 1),
            target_date=date(budget_year + 1, 6, 30),
            now=clock.tick(),
        )
        self._enrich(measure, spec, index, proposer, head)
        small = measure.workflow.name == "small_measure"
        if to_committee:
            assert not small, spec.title
            for action in _FULL_PATH:
                self._step(measure, action, proposer, head, clock)
            assert measure.state == "committee_recommendation", (spec.title, measure.state)
            return measure
        target = spec.target
        if target == "withdrawn":
            if index % 2:
                self._step(measure, "submit", proposer, head, clock)
            withdraw_measure(
                measure,
                actor=proposer,
                now=clock.tick(),
                reason="Wird im Rahmen des Digitalisierungskonzepts neu bewertet.",
            )
            return measure
        if target in ("returned", "rejected", "deferred"):
            self._step(measure, "submit", proposer, head, clock)
            first_approver = self.users["office"] if small else head
            if target == "returned":
                decide_approval(
                    measure,
                    actor=first_approver,
                    decision=Decision.ret,
                    now=clock.tick(),
                    reason="Bitte Kosten für Betrieb und Wartung ergänzen.",
                )
            elif target == "rejected":
                if not small:
                    self._step(measure, "approve_head", proposer, head, clock)
                decide_approval(
                    measure,
                    actor=self.users["office"],
                    decision=Decision.reject,
                    now=clock.tick(),
                    reason="Doppelt zu einer landesweiten Lösung; keine eigene Beschaffung.",
                )
            else:
                transition_measure(
                    measure,
                    "defer",
                    actor=self.users["office"],
                    now=clock.tick(),
                    comment="Zurückgestellt auf das nächste Haushaltsjahr.",
                )
            return measure
        if small:
            for action in _SMALL_PATH[: _SMALL_STOP_AFTER.get(target, 2)]:
                self._step(measure, action, proposer, head, clock)
            return measure
        # beyond the concept, measures of the full workflow go through the sessions (PATHS)
        assert target in _STOP_AFTER, (spec.title, target)
        for action in _FULL_PATH[: _STOP_AFTER[target]]:
            self._step(measure, action, proposer, head, clock)
        # leave some chains half way, so that the parallel co-signing shows
        if target == "concept" and index % 2:
            self._step(measure, "cosign_finance", proposer, head, clock)
        if target == "proposal" and index % 2:
            self._step(measure, "approve_head", proposer, head, clock)
        return measure

    def complete(self, measure: Measure, now: datetime) -> None:
        """The department reports the measure as done (after the funds were released)."""
        proposer, head = self.people_of(measure.department.short_name)
        transition_measure(
            measure,
            "complete",
            actor=proposer if measure.owner_id == proposer.id else head,
            now=now,
            comment="Umgesetzt und in den Betrieb übergeben.",
        )

    def _enrich(
        self, measure: Measure, spec: MeasureSpec, index: int, proposer: User, head: User
    ) -> None:
        """IT provider, funding, goals, watchers and a comment, so the pages look lived in."""
        goals = [e for (kind, _), e in self.catalog.items() if kind == CatalogKind.strategic_goal]
        measure.strategic_goals = [goals[index % len(goals)], goals[(index + 2) % len(goals)]]
        db.session.add_all(
            [
                Watch(measure_id=measure.id, user_id=head.id),
                Watch(measure_id=measure.id, user_id=self.users["office"].id),
            ]
        )
        if index % 4 == 0:
            db.session.add(
                Comment(
                    measure_id=measure.id,
                    author_id=self.users["office"].id,
                    body="Bitte den Bezug zum Digitalisierungskonzept im Antrag ergänzen.",
                    created_at=measure.created_at,
                )
            )
        db.session.flush()

    def _step(
        self, measure: Measure, action: str, proposer: User, head: User, clock: _Clock | _Schedule
    ) -> None:
        users = self.users
        if action == "submit":
            submit_measure(measure, actor=proposer, now=clock.tick())
        elif action == "approve_head":
            decide_approval(measure, actor=head, decision=Decision.approve, now=clock.tick())
        elif action in ("approve_office", "cosign_office"):
            office = users["office"] if clock.random.random() < 0.7 else users["office2"]
            decide_approval(
                measure, actor=office, decision=Decision.approve, now=clock.tick(), step="office"
            )
        elif action == "cosign_finance":
            decide_approval(
                measure,
                actor=users["finance"],
                decision=Decision.approve,
                now=clock.tick(),
                step="finance",
            )
        elif action == "complete":
            self.complete(measure, clock.tick())
        else:  # pragma: no cover - programming error in the demo paths
            raise AssertionError(action)


class _Clock:
    """Hands out increasing moments between ``start`` and ``end`` for one measure's history."""

    def __init__(self, start: datetime, end: datetime, rng: random.Random) -> None:
        self.current = start
        self.end = end
        self.random = rng

    def tick(self) -> datetime:
        step = timedelta(days=self.random.randint(1, 9), hours=self.random.randint(0, 6))
        self.current = min(self.current + step, self.end - timedelta(minutes=1))
        return self.current


class _Schedule:
    """Hands out ``count`` increasing moments from ``start`` to ``end`` (both included): a
    measure's history that has to arrive at a session in time."""

    def __init__(self, start: datetime, end: datetime, count: int, rng: random.Random) -> None:
        span = (end - start).total_seconds()
        inner = sorted(rng.uniform(0, span) for _ in range(count - 2))
        self.moments = [start, *(start + timedelta(seconds=s) for s in inner), end]
        self.random = rng

    def tick(self) -> datetime:
        return self.moments.pop(0)


def is_loaded() -> bool:
    """Tell whether the database already holds a body (then the demo is not loaded again)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Body)) > 0
