"""Loading and checking workflow definitions, rendering them, and the ``flask workflows`` CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask import Flask

from digiflow.core.workflow.cli import workflows_cli
from digiflow.core.workflow.definition import WorkflowDef
from digiflow.core.workflow.loader import (
    DefinitionError,
    LoadedDefinition,
    WorkflowInvalid,
    check_path,
    load_directory,
    load_file,
    parse_definition,
)
from digiflow.core.workflow.render import describe, mermaid

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = PROJECT_ROOT / "workflows"

# A small valid definition with every kind of transition; tests break it with replace().
BASE = """\
name: wf
label: {de: Testablauf, en: Test workflow}
initial: draft
states:
  draft:
    label: {de: Entwurf, en: Draft}
    category: open
  review:
    label: {de: Prüfung, en: Review}
    category: active
    deadline_days: 10
    reminder_days: [2]
  council_vote:
    label: {de: Beschluss, en: Council vote}
    category: active
    on_enter:
      - request_agenda_slot: council
  done:
    label: {de: Erledigt, en: Done}
    category: done
  rejected:
    label: {de: Abgelehnt, en: Rejected}
    category: rejected
  withdrawn:
    label: {de: Zurückgezogen, en: Withdrawn}
    category: rejected
transitions:
  submit:
    from: draft
    to: review
    label: {de: Einreichen, en: Submit}
    by: [owner, {role: proposer, scope: department}]
    guards:
      required: [title, description]
      checks: [costs_plausible]
  decide:
    from: review
    to: council_vote
    label: {de: Entscheiden, en: Decide}
    approval:
      reject_to: rejected
      return_to: draft
      max_returns: 2
      steps:
        - key: head
          label: {de: Leitung, en: Head}
          approvers: [department_head]
          deadline_days: 5
          escalate_to: [{role: digitalization_office}]
        - key: board
          label: {de: Kämmerei und Recht, en: Finance and legal}
          order: 2
          approvers: [{role: finance}, {role: legal}]
          quorum: 2
  vote:
    from: council_vote
    label: {de: Ratsbeschluss, en: Council decision}
    committee:
      committee_type: council
      role: decision
      authoritative: true
      results:
        recommended: done
        rejected: rejected
        deferred: council_vote
withdraw:
  to: withdrawn
  by: [owner]
"""


def line(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based line of the ``occurrence``-th line of ``text`` containing ``needle``."""
    found = [n for n, content in enumerate(text.splitlines(), start=1) if needle in content]
    assert len(found) >= occurrence, f"{needle!r} found {len(found)} times"
    return found[occurrence - 1]


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"{old!r} is not unique"
    return text.replace(old, new)


def errors_of(text: str) -> list[DefinitionError]:
    with pytest.raises(WorkflowInvalid) as info:
        parse_definition(text, "wf.yaml")
    assert info.value.errors, "WorkflowInvalid without errors"
    return info.value.errors


def error_at(text: str, path: str) -> DefinitionError:
    """Return the one error reported at ``path`` for ``text``."""
    errors = errors_of(text)
    at_path = [e for e in errors if e.path == path]
    assert len(at_path) == 1, f"errors at {path!r}: {at_path}; all: {errors}"
    return at_path[0]


# -- valid definitions ---------------------------------------------------------------------------


def test_base_definition_is_valid():
    definition = parse_definition(BASE, "wf.yaml")
    assert isinstance(definition, WorkflowDef)
    assert definition.name == "wf"
    assert definition.transitions["vote"].kind == "committee"


@pytest.mark.parametrize("name", ["digitalization_measure", "small_measure"])
def test_shipped_workflows_load_cleanly(name):
    path = WORKFLOWS_DIR / f"{name}.yaml"
    assert check_path(path) == []
    loaded = load_file(path)
    assert isinstance(loaded, LoadedDefinition)
    assert loaded.name == name
    assert loaded.path == str(path)
    text = path.read_text(encoding="utf-8")
    assert loaded.source == text
    assert loaded.content_hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_shipped_folder_loads_cleanly():
    loaded, errors = load_directory(WORKFLOWS_DIR)
    assert errors == []
    assert sorted(loaded) == ["digitalization_measure", "small_measure"]


def test_transition_leaving_a_final_state_is_fine():
    text = edit(
        "withdraw:\n",
        "  reopen:\n"
        "    from: rejected\n"
        "    to: draft\n"
        "    label: {de: Wieder öffnen, en: Reopen}\n"
        "    by: [{role: admin}]\n"
        "withdraw:\n",
    )
    assert "reopen" in parse_definition(text, "wf.yaml").transitions


def test_keys_are_always_text():
    # YAML 1.1 would read the key `no` as false; the loader keeps keys as written.
    text = edit("  draft:\n    label: {de: Entwurf", "  draft:\n    no: 1\n    label: {de: Entwurf")
    error = error_at(text, "states.draft.no")
    assert error.message.startswith("unknown key 'no'")
    assert error.line == line(text, "no: 1")


def test_anchor_without_alias_is_allowed():
    text = edit("label: {de: Testablauf", "label: &main {de: Testablauf")
    assert parse_definition(text, "wf.yaml").label.de == "Testablauf"


# -- YAML errors -----------------------------------------------------------------------------


def test_syntax_error_has_line():
    text = edit("    category: open\n  review:", "    category: open\n   review: [\n  review:")
    errors = errors_of(text)
    assert len(errors) == 1
    assert errors[0].message.startswith("invalid YAML: ")
    assert errors[0].path == ""
    assert errors[0].line is not None
    assert line(text, "review: [") <= errors[0].line <= line(text, "review: [") + 1


def test_tab_indentation_is_explained():
    text = edit("    category: open\n  review:", "\tcategory: open\n  review:")
    (error,) = errors_of(text)
    assert "indent with spaces, not tabs" in error.message
    assert error.line == line(text, "\tcategory")


def test_several_documents_are_refused():
    text = BASE + "---\nname: other\n"
    (error,) = errors_of(text)
    assert "expected a single document" in error.message
    assert error.line == line(text, "---")


def test_duplicate_key():
    text = edit("  done:\n", "  draft:\n    label: {de: X, en: X}\n    category: open\n  done:\n")
    error = error_at(text, "states.draft")
    assert error.message == f"duplicate key 'draft' (first at line {line(text, '  draft:')})"
    assert error.line == line(text, "  draft:", occurrence=2)


def test_duplicate_key_deep_inside():
    text = edit("          quorum: 2\n", "          quorum: 2\n          order: 3\n")
    error = error_at(text, "transitions.decide.approval.steps[1].order")
    assert error.message == f"duplicate key 'order' (first at line {line(text, 'order: 2')})"
    assert error.line == line(text, "order: 3")


def test_aliases_are_refused():
    text = edit("label: {de: Testablauf", "label: &main {de: Testablauf")
    text = edit("    label: {de: Entwurf, en: Draft}", "    label: *main", text)
    (error,) = errors_of(text)
    assert error.message == "YAML aliases (*main) are not supported; write the value out in full"
    assert error.line == line(text, "*main")


def test_billion_laughs_is_refused_quickly():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    errors = errors_of("\n".join(lines) + "\n")
    assert all("aliases" in e.message for e in errors)
    assert len(errors) == 81


def test_merge_keys_are_refused():
    text = edit("    category: open\n  review:", "    <<: {category: open}\n  review:")
    error = error_at(text, "states.draft")
    assert error.message == "merge keys (<<) are not supported; write the keys out"
    assert error.line == line(text, "<<:")


def test_empty_file():
    (error,) = errors_of("# nothing here\n")
    assert error.message == "the file is empty; a workflow definition is expected"
    assert error.line == 1


def test_top_level_must_be_a_mapping():
    (error,) = errors_of("- name: wf\n")
    assert error.message.startswith("a workflow definition must be a mapping of keys")
    assert error.line == 1


def test_unsupported_tag():
    text = edit("initial: draft", "initial: !!python/name:os.system draft")
    error = error_at(text, "initial")
    assert error.message == "unsupported YAML tag !!python/name:os.system"
    assert error.line == line(text, "initial:")


def test_control_character_is_refused_with_its_line():
    text = edit("initial: draft", "initial: dr\x07aft")
    (error,) = errors_of(text)
    assert error.message == ("invalid YAML: special characters are not allowed (character #x0007)")
    assert error.line == line(text, "initial:")


def test_values_yaml_reads_as_something_else_get_a_hint():
    text = edit("    label: {de: Entwurf, en: Draft}", "    label: {de: 2025-01-01, en: yes}")
    errors = {e.path: e for e in errors_of(text)}
    assert errors["states.draft.label.de"].message == (
        "expected text, got the date 2025-01-01 (quote it: '...')"
    )
    assert errors["states.draft.label.en"].message == "expected text, got true (quote it: '...')"
    assert errors["states.draft.label.en"].line == line(text, "{de: 2025-01-01")


# -- structure errors --------------------------------------------------------------------------


def test_unknown_role():
    text = edit("{role: proposer, scope: department}", "{role: financ}")
    error = error_at(text, "transitions.submit.by[1].role")
    assert error.message.startswith("unknown role 'financ'; known: proposer, department_head, ")
    assert "finance" in error.message
    assert error.line == line(text, "{role: financ}")


def test_unknown_scope():
    text = edit("scope: department}", "scope: dept}")
    error = error_at(text, "transitions.submit.by[1].scope")
    assert error.message == "unknown scope 'dept'; known: global, department, committee"
    assert error.line == line(text, "scope: dept")


def test_unknown_record_approver():
    text = edit("by: [owner, {role", "by: [ownr, {role")
    error = error_at(text, "transitions.submit.by[0]")
    assert error.message.startswith("unknown approver 'ownr'; known: committee_secretary, ")
    assert error.line == line(text, "by: [ownr")


def test_approver_mapping_without_role():
    text = edit("{role: proposer, scope: department}", "{scope: department}")
    error = error_at(text, "transitions.submit.by[1]")
    assert error.message.startswith("an approver is one of the names committee_secretary, ")
    assert error.message.endswith("'role' is missing")
    assert error.line == line(text, "{scope: department}")


def test_approver_list_items_are_reported_on_their_own_line():
    text = edit(
        "          approvers: [{role: finance}, {role: legal}]",
        "          approvers:\n            - {role: finance}\n            - {role: lawyer}",
    )
    error = error_at(text, "transitions.decide.approval.steps[1].approvers[1].role")
    assert error.message.startswith("unknown role 'lawyer'")
    assert error.line == line(text, "{role: lawyer}")


def test_missing_required_key():
    text = edit("    category: active\n    deadline_days: 10", "    deadline_days: 10")
    error = error_at(text, "states.review.category")
    assert error.message == "required key 'category' is missing"
    assert error.line == line(text, "  review:")


def test_unknown_key_suggests_the_right_one():
    text = edit("    category: open\n  review:", "    categroy: open\n  review:")
    errors = errors_of(text)
    unknown = [e for e in errors if e.path == "states.draft.categroy"]
    assert len(unknown) == 1
    assert unknown[0].message.startswith("unknown key 'categroy'; did you mean 'category'?")
    assert "(allowed: label, category, description, deadline_days" in unknown[0].message
    assert unknown[0].line == line(text, "categroy:")
    missing = [e for e in errors if e.path == "states.draft.category"]
    assert missing[0].message == "required key 'category' is missing"


def test_unknown_key_in_a_step():
    text = edit("          quorum: 2\n", "          quorom: 2\n")
    error = error_at(text, "transitions.decide.approval.steps[1].quorom")
    assert "did you mean 'quorum'?" in error.message
    assert error.line == line(text, "quorom")


def test_unknown_category():
    text = edit("    category: open", "    category: offen")
    error = error_at(text, "states.draft.category")
    assert error.message == "unknown category 'offen'; known: open, active, done, rejected"
    assert error.line == line(text, "category: offen")


def test_invalid_state_key():
    text = edit("  done:\n    label: {de: Erledigt", "  Done:\n    label: {de: Erledigt")
    error = error_at(text, "states.Done")
    assert error.message.startswith("'Done' is not a valid key: use lower-case letters a-z")
    assert error.line == line(text, "  Done:")


def test_unknown_committee_result_and_consultation_role():
    text = edit("        recommended: done", "        approved: done")
    text = edit("      role: decision", "      role: decisive", text)
    errors = errors_of(text)
    by_path = {e.path: e for e in errors}
    result = by_path["transitions.vote.committee.results.approved"]
    assert result.message.startswith("unknown committee result 'approved'; known: recommended")
    assert result.line == line(text, "approved: done")
    role = by_path["transitions.vote.committee.role"]
    assert role.message == (
        "unknown consultation role 'decisive'; known: preliminary, decision, information"
    )
    assert role.line == line(text, "role: decisive")


def test_invalid_quorum():
    text = edit("          quorum: 2", "          quorum: most")
    error = error_at(text, "transitions.decide.approval.steps[1].quorum")
    assert error.message == ("quorum must be all, any or a whole number of at least 1, got 'most'")
    assert error.line == line(text, "quorum: most")


def test_true_is_not_a_number():
    text = edit("    deadline_days: 10", "    deadline_days: yes")
    error = error_at(text, "states.review.deadline_days")
    assert error.message == "expected a number, got true"
    assert error.line == line(text, "deadline_days: yes")


def test_number_out_of_range():
    text = edit("    deadline_days: 10", "    deadline_days: 0")
    error = error_at(text, "states.review.deadline_days")
    assert error.message == "must be at least 1, got 0"
    assert error.line == line(text, "deadline_days: 0")


def test_label_must_be_a_mapping():
    text = edit("    label: {de: Prüfung, en: Review}", "    label: Prüfung")
    error = error_at(text, "states.review.label")
    assert error.message == "expected a mapping of keys and values, got 'Prüfung'"
    assert error.line == line(text, "label: Prüfung")


def test_from_as_text_reports_the_key():
    text = edit("    from: draft\n", "    from: Draft\n")
    error = error_at(text, "transitions.submit.from")
    assert error.message.startswith("'Draft' is not a valid name")
    assert error.line == line(text, "from: Draft")


# -- meaning errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("initial: draft", "initial: drafts", "initial"),
        ("    from: draft\n", "    from: [draft, revew]\n", "transitions.submit.from[1]"),
        ("    to: review\n", "    to: revew\n", "transitions.submit.to"),
        ("reject_to: rejected", "reject_to: revew", "transitions.decide.approval.reject_to"),
        ("return_to: draft", "return_to: revew", "transitions.decide.approval.return_to"),
        (
            "        rejected: rejected",
            "        rejected: revew",
            "transitions.vote.committee.results.rejected",
        ),
        ("  to: withdrawn", "  to: revew", "withdraw.to"),
    ],
)
def test_unknown_state(old, new, path):
    text = edit(old, new)
    error = error_at(text, path)
    assert error.message.startswith(
        "unknown state 'revew'; did you mean 'review'? known states: council_vote, done, draft, "
    ) or error.message.startswith("unknown state 'drafts'; did you mean 'draft'?")
    assert error.line == line(text, new.strip().split("\n")[0])


def test_manual_transition_needs_by():
    text = edit("    by: [owner, {role: proposer, scope: department}]\n", "")
    error = error_at(text, "transitions.submit")
    assert error.message == (
        "a transition is started by hand ('by' and 'to'), by an approval chain ('approval' and "
        "'to') or by a committee ('committee'); 'by' is missing"
    )
    assert error.line == line(text, "  submit:")


def test_approval_transition_must_not_have_by():
    text = edit(
        "    label: {de: Entscheiden, en: Decide}\n",
        "    label: {de: E, en: D}\n    by: [owner]\n",
    )
    error = error_at(text, "transitions.decide.by")
    assert error.message.startswith("an approval transition starts when the measure enters")
    assert error.line == line(text, "label: {de: E, en: D}") + 1


def test_approval_transition_needs_to():
    text = edit("    to: council_vote\n", "")
    error = error_at(text, "transitions.decide.approval")
    assert error.message.startswith("an approval transition needs 'to'")
    assert error.line == line(text, "    approval:")


def test_committee_transition_must_not_have_to():
    text = edit("    from: council_vote\n", "    from: council_vote\n    to: done\n")
    error = error_at(text, "transitions.vote.to")
    assert error.message == (
        "a committee transition leads to the states in committee.results; remove 'to'"
    )
    assert error.line == line(text, "    to: done")


def test_approval_and_committee_together():
    text = edit(
        "    to: council_vote\n",
        "    to: council_vote\n    committee: {committee_type: council, role: decision, "
        "results: {recommended: done}}\n",
    )
    error = error_at(text, "transitions.decide.committee")
    assert error.message.startswith("a transition has either an approval or a committee")
    assert error.line == line(text, "    committee: {committee_type")


def test_only_one_approval_may_leave_a_state():
    text = edit(
        "  vote:\n",
        "  decide_again:\n"
        "    from: [draft, review]\n"
        "    to: done\n"
        "    label: {de: Nochmal, en: Again}\n"
        "    approval:\n"
        "      reject_to: rejected\n"
        "      steps: [{key: s, label: {de: S, en: S}, approvers: [owner]}]\n"
        "  vote:\n",
    )
    error = error_at(text, "transitions.decide_again.from[1]")
    assert error.message == (
        "state 'review' already opens the approval 'decide'; "
        "only one approval transition may leave a state"
    )
    assert error.line == line(text, "from: [draft, review]")


def test_a_committee_transition_needs_its_state_to_ask_for_a_session():
    text = edit(
        "    on_enter:\n      - request_agenda_slot: council\n",
        "    on_enter:\n      - notify: [owner]\n",
    )
    error = error_at(text, "transitions.vote.from")
    assert error.message == (
        "state 'council_vote' is left by the committee transition 'vote' but does not ask for "
        "a session: add 'on_enter: [{request_agenda_slot: council}]' to the state, so that the "
        "measure is offered for the agenda"
    )
    assert error.line == line(text, "from: council_vote")


def test_a_state_that_asks_for_a_session_needs_a_committee_transition_of_that_type():
    text = edit(
        "    deadline_days: 10\n    reminder_days: [2]\n",
        "    deadline_days: 10\n    reminder_days: [2]\n    on_enter:\n"
        "      - request_agenda_slot: main\n",
    )
    error = error_at(text, "states.review.on_enter[0].request_agenda_slot")
    assert error.message == (
        "state 'review' asks for a session of a main committee, but no committee transition "
        "of that type leaves it"
    )


def test_one_committee_transition_per_type_may_leave_a_state():
    text = edit(
        "withdraw:\n",
        "  vote_again:\n"
        "    from: [council_vote]\n"
        "    label: {de: Nochmal, en: Again}\n"
        "    committee:\n"
        "      committee_type: council\n"
        "      role: decision\n"
        "      results: {recommended: done}\n"
        "withdraw:\n",
    )
    error = error_at(text, "transitions.vote_again.from[0]")
    assert error.message == (
        "state 'council_vote' already waits for a council committee in transition 'vote'; "
        "one committee transition per committee type may leave a state"
    )


def test_unreachable_state():
    text = edit(
        "  done:\n",
        "  archive:\n    label: {de: Archiv, en: Archive}\n    category: done\n  done:\n",
    )
    error = error_at(text, "states.archive")
    assert error.message == "state 'archive' cannot be reached from 'draft'"
    assert error.line == line(text, "  archive:")


def test_withdraw_target_counts_as_reachable():
    assert "withdrawn" in parse_definition(BASE, "wf.yaml").states
    text = edit("withdraw:\n  to: withdrawn\n  by: [owner]\n", "")
    error = error_at(text, "states.withdrawn")
    assert error.message == "state 'withdrawn' cannot be reached from 'draft'"


def test_dead_end():
    text = edit(
        "        deferred: council_vote\n",
        "        deferred: waiting\n",
    )
    text = edit(
        "  done:\n",
        "  waiting:\n    label: {de: Wartet, en: Waiting}\n    category: active\n  done:\n",
        text,
    )
    error = error_at(text, "states.waiting")
    assert error.message == (
        "dead end: state 'waiting' (category active) has no transition leaving it"
    )
    assert error.line == line(text, "  waiting:")


def test_impossible_quorum():
    text = edit("          quorum: 2", "          quorum: 3")
    error = error_at(text, "transitions.decide.approval.steps[1].quorum")
    assert error.message == "quorum 3 is impossible with 2 approvers"
    assert error.line == line(text, "quorum: 3")


def test_duplicate_step_key():
    text = edit("        - key: board", "        - key: head")
    error = error_at(text, "transitions.decide.approval.steps[1].key")
    assert error.message == "duplicate step key 'head' (first at steps[0])"
    assert error.line == line(text, "- key: head", occurrence=2)


def test_unknown_required_field():
    text = edit("required: [title, description]", "required: [title, colour]")
    error = error_at(text, "transitions.submit.guards.required[1]")
    assert error.message.startswith("unknown field 'colour'; fields that can be required: title, ")
    assert error.line == line(text, "required: [title, colour]")


def test_unknown_check_lists_the_registered_ones():
    text = edit("checks: [costs_plausible]", "checks:\n        - costs_plausible\n        - magic")
    error = error_at(text, "transitions.submit.guards.checks[1]")
    assert error.message == (
        "unknown check 'magic'; registered checks: costs_plausible, within_small_measure_limit"
    )
    assert error.line == line(text, "- magic")


def test_final_state_cannot_have_a_deadline():
    text = edit(
        "    label: {de: Erledigt, en: Done}\n",
        "    label: {de: Erledigt, en: Done}\n    deadline_days: 5\n",
    )
    error = error_at(text, "states.done.deadline_days")
    assert error.message == "state 'done' is final (category done) and cannot have deadline_days"
    assert error.line == line(text, "label: {de: Erledigt") + 1


def test_reminders_need_a_deadline():
    text = edit("    deadline_days: 10\n", "")
    error = error_at(text, "states.review.reminder_days")
    assert error.message == (
        "reminder_days needs deadline_days (reminders count back from the deadline)"
    )
    assert error.line == line(text, "reminder_days: [2]")


def test_max_returns_needs_return_to():
    text = edit("      return_to: draft\n", "")
    error = error_at(text, "transitions.decide.approval.max_returns")
    assert error.message == "max_returns needs return_to"
    assert error.line == line(text, "max_returns: 2")


def test_escalation_needs_a_step_deadline():
    text = edit("          deadline_days: 5\n", "")
    error = error_at(text, "transitions.decide.approval.steps[0].escalate_to")
    assert error.message.startswith("escalate_to needs deadline_days")
    assert error.line == line(text, "escalate_to:")


def test_empty_on_enter_action():
    text = edit("      - request_agenda_slot: council", "      - {}")
    error = error_at(text, "states.council_vote.on_enter[0]")
    assert error.message == "an on_enter action needs notify or request_agenda_slot"
    assert error.line == line(text, "- {}")


# -- everything at once ----------------------------------------------------------------------


def test_all_errors_are_reported_at_once():
    text = BASE
    text = edit("initial: draft", "initial: drafts", text)  # meaning
    text = edit("    category: open", "    category: offen", text)  # structure
    text = edit("{role: proposer, scope: department}", "{role: financ}", text)  # structure
    text = edit("required: [title, description]", "required: [title, colour]", text)  # meaning
    text = edit("    to: review\n", "    to: revew\n", text)  # meaning, same transition
    text = edit("          quorum: 2", "          quorum: 3", text)  # meaning
    text = edit(  # YAML: duplicate key
        "        deferred: council_vote",
        "        deferred: council_vote\n        deferred: done",
        text,
    )
    errors = errors_of(text)
    assert {e.path for e in errors} == {
        "initial",
        "states.draft.category",
        "transitions.submit.by[1].role",
        "transitions.submit.guards.required[1]",
        "transitions.submit.to",
        "transitions.decide.approval.steps[1].quorum",
        "transitions.vote.committee.results.deferred",
    }
    lines = [e.line for e in errors]
    assert lines == sorted(lines), "errors come in file order"
    assert all(e.file == "wf.yaml" for e in errors)


# -- error objects ---------------------------------------------------------------------------


def test_definition_error_str():
    assert str(DefinitionError("a.yaml", 3, "states.x", "bad")) == "a.yaml:3: states.x: bad"
    assert str(DefinitionError("a.yaml", None, "states.x", "bad")) == "a.yaml: states.x: bad"
    assert str(DefinitionError("a.yaml", 1, "", "bad")) == "a.yaml:1: bad"


def test_workflow_invalid_lists_every_error():
    errors = [DefinitionError("a.yaml", 1, "x", "one"), DefinitionError("a.yaml", 2, "y", "two")]
    exc = WorkflowInvalid(errors)
    assert exc.errors == errors
    assert str(exc) == "a.yaml:1: x: one\na.yaml:2: y: two"


# -- files and folders -------------------------------------------------------------------------


def test_load_file_checks_the_name_against_the_file_name(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(BASE, encoding="utf-8")
    with pytest.raises(WorkflowInvalid) as info:
        load_file(path)
    (error,) = info.value.errors
    assert error.file == str(path)
    assert error.path == "name"
    assert error.line == 1
    assert error.message.startswith("the name 'wf' must equal the file name without its ending")


def test_load_directory_skips_broken_files_and_collects_their_errors(tmp_path):
    (tmp_path / "wf.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "broken.yml").write_text(
        edit("name: wf", "name: broken", edit("initial: draft", "initial: nowhere")),
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("not a workflow", encoding="utf-8")
    (tmp_path / ".hidden.yaml").write_text("::", encoding="utf-8")
    loaded, errors = load_directory(tmp_path)
    assert list(loaded) == ["wf"]
    assert loaded["wf"].content_hash == hashlib.sha256(BASE.encode()).hexdigest()
    (error,) = errors
    assert error.file == str(tmp_path / "broken.yml")
    assert error.path == "initial"
    assert error.line == 3


def test_load_directory_refuses_a_second_definition_of_a_name(tmp_path):
    (tmp_path / "wf.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "wf.yml").write_text(BASE, encoding="utf-8")
    loaded, errors = load_directory(tmp_path)
    assert list(loaded) == ["wf"]
    assert loaded["wf"].path == str(tmp_path / "wf.yaml")
    (error,) = errors
    assert error.file == str(tmp_path / "wf.yml")
    assert error.line == 1
    assert error.message == f"workflow 'wf' is already defined in {tmp_path / 'wf.yaml'}"


def test_load_directory_on_an_empty_or_missing_folder(tmp_path):
    message = "contains no workflow definitions (*.yaml, *.yml)"
    assert load_directory(tmp_path) == ({}, [DefinitionError(str(tmp_path), None, "", message)])
    missing = tmp_path / "missing"
    expected = [DefinitionError(str(missing), None, "", "is not a folder")]
    assert load_directory(missing) == ({}, expected)


def test_check_path_accepts_file_and_folder(tmp_path):
    (tmp_path / "wf.yaml").write_text(edit("initial: draft", "initial: nowhere"), encoding="utf-8")
    by_file = check_path(tmp_path / "wf.yaml")
    assert [e.path for e in by_file] == ["initial"]
    assert check_path(tmp_path) == by_file
    assert check_path(str(tmp_path / "wf.yaml")) == by_file


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_bytes(BASE.encode("latin-1"))
    (error,) = check_path(path)
    assert error.message.startswith("file is not UTF-8 text")
    assert error.line is None


# -- rendering ---------------------------------------------------------------------------------


def test_describe_lists_states_transitions_and_steps():
    text = describe(parse_definition(BASE, "wf.yaml"))
    assert text.startswith("Testablauf (wf)\n")
    for expected in [
        "review: Prüfung [aktiv; Frist 10 Arbeitstage; Erinnerung 2 Arbeitstage vor der Frist]",
        "submit: Einreichen (von Hand)",
        "draft → review",
        "Pflichtfelder: Titel, Beschreibung",
        "Prüfungen: costs_plausible",
        "Schritt 2 board: Kämmerei und Recht",
        "Quorum: 2 von 2",
        "Eskalation an: Digitalisierungsbeauftragte/r",
        "Ablehnung (mit Begründung) → rejected",
        "Rückgabe zur Überarbeitung → draft (höchstens 2 Rückgaben)",
        "Gremium: Rat/Kreistag, Entscheidung, maßgeblich",
        "empfohlen → done",
        "Zurückziehen (aus jedem offenen oder aktiven Zustand) → withdrawn",
    ]:
        assert expected in text, expected


def test_describe_in_english():
    text = describe(parse_definition(BASE, "wf.yaml"), language="en")
    assert text.startswith("Test workflow (wf)\n")
    assert "Step 1 head: Head" in text
    assert "Results: recommended → done, rejected → rejected, deferred → council_vote" in text


def test_mermaid_contains_every_state_and_edge():
    definition = parse_definition(BASE, "wf.yaml")
    diagram = mermaid(definition)
    assert diagram.startswith("stateDiagram-v2\n")
    for key, state in definition.states.items():
        assert f'state "{state.label.de}" as {key}\n' in diagram
    for edge in [
        "[*] --> draft",
        "draft --> review : Einreichen",
        "review --> council_vote : Entscheiden",
        "review --> rejected : Entscheiden (abgelehnt)",
        "review --> draft : Entscheiden (zurückgegeben)",
        "council_vote --> done : Ratsbeschluss (empfohlen)",
        "council_vote --> council_vote : Ratsbeschluss (vertagt)",
        "done --> [*]",
        "rejected --> [*]",
        "withdrawn --> [*]",
    ]:
        assert f"    {edge}\n" in diagram, edge
    assert "current" not in diagram
    assert diagram == mermaid(definition), "output is deterministic"


def test_mermaid_marks_the_current_state():
    definition = parse_definition(BASE, "wf.yaml")
    diagram = mermaid(definition, current_state="review", language="en")
    assert 'state "Review" as review' in diagram
    assert "    classDef current " in diagram
    assert diagram.endswith("    class review current\n")
    with pytest.raises(ValueError, match="unknown state 'nowhere'"):
        mermaid(definition, current_state="nowhere")


def test_mermaid_escapes_labels_and_keyword_ids():
    text = edit(
        "  draft:\n    label: {de: Entwurf",
        '  note:\n    label: {de: "Entwurf: \\"neu\\"; #1"',
    )
    text = text.replace("from: draft", "from: note").replace("return_to: draft", "return_to: note")
    text = text.replace("initial: draft", "initial: note")
    diagram = mermaid(parse_definition(text, "wf.yaml"))
    assert 'state "Entwurf#58; #quot;neu#quot;#59; #35;1" as S_note\n' in diagram
    assert "[*] --> S_note\n" in diagram
    assert "S_note --> review : Einreichen\n" in diagram


def test_mermaid_of_the_shipped_default_workflow():
    definition = load_file(WORKFLOWS_DIR / "digitalization_measure.yaml").definition
    diagram = mermaid(definition, current_state="concept")
    for key in definition.states:
        assert f" as {key}\n" in diagram
    assert "committee_recommendation --> budget_release : " in diagram
    assert "class concept current" in diagram


# -- CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def cli_app(tmp_path) -> Flask:
    app = Flask("t")
    app.config["WORKFLOWS_DIR"] = str(WORKFLOWS_DIR)
    app.cli.add_command(workflows_cli)
    return app


def test_cli_check_default_folder_ok(cli_app):
    result = cli_app.test_cli_runner().invoke(args=["workflows", "check"])
    assert result.exit_code == 0, result.output
    assert "OK digitalization_measure (" in result.stdout
    assert "OK small_measure (" in result.stdout
    assert result.stderr == ""


def test_cli_check_failing_folder(cli_app, tmp_path):
    (tmp_path / "wf.yaml").write_text(BASE, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        edit("name: wf", "name: broken", edit("initial: draft", "initial: nowhere")),
        encoding="utf-8",
    )
    result = cli_app.test_cli_runner().invoke(args=["workflows", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "OK wf (" in result.stdout
    assert f"{broken}:3: initial: unknown state 'nowhere'" in result.stderr
    assert "1 error in 1 file(s)" in result.stderr


def test_cli_check_single_file(cli_app, tmp_path):
    path = tmp_path / "wf.yaml"
    path.write_text(edit("          quorum: 2", "          quorum: 3"), encoding="utf-8")
    result = cli_app.test_cli_runner().invoke(args=["workflows", "check", str(path)])
    assert result.exit_code == 1
    assert str(path) in result.stderr
    assert "quorum 3 is impossible with 2 approvers" in result.stderr
    path.write_text(BASE, encoding="utf-8")
    result = cli_app.test_cli_runner().invoke(args=["workflows", "check", str(path)])
    assert result.exit_code == 0, result.output


def test_cli_check_missing_path(cli_app, tmp_path):
    result = cli_app.test_cli_runner().invoke(
        args=["workflows", "check", str(tmp_path / "nope.yaml")]
    )
    assert result.exit_code == 1
    assert "nope.yaml: no such file or folder" in result.stderr


def test_cli_show(cli_app):
    result = cli_app.test_cli_runner().invoke(args=["workflows", "show", "small_measure"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Kleine Maßnahme (small_measure)\n")
    assert "```mermaid\nstateDiagram-v2\n" in result.stdout
    assert result.stdout.rstrip().endswith("```")


def test_cli_show_mermaid_only_in_english(cli_app):
    result = cli_app.test_cli_runner().invoke(
        args=["workflows", "show", "small_measure", "--language", "en", "--mermaid-only"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("stateDiagram-v2\n")
    assert 'state "Draft" as draft' in result.stdout
    assert "```" not in result.stdout


def test_cli_show_unknown_workflow(cli_app):
    result = cli_app.test_cli_runner().invoke(args=["workflows", "show", "nope"])
    assert result.exit_code == 1
    assert "Unknown workflow 'nope'" in result.stderr
    assert "digitalization_measure, small_measure" in result.stderr


def test_cli_show_broken_workflow(cli_app, tmp_path):
    (tmp_path / "wf.yaml").write_text(edit("initial: draft", "initial: nowhere"), encoding="utf-8")
    cli_app.config["WORKFLOWS_DIR"] = str(tmp_path)
    result = cli_app.test_cli_runner().invoke(args=["workflows", "show", "wf"])
    assert result.exit_code == 1
    assert f"{tmp_path / 'wf.yaml'}:3: initial: unknown state" in result.stderr


# -- documentation -------------------------------------------------------------------------------

DOCS = PROJECT_ROOT / "docs" / "workflows.md"


def _fenced_blocks(language: str) -> list[str]:
    blocks, current = [], None
    for text_line in DOCS.read_text(encoding="utf-8").splitlines(keepends=True):
        if current is None and text_line.strip() == f"```{language}":
            current = []
        elif current is not None and text_line.strip() == "```":
            blocks.append("".join(current))
            current = None
        elif current is not None:
            current.append(text_line)
    return blocks


def test_docs_example_workflow_is_valid():
    examples = [b for b in _fenced_blocks("yaml") if "\nname: " in b]
    assert len(examples) == 1
    definition = parse_definition(examples[0], "docs/workflows.md")
    assert definition.name == "information_paper"
    assert mermaid(definition) in _fenced_blocks("mermaid")


def test_docs_show_the_current_default_workflow():
    definition = load_file(WORKFLOWS_DIR / "digitalization_measure.yaml").definition
    assert mermaid(definition) in _fenced_blocks("mermaid"), (
        "docs/workflows.md section 9 is out of date: paste the output of "
        "`flask --app wsgi workflows show digitalization_measure --mermaid-only`"
    )
