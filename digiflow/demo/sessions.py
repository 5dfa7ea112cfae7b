"""The demo's committees at work: sessions over the demo's timeline, built with the real
operations of :mod:`digiflow.committees` (each given its moment as ``now``).

Every six weeks there is a round of sessions: the Fachausschuss (FPDI) on a Monday, the
Kreisausschuss (KA) three weeks later; twice the Kreistag (KT) on the Thursday after. Round 0
is the last one whose Fachausschuss met; round -1 is the next one. The secretary builds each
agenda the day before the Vorlagenschluss (the measures that wait for the committee, the papers
routed to it, the approval of the last minutes), invites ten days ahead, records attendance and
the results on the day, closes the session and finalizes the minutes a week later. Results
move the measures on through their workflow; the carried resolutions of the deciding bodies
are tracked.

The story follows the seeds: the factions' budget motion (1.0 Mio. € locked until a concept and
the Fachausschuss's recommendation, an open Unter-AG Digitalisierung meeting monthly) is carried
in round 5; the Unter-AG then meets on the second Wednesday of each month; the administration's
strategy paper is taken note of in round 4; the concept passes the Fachausschuss and the
Kreisausschuss releases the locked funds in round 3.

Everything happens in the order of time (one queue of events), so that paper numbers, measure
histories and reminders come out as if the year had been lived.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from digiflow.committees import agenda, meetings, minutes, papers, session
from digiflow.committees.models import (
    AgendaItem,
    AttendanceStatus,
    Meeting,
    MemberRole,
    Paper,
    PaperType,
    ResolutionStatus,
    ResolutionTask,
)
from digiflow.committees.resolutions import update_resolution
from digiflow.core.calendar import is_business_day
from digiflow.core.db import db
from digiflow.core.time import LOCAL_TZ, local_date
from digiflow.core.workflow.definition import CommitteeResult, ConsultationRole
from digiflow.demo import documents
from digiflow.demo.council import DEPUTIES, SEATS, Council
from digiflow.measures.models import Measure

if TYPE_CHECKING:
    from digiflow.demo.data import DemoLoader, MeasureSpec
    from digiflow.org.models import Committee
    from digiflow.users.models import User

#: Days between two rounds of sessions.
ROUND_DAYS = 42
#: The oldest round (the motion's); rounds 5 .. 0 were held, -1 is the next one.
FIRST_ROUND = 5
#: The Kreisausschuss meets this many days after the Fachausschuss of its round.
MAIN_AFTER = 21
#: The Kreistag meets on the Thursday after the Kreisausschuss, in these rounds.
COUNCIL_AFTER = 24
COUNCIL_ROUNDS = (5, 2)
#: The secretary builds the agenda the day before the Vorlagenschluss; invites ten days ahead.
INVITE_DAYS = {"FPDI": 10, "KA": 10, "KT": 10, "AG DIG": 7}
#: Minutes are finalized this many days after the session.
MINUTES_DAYS = 8
#: Sessions are planned (Sitzungskalender) this many days ahead.
PLAN_DAYS = 70
UNTER_AG_RRULE = "FREQ=MONTHLY;BYDAY=2WE"
#: The Unter-AG session that was cancelled (the n-th of the series).
CANCELLED_OCCURRENCE = 3
CANCEL_REASON = "Terminüberschneidung mit der Haushaltsklausur des Kreistags."

_HOURS = {"FPDI": (17, 180), "KA": (15, 120), "KT": (14, 300), "AG DIG": (16, 120)}

# The Unter-AG's topics, one per session (non-public part), then "Verschiedenes".
UNTER_AG_TOPICS = [
    "Konstituierung und Arbeitsweise der Unter-AG",
    "Sachstand des Digitalisierungskonzepts",
    "Priorisierung der Maßnahmen für den Fachausschuss",
    "Bericht: Umsetzung des Onlinezugangsgesetzes (OZG) im Landkreis",
    "Breitbandausbau in den Gewerbegebieten: Stand der Förderanträge",
    "Informationssicherheit: Ergebnisse der Schwachstellenanalyse",
    "E-Akte: Erfahrungen der Pilotbereiche",
    "Digitale Sitzungsarbeit: Anforderungen an Tablets für Kreistagsabgeordnete",
    "Open Data: Welche Daten veröffentlicht der Landkreis zuerst?",
    "Bürgerportal: Rückmeldungen aus dem Testbetrieb",
]

# Items without a paper on the agendas, taken note of: (committee, round or None for every
# round, title, public)
FREE_ITEMS = [
    ("FPDI", None, "Mitteilungen der Verwaltung", True),
    (
        "FPDI",
        4,
        "Bericht der Digitalisierungsbeauftragten: Ergebnisse der 360°-Analyse „Digitale "
        "Kommune Niedersachsen“",
        True,
    ),
    (
        "FPDI",
        3,
        "Vergabeangelegenheit: Ergebnis der Ausschreibung des Rahmenvertrags für Endgeräte",
        False,
    ),
    (
        "FPDI",
        -1,
        "Personalangelegenheit: Besetzung der Stelle „Beauftragte/r für digitale Infrastruktur“",
        False,
    ),
    ("KA", None, "Mitteilungen der Landrätin", True),
    ("KT", None, "Bericht der Landrätin über wichtige Angelegenheiten", True),
]

# Votes at the Fachausschuss and the Kreisausschuss: (no, abstain); yes are the others present
_FPDI_VOTES = [(1, 1), (0, 0), (2, 1), (0, 1), (3, 0)]
_KA_VOTES = [(0, 1), (0, 0), (1, 0)]
_MOTION_VOTES = {"FPDI": (4, 1), "KA": (2, 1), "KT": (5, 2)}


@dataclass(frozen=True)
class CommitteePath:
    """How a measure of the demo goes through the committees.

    ``round``: the round whose Fachausschuss first deals with it (-1: the next one, planned).
    ``fpdi``: its results at successive Fachausschuss sessions; a recommendation goes on to the
    Kreisausschuss of the same round, which releases the funds (unless that session is still
    ahead). ``tracking``: the traffic light of the Kreisausschuss's resolution some days later.
    """

    round: int
    fpdi: tuple[str, ...] = ("recommended",)
    urgent: str | None = None
    excluded: str | None = None
    amendment: str | None = None
    # (status, note, days after the session, new target date in days from the demo's today)
    tracking: tuple[ResolutionStatus, str, int, int | None] | None = None


PATHS: dict[str, CommitteePath] = {
    "Ratsinformationssystem mit OParl-Schnittstelle": CommitteePath(
        5,
        tracking=(
            ResolutionStatus.done,
            "Das Ratsinformationssystem ist in Betrieb; die OParl-Schnittstelle ist "
            "freigeschaltet.",
            75,
            None,
        ),
    ),
    "Modernisierung Geoportal und GIS": CommitteePath(
        4,
        excluded="gieseke",
        tracking=(
            ResolutionStatus.impossible,
            "Der IT-Zweckverband bietet das beschlossene Fachverfahren nicht mehr an. Die "
            "Umsetzung erfolgt nach einer neuen Ausschreibung, über die erneut zu beschließen "
            "ist.",
            60,
            None,
        ),
    ),
    "Digitalisierungskonzept des Landkreises": CommitteePath(
        3,
        tracking=(
            ResolutionStatus.in_progress,
            "Konzept im Fachausschuss vorgestellt; die ersten Maßnahmen sind beauftragt. Der "
            "Abschlussbericht folgt, daher ist der Zieltermin verlängert.",
            70,
            90,
        ),
    ),
    "Online-Kfz-Zulassung (i-Kfz) ausbauen": CommitteePath(
        3,
        tracking=(
            ResolutionStatus.in_progress,
            "Die Anbindung an das Landesportal verzögert sich; der Dienstleister hat einen neuen "
            "Termin zugesagt.",
            45,
            None,
        ),
    ),
    "Fortbildungsprogramm Digitalkompetenz für Mitarbeitende": CommitteePath(
        2,
        fpdi=("amended",),
        amendment=(
            "Der Ausschuss empfiehlt dem Kreisausschuss, die Haushaltsmittel für das "
            "Fortbildungsprogramm freizugeben, mit der Maßgabe, dass die Verwaltung dem "
            "Ausschuss jährlich über die Teilnahme berichtet."
        ),
        tracking=(
            ResolutionStatus.in_progress,
            "Die erste Schulungsreihe läuft; 120 Mitarbeitende sind angemeldet.",
            20,
            None,
        ),
    ),
    "Digitale Zeiterfassung": CommitteePath(2, fpdi=("tie",)),
    "Anbindung des Gesundheitsamts an DEMIS": CommitteePath(
        1, urgent="Die Anbindung ist nach der Vorgabe des Landes bis zum Quartalsende herzustellen."
    ),
    "Einführung der E-Akte in der Kreisverwaltung": CommitteePath(0),
    "WLAN an allen Kreisschulen": CommitteePath(0),
    "Bürgerportal mit Servicekonto (BundID)": CommitteePath(0),
    "Tablets für Kreistagsabgeordnete (digitale Sitzungsunterlagen)": CommitteePath(
        0, fpdi=("deferred",)
    ),
    "Digitaler Bauantrag (OZG-Leistung)": CommitteePath(-1),
    "Eingangsplattform für E-Rechnungen": CommitteePath(-1),
    "Informationssicherheitskonzept nach BSI IT-Grundschutz": CommitteePath(-1),
}

MOTION_TRACKING = (
    "Die Mittel von 1,0 Mio. € sind im Haushalt eingestellt und gesperrt; die Unter-AG "
    "Digitalisierung tagt seit dem {first:%d.%m.%Y} monatlich."
)


def local_moment(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` German time on ``day``, as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(UTC)


def euros(amount: Decimal | int) -> str:
    return f"{int(amount):,} €".replace(",", ".")


def round_days(now: datetime) -> dict[int, date]:
    """The Monday of each round's Fachausschuss: round 0 met 12 to 18 days before ``now``."""
    last = local_date(now) - timedelta(days=12)
    return {
        r: last - timedelta(days=last.weekday() + ROUND_DAYS * r)
        for r in range(-1, FIRST_ROUND + 1)
    }


def first_day(now: datetime) -> date:
    """The first day of the demo's committee work (seats and electoral terms start before)."""
    return round_days(now)[FIRST_ROUND] - timedelta(days=PLAN_DAYS + 30)


@dataclass
class _Session:
    """One session of the demo and what becomes of it."""

    committee: str
    starts_at: datetime
    round: int | None = None
    meeting: Meeting | None = None
    #: the n-th session of its committee (for attendance patterns)
    ordinal: int = 0
    #: the next sessions: "planned" has its agenda although the Vorlagenschluss is still
    #: ahead; "invited" has its agenda and its invitation
    upcoming: str | None = None

    @property
    def day(self) -> date:
        return local_date(self.starts_at)


@dataclass
class _Waiting:
    measure: Measure
    spec: MeasureSpec
    path: CommitteePath
    fpdi_seen: int = 0


@dataclass
class SessionDemo:
    """Plans and runs the demo's sessions; the loader drives the measures up to them."""

    loader: DemoLoader
    council: Council
    now: datetime
    sessions: list[_Session] = field(default_factory=list)
    measures: dict[int, _Waiting] = field(default_factory=dict)
    motion: Paper | None = None
    strategy: Paper | None = None
    first_unter_ag: date | None = None

    def __post_init__(self) -> None:
        self._queue: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self._seq = itertools.count()
        self._clock = datetime.min.replace(tzinfo=UTC)
        self.round_day = round_days(self.now)
        for r in range(FIRST_ROUND, -2, -1):
            fpdi = self.round_day[r]
            self._add("FPDI", fpdi, r, "planned" if r == -1 else None)
            if r >= 0:
                self._add("KA", fpdi + timedelta(days=MAIN_AFTER), r, "invited" if r == 0 else None)
            if r in COUNCIL_ROUNDS:
                self._add("KT", fpdi + timedelta(days=COUNCIL_AFTER), r)
        counts: dict[str, int] = {}
        for s in sorted(self.sessions, key=lambda s: s.starts_at):
            s.ordinal = counts.get(s.committee, 0)
            counts[s.committee] = s.ordinal + 1

    def _add(self, committee: str, day: date, r: int, upcoming: str | None = None) -> None:
        """A session of the round ``r``; not on a public holiday (then the next business day),
        not between Christmas and New Year (the Fachausschuss meets the week before, the others
        the week after, so that the Kreisausschuss still follows the Fachausschuss)."""
        step = timedelta(days=-7 if committee == "FPDI" else 7)
        while (day.month, day.day) >= (12, 22) or (day.month, day.day) <= (1, 3):
            day += step
        while not is_business_day(day, "NI"):
            day += timedelta(days=1)
        hour, _minutes = _HOURS[committee]
        self.sessions.append(_Session(committee, local_moment(day, hour), r, upcoming=upcoming))

    # -- the calendar, for the loader ----------------------------------------------------------

    def _regular_agenda_moment(self, s: _Session) -> datetime:
        """The day before the Vorlagenschluss, in the morning."""
        deadline = s.day - timedelta(days=self.committee(s).submission_days)
        return local_moment(deadline - timedelta(days=1), 9)

    def _agenda_moment(self, s: _Session) -> datetime:
        moment = self._regular_agenda_moment(s)
        return min(moment, self.now - timedelta(hours=3)) if s.upcoming else moment

    def of_round(self, committee: str, r: int) -> _Session:
        return next(s for s in self.sessions if s.committee == committee and s.round == r)

    def fpdi(self, r: int) -> _Session:
        return self.of_round("FPDI", r)

    def reach_window(self, path: CommitteePath) -> tuple[datetime, datetime]:
        """When a measure on ``path`` must arrive in the Fachausschuss's state: after the
        agenda of the round before was built, before the agenda of its round is (urgent ones:
        after their round's agenda and before the invitation)."""
        if path.round == -1:
            before = self._agenda_moment(self.fpdi(0))
            return before + timedelta(days=1), self.now - timedelta(days=1)
        target = self.fpdi(path.round)
        built = self._agenda_moment(target)
        if path.urgent:
            invite = target.starts_at - timedelta(days=INVITE_DAYS["FPDI"])
            return built + timedelta(hours=3), invite - timedelta(days=1)
        return built - timedelta(days=24), built - timedelta(days=1)

    def waiting(self, measure: Measure, spec: MeasureSpec, path: CommitteePath) -> None:
        """The loader drove ``measure`` to the Fachausschuss's state: it is on the way."""
        self.measures[measure.id] = _Waiting(measure, spec, path)
        if path.urgent:
            self._at(measure.state_entered_at + timedelta(hours=2), self._urgent_item(measure))

    # -- the queue of events -------------------------------------------------------------------

    def _at(self, when: datetime, action: Callable[[datetime], None]) -> None:
        heapq.heappush(self._queue, (when, next(self._seq), action))

    def run(self) -> None:
        """Hold the demo's sessions, in the order of time."""
        for s in self.sessions:
            self._schedule(s)
        # the motion comes in before the Fachausschuss's Vorlagenschluss, the strategy paper
        # the day before its agenda is built
        motion_day = self.fpdi(FIRST_ROUND).day - timedelta(days=20)
        self._at(local_moment(motion_day, 11), self._create_motion)
        strategy_day = self.fpdi(4).day - timedelta(days=16)
        self._at(local_moment(strategy_day, 11), self._create_strategy)
        council_day = self.of_round("KT", FIRST_ROUND).day
        self._at(local_moment(council_day + timedelta(days=1), 10), self._plan_unter_ag)
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            assert when >= self._clock, (when, self._clock)
            assert when <= self.now, (when, action)
            self._clock = when
            action(when)
        db.session.flush()

    def _schedule(self, s: _Session) -> None:
        """Plan, agenda, invitation, session day and minutes of ``s``, as far as they are past."""
        self._at(s.starts_at - timedelta(days=PLAN_DAYS), lambda when: self._plan(s, when))
        self._schedule_work(s)

    def _schedule_work(self, s: _Session) -> None:
        margin = self.now - timedelta(hours=1)
        if s.upcoming or self._regular_agenda_moment(s) <= margin:
            self._at(self._agenda_moment(s), lambda when: self._build_agenda(s, when))
        invite = local_moment(s.day - timedelta(days=INVITE_DAYS[s.committee]), 10)
        if s.upcoming == "invited":
            invite = min(invite, self.now - timedelta(hours=2))
        if invite <= margin:
            self._at(invite, lambda when: self._invite(s, when))
        if s.starts_at + timedelta(hours=4) <= self.now:
            self._at(s.starts_at + timedelta(minutes=5), lambda when: self._hold(s, when))
            finalize = local_moment(s.day + timedelta(days=MINUTES_DAYS), 11)
            if finalize <= margin:
                self._at(finalize, lambda when: self._finalize(s, when))

    # -- people --------------------------------------------------------------------------------

    @property
    def secretary(self) -> User:
        return self.loader.users["secretary"]

    def committee(self, s: _Session) -> Committee:
        return self.loader.committees[s.committee]

    def person(self, key: str) -> User:
        return self.council.people[key]

    # -- the session's life --------------------------------------------------------------------

    def _plan(self, s: _Session, when: datetime) -> None:
        _hour, duration = _HOURS[s.committee]
        s.meeting = meetings.plan_meeting(
            self.committee(s),
            actor=self.secretary,
            starts_at=s.starts_at,
            ends_at=s.starts_at + timedelta(minutes=duration),
            location=self.council.hall,
            now=when,
        )

    def _build_agenda(self, s: _Session, when: datetime) -> None:
        """The approval of the last minutes, the free items, what waits for the committee."""
        meeting = s.meeting
        assert meeting is not None
        committee = self.committee(s)
        sec = self.secretary
        for earlier in agenda.minutes_to_approve(meeting):
            agenda.add_minutes_approval_item(meeting, earlier, actor=sec, now=when)
        public = meeting.is_public
        if s.committee == "AG DIG":
            topic = UNTER_AG_TOPICS[s.ordinal % len(UNTER_AG_TOPICS)]
            for title in (topic, "Verschiedenes"):
                agenda.add_item(meeting, actor=sec, title=title, is_public=public, now=when)
        else:
            for short, r, title, is_public in FREE_ITEMS:
                if short == s.committee and r in (None, s.round) and is_public:
                    agenda.add_item(meeting, actor=sec, title=title, now=when)
        for measure in agenda.waiting_measures(committee):
            # the loader drove every measure up to the committee before the sessions began
            if measure.id in self.measures and measure.state_entered_at <= when:
                self._measure_item(meeting, measure, when)
        for paper in papers.waiting_papers(committee):
            agenda.add_item(
                meeting,
                actor=sec,
                title=paper.title,
                text=paper.proposal,
                paper=paper,
                is_public=public and paper.is_public,
                now=when,
            )
        for short, r, title, is_public in FREE_ITEMS:
            if short == s.committee and r == s.round and not is_public:
                agenda.add_item(meeting, actor=sec, title=title, is_public=False, now=when)

    def _measure_item(
        self, meeting: Meeting, measure: Measure, when: datetime, urgent: str | None = None
    ) -> AgendaItem:
        """The department's Beschlussvorlage (with its proposal), put on the agenda."""
        waiting = self.measures[measure.id]
        proposer, _head = self.loader.people_of(waiting.spec.department)
        paper = papers.paper_for_measure(measure, actor=proposer, now=when)
        if not paper.proposal:
            papers.update_paper(
                paper,
                actor=proposer,
                proposal=(
                    f"Der Kreisausschuss gibt die für die Maßnahme „{measure.title}“ gesperrten "
                    f"Haushaltsmittel in Höhe von {euros(measure.cost_one_off)} frei."
                ),
                now=when,
            )
        return agenda.add_measure_item(
            meeting, measure, actor=self.secretary, urgent_reason=urgent, now=when
        )

    def _urgent_item(self, measure: Measure) -> Callable[[datetime], None]:
        def add(when: datetime) -> None:
            path = self.measures[measure.id].path
            meeting = self.fpdi(path.round).meeting
            assert meeting is not None
            self._measure_item(meeting, measure, when, urgent=path.urgent)

        return add

    def _invite(self, s: _Session, when: datetime) -> None:
        assert s.meeting is not None
        meetings.send_invitation(s.meeting, actor=self.secretary, now=when)

    def _attendance(self, s: _Session) -> tuple[dict[int, AttendanceStatus], dict[int, int]]:
        """Who came: mostly everybody; an excused member, sometimes with a deputy voting."""
        present, excused = AttendanceStatus.present, AttendanceStatus.excused
        seats = dict(SEATS[s.committee])
        status = {key: present for key in seats}
        stand_ins: dict[str, str] = {}
        n = s.ordinal
        if s.committee == "FPDI":
            for key, role in seats.items():
                if role == MemberRole.deputy:
                    status[key] = excused
            away = ["prueser", "reinecke", "timmermann", "mertens", "harms"][n % 5]
            if n % 3:
                status[away] = excused
            deputy = DEPUTIES.get(self.council.faction[away] or "")
            if n % 3 == 1 and deputy:
                status[deputy] = present
                stand_ins[deputy] = away
            if n % 3 == 2:
                status["voigt"] = excused
        elif s.committee == "KA":
            if n % 2:
                status["wiechers"] = excused
        elif s.committee == "KT":
            status["voigt"] = excused
            status[["prueser", "timmermann", "reinecke"][n % 3]] = excused
        else:
            if n % 2:
                status[["gieseke", "focken"][n // 2 % 2]] = excused
                status["head10"] = excused
        ids = {key: self.person(key).id for key in seats}
        return (
            {ids[key]: value for key, value in status.items()},
            {ids[deputy]: ids[away] for deputy, away in stand_ins.items()},
        )

    def _hold(self, s: _Session, when: datetime) -> None:
        """The session day: attendance, a result for every item, closing (minutes drafted)."""
        meeting = s.meeting
        assert meeting is not None
        statuses, stand_ins = self._attendance(s)
        session.record_attendance(
            meeting, actor=self.secretary, statuses=statuses, stand_ins=stand_ins, now=when
        )
        moment = when
        for entry in agenda.numbering(meeting):
            moment += timedelta(minutes=10)
            self._result(s, entry.item, moment)
        session.close_meeting(meeting, actor=self.secretary, now=moment + timedelta(minutes=15))
        if s.committee == "KA":
            for item in meeting.items:
                waiting = self.measures.get(item.measure_id or 0)
                if waiting is not None and waiting.spec.target == "completed":
                    done = s.starts_at + timedelta(days=40)
                    self._at(
                        done, lambda moment, m=waiting.measure: self.loader.complete(m, moment)
                    )
        for task in db.session.scalars(
            sa.select(ResolutionTask)
            .join(AgendaItem, AgendaItem.id == ResolutionTask.agenda_item_id)
            .where(AgendaItem.meeting_id == meeting.id)
        ):
            self._track_later(s, task)

    def _votes(
        self, meeting: Meeting, no: int, abstain: int, excluded: list[int] | None = None
    ) -> dict[str, object]:
        """Yes are the voting members present (not excluded) who neither voted no nor
        abstained; ``no`` is capped so that the motion stays carried."""
        present = session.quorum(meeting, excluded or ()).present
        abstain = min(abstain, max(present - 1, 0))
        no = min(no, (present - abstain - 1) // 2)
        return {
            "votes_yes": present - no - abstain,
            "votes_no": no,
            "votes_abstain": abstain,
            "excluded": excluded or [],
        }

    def _result(self, s: _Session, item: AgendaItem, when: datetime) -> None:
        meeting = item.meeting
        sec = self.secretary
        noted: dict[str, object] = {"result": CommitteeResult.noted}
        if item.approves_minutes_of_id is not None:
            values: dict[str, object] = {
                "result": CommitteeResult.recommended,
                **self._votes(meeting, 0, 1),
                "resolution_text": "Die Niederschrift wird genehmigt.",
            }
        elif item.measure_id is not None:
            values = self._measure_result(s, item)
        elif item.paper is not None and item.paper.paper_type == PaperType.motion:
            no, abstain = _MOTION_VOTES[s.committee]
            text = {
                "FPDI": "Der Ausschuss empfiehlt, dem Antrag zuzustimmen.",
                "KA": "Der Kreisausschuss empfiehlt dem Kreistag, dem Antrag zuzustimmen.",
                "KT": documents.motion_resolution(self.budget_year),
            }[s.committee]
            values = {
                "result": CommitteeResult.recommended,
                **self._votes(meeting, no, abstain),
                "resolution_text": text,
            }
        else:
            values = noted
        session.record_result(item, actor=sec, now=when, **values)  # type: ignore[arg-type]

    def _measure_result(self, s: _Session, item: AgendaItem) -> dict[str, object]:
        waiting = self.measures[item.measure_id]  # type: ignore[index]
        measure, path = waiting.measure, waiting.path
        meeting = item.meeting
        index = list(PATHS).index(measure.title)
        if s.committee == "KA":
            no, abstain = _KA_VOTES[index % len(_KA_VOTES)]
            return {
                "result": CommitteeResult.recommended,
                **self._votes(meeting, no, abstain),
                "resolution_text": (
                    f"Der Kreisausschuss gibt die für die Maßnahme „{measure.title}“ gesperrten "
                    f"Haushaltsmittel in Höhe von {euros(measure.cost_one_off)} frei."
                ),
            }
        outcome = path.fpdi[min(waiting.fpdi_seen, len(path.fpdi) - 1)]
        waiting.fpdi_seen += 1
        no, abstain = _FPDI_VOTES[index % len(_FPDI_VOTES)]
        recommend = (
            f"Der Ausschuss empfiehlt dem Kreisausschuss, die für die Maßnahme „{measure.title}“ "
            f"gesperrten Haushaltsmittel in Höhe von {euros(measure.cost_one_off)} freizugeben."
        )
        if outcome == "tie":
            present = session.quorum(meeting).present
            abstain = present % 2
            half = (present - abstain) // 2
            return {
                "result": CommitteeResult.rejected,
                "votes_yes": half,
                "votes_no": half,
                "votes_abstain": abstain,
                "resolution_text": "Die Empfehlung ist bei Stimmengleichheit abgelehnt.",
            }
        if outcome == "deferred":
            return {
                "result": CommitteeResult.deferred,
                **self._votes(meeting, 3, 0),
                "resolution_text": (
                    "Die Beratung wird vertagt. Die Verwaltung legt zur nächsten Sitzung eine "
                    "Aufstellung der Folgekosten vor."
                ),
            }
        excluded = [self.person(path.excluded).id] if path.excluded else None
        return {
            "result": CommitteeResult(outcome),
            **self._votes(meeting, no, abstain, excluded),
            "resolution_text": path.amendment if outcome == "amended" else recommend,
        }

    def _finalize(self, s: _Session, when: datetime) -> None:
        assert s.meeting is not None
        minutes.finalize_minutes(s.meeting, actor=self.secretary, now=when)

    # -- resolution tracking -------------------------------------------------------------------

    def _track_later(self, s: _Session, task: ResolutionTask) -> None:
        item = task.agenda_item
        if item.measure_id is not None:
            path = self.measures[item.measure_id].path
            if path.tracking is None:
                return
            status, note, days, target_days = path.tracking
        elif item.paper is not None and item.paper.paper_type == PaperType.motion:
            status, note, days, target_days = ResolutionStatus.done, MOTION_TRACKING, 70, None
        else:
            return
        when = min(s.starts_at + timedelta(days=days), self.now - timedelta(days=1))
        target = local_date(self.now) + timedelta(days=target_days) if target_days else None

        def update(moment: datetime) -> None:
            text = note.format(first=self.first_unter_ag) if "{first" in note else note
            update_resolution(
                task,
                actor=self.loader.users["office"],
                status=status,
                note=text,
                target_date=target,
                now=moment,
            )

        self._at(when, update)

    # -- papers without a measure --------------------------------------------------------------

    @property
    def budget_year(self) -> int:
        """The budget the motion is about (the next one when it comes in the autumn)."""
        day = self.round_day[FIRST_ROUND]
        return day.year + 1 if day.month >= 9 else day.year

    def _create_motion(self, when: datetime) -> None:
        committees = self.loader.committees
        self.motion = papers.create_paper(
            actor=self.secretary,
            body=committees["FPDI"].body,
            paper_type=PaperType.motion,
            title=documents.motion_title(self.budget_year),
            text=documents.motion_text(
                dated=local_date(when),
                budget_year=self.budget_year,
                committee_day=self.of_round("FPDI", FIRST_ROUND).day,
                main_day=self.of_round("KA", FIRST_ROUND).day,
                council_day=self.of_round("KT", FIRST_ROUND).day,
            ),
            proposal=documents.motion_proposal(self.budget_year),
            lead_department=self.loader.departments["FB 10"],
            submitted_by=documents.MOTION_SUBMITTERS,
            routing=[
                (committees["FPDI"], ConsultationRole.preliminary, False),
                (committees["KA"], ConsultationRole.preliminary, False),
                (committees["KT"], ConsultationRole.decision, True),
            ],
            now=when,
        )

    def _create_strategy(self, when: datetime) -> None:
        committees = self.loader.committees
        self.strategy = papers.create_paper(
            actor=self.loader.users["office"],
            body=committees["FPDI"].body,
            paper_type=PaperType.information,
            title=documents.STRATEGY_TITLE,
            text=documents.strategy_text(local_date(when).year + 1),
            lead_department=self.loader.departments["FB 10"],
            routing=[
                (committees["AG DIG"], ConsultationRole.information, False),
                (committees["FPDI"], ConsultationRole.information, False),
                (committees["KA"], ConsultationRole.information, False),
            ],
            now=when,
        )

    # -- the Unter-AG Digitalisierung ----------------------------------------------------------

    def _plan_unter_ag(self, when: datetime) -> None:
        """The motion installed the Unter-AG: monthly, on the second Wednesday, from the month
        after next."""
        day = local_date(when) + timedelta(days=21)
        while not (day.weekday() == 2 and 8 <= day.day <= 14):
            day += timedelta(days=1)
        hour, duration = _HOURS["AG DIG"]
        series = meetings.plan_series(
            self.loader.committees["AG DIG"],
            actor=self.secretary,
            rrule=UNTER_AG_RRULE,
            first_start=local_moment(day, hour),
            duration_minutes=duration,
            location=self.council.room,
            now=when,
        )
        self.first_unter_ag = day
        occurrences = db.session.scalars(
            sa.select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.starts_at)
        ).all()
        held = 0
        for n, meeting in enumerate(occurrences):
            s = _Session("AG DIG", meeting.starts_at, meeting=meeting, ordinal=held)
            self.sessions.append(s)
            if n == CANCELLED_OCCURRENCE and s.starts_at < self.now:
                self._at(
                    local_moment(s.day - timedelta(days=20), 9),
                    lambda moment, m=meeting: meetings.cancel_meeting(
                        m, actor=self.secretary, reason=CANCEL_REASON, now=moment
                    ),
                )
                continue
            held += 1
            self._schedule_work(s)

    # -- what the demo made --------------------------------------------------------------------

    def summary(self) -> dict[str, int]:
        def count(column: sa.ColumnElement, *where: sa.ColumnElement) -> int:
            return db.session.scalar(sa.select(sa.func.count(column)).where(*where)) or 0

        return {
            "sessions": count(Meeting.id),
            "held": count(Meeting.id, Meeting.closed_at.is_not(None)),
            "papers": count(Paper.id),
            "resolutions": count(ResolutionTask.id),
        }
