"""Show a workflow definition to people: a readable text listing and a Mermaid state diagram.

Both functions are pure and deterministic (same definition, same output), so their output can be
compared in tests and pasted into documentation.
"""

from __future__ import annotations

import re

from digiflow.core.roles import ROLE_LABELS, Scope
from digiflow.core.workflow.definition import (
    RECORD_RESOLVERS,
    REQUIRABLE_FIELDS,
    Category,
    CommitteeResult,
    ConsultationRole,
    RecordApprover,
    RoleApprover,
    StepDef,
    TransitionDef,
    WorkflowDef,
)

__all__ = ["describe", "mermaid"]

_TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "initial": "Startzustand",
        "states": "Zustände",
        "transitions": "Übergänge",
        "deadline": "Frist {n} Arbeitstage",
        "reminders": "Erinnerung {days} Arbeitstage vor der Frist",
        "on_enter": "Beim Eintritt",
        "notify": "Benachrichtigung an",
        "agenda": "Tagesordnungsplatz anfordern",
        "by": "Auslösen durch",
        "required": "Pflichtfelder",
        "checks": "Prüfungen",
        "comment": "Kommentar erforderlich",
        "reject": "Ablehnung (mit Begründung)",
        "return": "Rückgabe zur Überarbeitung",
        "max_returns": "höchstens {n} Rückgaben",
        "step": "Schritt {order}",
        "approvers": "Genehmigende",
        "quorum": "Quorum",
        "escalate": "Eskalation an",
        "committee": "Gremium",
        "authoritative": "maßgeblich",
        "not_authoritative": "nicht maßgeblich",
        "results": "Ergebnisse",
        "withdraw": "Zurückziehen",
        "withdraw_from": "aus jedem offenen oder aktiven Zustand",
        "manual": "von Hand",
        "approval": "Genehmigungskette",
        "committee_kind": "Gremienbeschluss",
        "all": "alle",
        "any": "eine/r",
        "n_of_m": "{n} von {m}",
        "rejected_edge": "abgelehnt",
        "returned_edge": "zurückgegeben",
        "scope_department": "im Fachbereich der Maßnahme",
        "scope_committee": "im beratenden Gremium",
    },
    "en": {
        "initial": "Initial state",
        "states": "States",
        "transitions": "Transitions",
        "deadline": "deadline {n} business days",
        "reminders": "reminders {days} business days before the deadline",
        "on_enter": "On enter",
        "notify": "notify",
        "agenda": "request an agenda slot",
        "by": "Started by",
        "required": "Required fields",
        "checks": "Checks",
        "comment": "comment required",
        "reject": "Rejection (with a reason)",
        "return": "Send back for revision",
        "max_returns": "at most {n} send-backs",
        "step": "Step {order}",
        "approvers": "Approvers",
        "quorum": "Quorum",
        "escalate": "Escalate to",
        "committee": "Committee",
        "authoritative": "authoritative",
        "not_authoritative": "not authoritative",
        "results": "Results",
        "withdraw": "Withdraw",
        "withdraw_from": "from any open or active state",
        "manual": "by hand",
        "approval": "approval chain",
        "committee_kind": "committee decision",
        "all": "all",
        "any": "any one",
        "n_of_m": "{n} of {m}",
        "rejected_edge": "rejected",
        "returned_edge": "returned",
        "scope_department": "in the measure's department",
        "scope_committee": "of the committee holding the item",
    },
}

_CATEGORIES: dict[Category, tuple[str, str]] = {
    Category.open: ("offen", "open"),
    Category.active: ("aktiv", "active"),
    Category.done: ("abgeschlossen", "done"),
    Category.rejected: ("abgelehnt", "rejected"),
}

_COMMITTEE_TYPES: dict[str, tuple[str, str]] = {
    "specialist": ("Fachausschuss", "specialist committee"),
    "main": ("Haupt-/Kreisausschuss", "main committee"),
    "council": ("Rat/Kreistag", "council"),
    "working_group": ("Arbeitsgruppe", "working group"),
}

_CONSULTATION_ROLES: dict[ConsultationRole, tuple[str, str]] = {
    ConsultationRole.preliminary: ("Vorberatung", "preliminary consultation"),
    ConsultationRole.decision: ("Entscheidung", "decision"),
    ConsultationRole.information: ("Kenntnisnahme", "for information"),
}

_RESULTS: dict[CommitteeResult, tuple[str, str]] = {
    CommitteeResult.recommended: ("empfohlen", "recommended"),
    CommitteeResult.amended: ("mit Änderungen", "amended"),
    CommitteeResult.rejected: ("abgelehnt", "rejected"),
    CommitteeResult.deferred: ("vertagt", "deferred"),
    CommitteeResult.noted: ("zur Kenntnis genommen", "noted"),
}


def _lang(language: str) -> str:
    return "en" if language == "en" else "de"


def _pick(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "en" else pair[0]


def _approver(approver: RoleApprover | RecordApprover, language: str) -> str:
    texts = _TEXTS[language]
    if isinstance(approver, RecordApprover):
        return _pick(RECORD_RESOLVERS[approver.resolve], language)
    text = _pick(ROLE_LABELS[approver.role], language)
    if approver.scope == Scope.department:
        text += f" ({texts['scope_department']})"
    elif approver.scope == Scope.committee:
        text += f" ({texts['scope_committee']})"
    return text


def _approvers(approvers: list[RoleApprover | RecordApprover], language: str) -> str:
    return ", ".join(_approver(a, language) for a in approvers)


def _quorum(step: StepDef, language: str) -> str:
    texts = _TEXTS[language]
    if step.quorum == "all":
        return texts["all"]
    if step.quorum == "any":
        return texts["any"]
    return texts["n_of_m"].format(n=step.quorum, m=len(step.approvers))


def _kind(transition: TransitionDef, language: str) -> str:
    texts = _TEXTS[language]
    return {
        "manual": texts["manual"],
        "approval": texts["approval"],
        "committee": texts["committee_kind"],
    }[transition.kind]


def describe(defn: WorkflowDef, language: str = "de") -> str:
    """Return a readable text listing of the workflow ``defn`` in German or English."""
    language = _lang(language)
    texts = _TEXTS[language]
    lines: list[str] = [f"{defn.label.get(language)} ({defn.name})"]
    if defn.description:
        lines.append(defn.description.strip())
    lines += ["", f"{texts['initial']}: {defn.initial}", "", f"{texts['states']}:"]

    for key, state in defn.states.items():
        details = [_pick(_CATEGORIES[state.category], language)]
        if state.deadline_days is not None:
            details.append(texts["deadline"].format(n=state.deadline_days))
        if state.reminder_days:
            days = ", ".join(str(d) for d in state.reminder_days)
            details.append(texts["reminders"].format(days=days))
        lines.append(f"  {key}: {state.label.get(language)} [{'; '.join(details)}]")
        for action in state.on_enter:
            if action.notify:
                notify = _approvers(action.notify, language)
                lines.append(f"    {texts['on_enter']} – {texts['notify']}: {notify}")
            if action.request_agenda_slot is not None:
                committee = _pick(_COMMITTEE_TYPES[action.request_agenda_slot], language)
                lines.append(f"    {texts['on_enter']} – {texts['agenda']}: {committee}")

    lines += ["", f"{texts['transitions']}:"]
    for key, t in defn.transitions.items():
        sources = ", ".join(t.from_)
        target = f" → {t.to}" if t.to else ""
        lines.append(f"  {key}: {t.label.get(language)} ({_kind(t, language)})")
        lines.append(f"    {sources}{target}")
        if t.by:
            lines.append(f"    {texts['by']}: {_approvers(t.by, language)}")
        if t.guards.required:
            fields = ", ".join(_pick(REQUIRABLE_FIELDS[f], language) for f in t.guards.required)
            lines.append(f"    {texts['required']}: {fields}")
        if t.guards.checks:
            lines.append(f"    {texts['checks']}: {', '.join(t.guards.checks)}")
        if t.comment_required:
            lines.append(f"    {texts['comment']}")
        if t.approval is not None:
            approval = t.approval
            for step in sorted(approval.steps, key=lambda s: s.order):
                parts = [
                    f"{texts['approvers']}: {_approvers(step.approvers, language)}",
                    f"{texts['quorum']}: {_quorum(step, language)}",
                ]
                if step.deadline_days is not None:
                    parts.append(texts["deadline"].format(n=step.deadline_days))
                if step.escalate_to:
                    parts.append(f"{texts['escalate']}: {_approvers(step.escalate_to, language)}")
                step_name = texts["step"].format(order=step.order)
                lines.append(f"    {step_name} {step.key}: {step.label.get(language)}")
                lines.append(f"      {'; '.join(parts)}")
            lines.append(f"    {texts['reject']} → {approval.reject_to}")
            if approval.return_to is not None:
                send_back = f"    {texts['return']} → {approval.return_to}"
                if approval.max_returns is not None:
                    send_back += f" ({texts['max_returns'].format(n=approval.max_returns)})"
                lines.append(send_back)
        if t.committee is not None:
            committee = t.committee
            weight = texts["authoritative" if committee.authoritative else "not_authoritative"]
            lines.append(
                f"    {texts['committee']}: "
                f"{_pick(_COMMITTEE_TYPES[committee.committee_type], language)}, "
                f"{_pick(_CONSULTATION_ROLES[committee.role], language)}, {weight}"
            )
            results = ", ".join(
                f"{_pick(_RESULTS[result], language)} → {target}"
                for result, target in committee.results.items()
            )
            lines.append(f"    {texts['results']}: {results}")

    if defn.withdraw is not None:
        lines += [
            "",
            f"{texts['withdraw']} ({texts['withdraw_from']}) → {defn.withdraw.to}",
            f"  {texts['by']}: {_approvers(defn.withdraw.by, language)}",
        ]
    return "\n".join(lines) + "\n"


_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", ";": "#59;", ":": "#58;"}

# Words the Mermaid state diagram lexer reads as keywords at the start of a state id.
_MERMAID_KEYWORDS = ("state", "note", "class", "classdef", "scale")


def _mermaid_text(text: str) -> str:
    """Make ``text`` safe inside a Mermaid label (entity codes for the special characters)."""
    text = " ".join(text.split())
    return re.sub(r'[#";:]', lambda m: _MERMAID_ENTITIES[m.group()], text)


def _mermaid_id(key: str) -> str:
    """Return the Mermaid id of a state: its key, unless Mermaid would read it as a keyword.

    Such keys get the prefix ``S_``; a state key cannot start with a capital, so no clash.
    """
    if key in _MERMAID_KEYWORDS or key.startswith("default"):
        return f"S_{key}"
    return key


def mermaid(defn: WorkflowDef, current_state: str | None = None, language: str = "de") -> str:
    """Return the workflow ``defn`` as a Mermaid ``stateDiagram-v2``.

    State ids are the state keys (a key Mermaid would read as a keyword, such as ``note``, gets
    the prefix ``S_``); labels are in ``language``. Every target a transition can lead to is an
    edge: the approval's rejection and send-back and each committee result too. Where
    ``withdraw`` is defined, a note on its target says so. ``current_state``, if given, is
    highlighted with the class ``current``.
    """
    language = _lang(language)
    texts = _TEXTS[language]
    if current_state is not None and current_state not in defn.states:
        raise ValueError(f"unknown state {current_state!r}")

    lines = ["stateDiagram-v2"]
    for key, state in defn.states.items():
        label = _mermaid_text(state.label.get(language))
        lines.append(f'    state "{label}" as {_mermaid_id(key)}')
    lines.append(f"    [*] --> {_mermaid_id(defn.initial)}")

    for t in defn.transitions.values():
        label = t.label.get(language)
        edges: list[tuple[str, list[str]]] = []  # (target, qualifiers) in first-seen order

        def add(target: str, qualifier: str | None, edges: list[tuple[str, list[str]]] = edges):
            for existing, qualifiers in edges:
                if existing == target:
                    if qualifier:
                        qualifiers.append(qualifier)
                    return
            edges.append((target, [qualifier] if qualifier else []))

        if t.to:
            add(t.to, None)
        if t.approval is not None:
            add(t.approval.reject_to, texts["rejected_edge"])
            if t.approval.return_to is not None:
                add(t.approval.return_to, texts["returned_edge"])
        if t.committee is not None:
            for result, target in t.committee.results.items():
                add(target, _pick(_RESULTS[result], language))
        for source in t.from_:
            for target, qualifiers in edges:
                text = f"{label} ({', '.join(qualifiers)})" if qualifiers else label
                lines.append(
                    f"    {_mermaid_id(source)} --> {_mermaid_id(target)} : {_mermaid_text(text)}"
                )

    for key in defn.states:
        if defn.is_terminal(key):
            lines.append(f"    {_mermaid_id(key)} --> [*]")
    if defn.withdraw is not None:
        note = f"{texts['withdraw']} {texts['withdraw_from']}"
        lines.append(f"    note right of {_mermaid_id(defn.withdraw.to)} : {_mermaid_text(note)}")
    if current_state is not None:
        lines.append("    classDef current fill:#fde68a,stroke:#b45309,stroke-width:3px")
        lines.append(f"    class {_mermaid_id(current_state)} current")
    return "\n".join(lines) + "\n"
