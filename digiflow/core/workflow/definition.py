"""The shape of a workflow definition: what a file in ``workflows/`` may say.

These pydantic models check the structure of a definition (types, required keys, unknown keys,
enumerations). Everything that needs the whole definition in view (unknown states, reachability,
dead ends, quorums, registered checks) is checked by :mod:`digiflow.core.workflow.loader`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from digiflow.core.roles import CommitteeType, Role, Scope

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
Key = Annotated[str, Field(pattern=KEY_PATTERN, max_length=64)]

#: Measure fields a ``guards.required`` list may name, with their German and English labels.
REQUIRABLE_FIELDS: dict[str, tuple[str, str]] = {
    "title": ("Titel", "Title"),
    "description": ("Beschreibung", "Description"),
    "department": ("Fachbereich", "Department"),
    "owner": ("Verantwortliche Person", "Owner"),
    "field_of_action": ("Handlungsfeld", "Field of action"),
    "priority": ("Priorität", "Priority"),
    "cost_one_off": ("Einmalige Kosten", "One-off costs"),
    "cost_recurring": ("Laufende Kosten", "Recurring costs"),
    "budget_year": ("Haushaltsjahr", "Budget year"),
    "start_date": ("Beginn", "Start date"),
    "target_date": ("Zieltermin", "Target date"),
}

#: Approvers resolved from the measure itself rather than from a role.
RECORD_RESOLVERS: dict[str, tuple[str, str]] = {
    "owner": ("Verantwortliche Person der Maßnahme", "The measure's owner"),
    "department_head": (
        "Leitung des Fachbereichs der Maßnahme",
        "Head of the measure's department",
    ),
    "committee_secretary": (
        "Gremienbetreuung des beratenden Gremiums",
        "Secretary of the committee that holds the agenda item",
    ),
}


class Category(StrEnum):
    """What a state means for lists and reports."""

    open = "open"  # with the department (draft, returned)
    active = "active"  # in the approval or decision process, or being implemented
    done = "done"  # completed
    rejected = "rejected"  # rejected or withdrawn

    @property
    def is_terminal(self) -> bool:
        return self in (Category.done, Category.rejected)


class ConsultationRole(StrEnum):
    """The role a committee plays in the consultation sequence (Beratungsfolge)."""

    preliminary = "preliminary"  # Vorberatung
    decision = "decision"  # Entscheidung
    information = "information"  # Kenntnisnahme


class CommitteeResult(StrEnum):
    """What a committee can record for an agenda item."""

    recommended = "recommended"  # empfohlen / beschlossen wie vorgelegt
    amended = "amended"  # mit Änderungen
    rejected = "rejected"  # abgelehnt
    deferred = "deferred"  # vertagt
    noted = "noted"  # zur Kenntnis genommen


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Labels(_Model):
    """A text in German and English."""

    de: Annotated[str, Field(min_length=1, max_length=200)]
    en: Annotated[str, Field(min_length=1, max_length=200)]

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.de


class RoleApprover(_Model):
    """Everybody holding ``role``: globally, or scoped to the measure's department/committee."""

    role: Role
    scope: Scope = Scope.global_


class RecordApprover(_Model):
    """A person resolved from the measure (owner, head of its department, ...)."""

    resolve: str

    @field_validator("resolve")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in RECORD_RESOLVERS:
            known = ", ".join(sorted(RECORD_RESOLVERS))
            raise ValueError(f"unknown approver {value!r}; known: {known}, or {{role: ...}}")
        return value


def _approver_kind(value: object) -> str:
    if isinstance(value, dict):
        return "role" if "role" in value else "resolve"
    return "role" if isinstance(value, RoleApprover) else "resolve"


Approver = Annotated[
    Annotated[RoleApprover, Tag("role")] | Annotated[RecordApprover, Tag("resolve")],
    Discriminator(_approver_kind),
]


def _parse_approvers(value: object) -> object:
    """Turn the short forms ``owner`` and ``{role: x}`` into approver models."""
    if not isinstance(value, list):
        return value
    out: list[object] = []
    for item in value:
        if isinstance(item, str):
            out.append({"resolve": item})
        else:
            out.append(item)
    return out


class Action(_Model):
    """Something that happens when a measure enters a state."""

    notify: list[Approver] = []  # who gets an e-mail (delivered by the notification module)
    request_agenda_slot: CommitteeType | None = None  # offered to this committee type's agenda

    _approvers = field_validator("notify", mode="before")(lambda cls, v: _parse_approvers(v))


class StateDef(_Model):
    """One state of a workflow."""

    label: Labels
    category: Category
    description: str = ""
    deadline_days: Annotated[int, Field(ge=1, le=730)] | None = None  # business days
    reminder_days: list[Annotated[int, Field(ge=0, le=365)]] = []  # lead times, business days
    on_enter: list[Action] = []


class GuardDef(_Model):
    """Conditions a transition checks before it fires."""

    required: list[str] = []  # measure fields that must be filled (REQUIRABLE_FIELDS)
    checks: list[str] = []  # named checks registered in Python


class StepDef(_Model):
    """One step of an approval chain; steps of equal ``order`` run in parallel."""

    key: Key
    label: Labels
    order: Annotated[int, Field(ge=1, le=99)] = 1
    approvers: Annotated[list[Approver], Field(min_length=1)]
    # all: every listed approver; any: one of them; n: n of the listed approvers
    quorum: Literal["all", "any"] | Annotated[int, Field(ge=1)] = "all"
    deadline_days: Annotated[int, Field(ge=1, le=365)] | None = None  # business days
    escalate_to: list[Approver] = []  # who is told when the step's deadline has passed

    _approvers = field_validator("approvers", "escalate_to", mode="before")(
        lambda cls, v: _parse_approvers(v)
    )

    def required_approvals(self) -> int:
        """How many of the listed approvers must approve."""
        if self.quorum == "all":
            return len(self.approvers)
        if self.quorum == "any":
            return 1
        return int(self.quorum)


class ApprovalDef(_Model):
    """An approval chain: the transition fires when its last step approves."""

    steps: Annotated[list[StepDef], Field(min_length=1)]
    reject_to: Key  # where a rejection (with a reason) sends the measure
    return_to: Key | None = None  # where a send-back for revision sends it
    max_returns: Annotated[int, Field(ge=1, le=20)] | None = None  # send-back rounds allowed

    def orders(self) -> list[int]:
        """The distinct step orders, ascending."""
        return sorted({step.order for step in self.steps})


class CommitteeDef(_Model):
    """A transition fired by a committee's recorded result."""

    committee_type: CommitteeType
    role: ConsultationRole
    authoritative: bool = False  # whether this committee's result decides
    results: Annotated[dict[CommitteeResult, Key], Field(min_length=1)]  # result -> target state


class TransitionDef(_Model):
    """A way from one or several states to another."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: Annotated[list[Key], Field(alias="from", min_length=1)]
    to: Key | None = None  # not used by committee transitions, which map results to states
    label: Labels
    description: str = ""
    by: list[Approver] = []  # who may start it by hand
    guards: GuardDef = GuardDef()
    approval: ApprovalDef | None = None
    committee: CommitteeDef | None = None
    comment_required: bool = False

    _approvers = field_validator("by", mode="before")(lambda cls, v: _parse_approvers(v))

    @field_validator("from_", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @property
    def kind(self) -> Literal["manual", "approval", "committee"]:
        if self.approval is not None:
            return "approval"
        if self.committee is not None:
            return "committee"
        return "manual"


class WithdrawDef(_Model):
    """Where a withdrawal leads and who may withdraw (from any open or active state)."""

    to: Key
    by: Annotated[list[Approver], Field(min_length=1)]

    _approvers = field_validator("by", mode="before")(lambda cls, v: _parse_approvers(v))


class WorkflowDef(_Model):
    """A whole workflow definition, as one file in ``workflows/`` holds it."""

    name: Key
    label: Labels
    description: str = ""
    initial: Key
    states: Annotated[dict[Key, StateDef], Field(min_length=2)]
    transitions: Annotated[dict[Key, TransitionDef], Field(min_length=1)]
    withdraw: WithdrawDef | None = None

    def transitions_from(self, state: str) -> list[tuple[str, TransitionDef]]:
        """Return the transitions that leave ``state``, in definition order."""
        return [(key, t) for key, t in self.transitions.items() if state in t.from_]

    def approval_from(self, state: str) -> tuple[str, TransitionDef] | None:
        """Return the approval transition opened when a measure enters ``state``, if any."""
        for key, t in self.transitions_from(state):
            if t.kind == "approval":
                return key, t
        return None

    def committee_from(self, state: str) -> list[tuple[str, TransitionDef]]:
        """Return the committee transitions that leave ``state``."""
        return [(k, t) for k, t in self.transitions_from(state) if t.kind == "committee"]

    def targets(self, transition: TransitionDef) -> list[str]:
        """Every state a transition can lead to (its target, rejection, return, results)."""
        out: list[str] = []
        if transition.to:
            out.append(transition.to)
        if transition.approval:
            out.append(transition.approval.reject_to)
            if transition.approval.return_to:
                out.append(transition.approval.return_to)
        if transition.committee:
            out.extend(transition.committee.results.values())
        return out

    def is_terminal(self, state: str) -> bool:
        return self.states[state].category.is_terminal
