"""Load workflow definitions from YAML files and check them, reporting every error at once.

A definition is read in three passes, and every problem is reported with the file, the line and
the path inside the definition (``transitions.review_proposal.approval.steps[1].quorum``):

1. YAML: syntax errors, duplicate keys, aliases (``*name``) and merge keys (``<<``) are refused.
   Aliases are refused on purpose: a definition should read on its own, and refusing them rules
   out "billion laughs" expansion. Anchors (``&name``) without an alias are harmless and ignored.
   Mapping keys are always taken as text, so ``on:`` or ``no:`` stay the keys ``"on"``/``"no"``.
2. Structure: :class:`~digiflow.core.workflow.definition.WorkflowDef` (pydantic) checks types,
   required and unknown keys and enumerations; its errors are rewritten for administrators.
3. Meaning: checks that need the whole definition in view (unknown states, kinds of transitions,
   reachability, dead ends, quorums, guards, deadlines). When step 2 found errors, they still run
   on every part that validates once its broken optional bits are dropped, so that all errors
   come at once. Reachability and dead ends need the complete graph: they run only when the
   structure is valid and every state name is known (otherwise one typo would be repeated as
   a cascade of "cannot be reached" errors).

Errors are sorted by line. A duplicate key keeps its first value for the later checks.

This module is pure: it does not import Flask and touches no database.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import hashlib
import re
import types
import typing
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from digiflow.core.workflow.checks import registered_checks
from digiflow.core.workflow.definition import (
    KEY_PATTERN,
    REQUIRABLE_FIELDS,
    RecordApprover,
    RoleApprover,
    StateDef,
    TransitionDef,
    WithdrawDef,
    WorkflowDef,
)

__all__ = [
    "DefinitionError",
    "LoadedDefinition",
    "WorkflowInvalid",
    "check_path",
    "load_directory",
    "load_file",
    "parse_definition",
]

#: File name endings the loader reads from a folder.
SUFFIXES = (".yaml", ".yml")
#: Files larger than this are refused unread (a definition is a few kilobytes).
MAX_FILE_BYTES = 1_000_000
#: Deeper nesting than this is refused (a definition needs about eight levels).
MAX_DEPTH = 40

Segment = str | int
Loc = tuple[Segment, ...]


# ---------------------------------------------------------------------------------------------
# Public types


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a definition file: where it is and what is wrong."""

    file: str
    line: int | None  # 1-based; None when the problem has no place in the file
    path: str  # e.g. "transitions.review_proposal.approval.steps[1].quorum"; "" for the file
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class WorkflowInvalid(Exception):
    """A definition (or several) could not be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[DefinitionError]) -> None:
        self.errors: list[DefinitionError] = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


@dataclass(frozen=True)
class LoadedDefinition:
    """A valid definition together with the text it was read from."""

    name: str
    definition: WorkflowDef
    source: str  # the file's text
    content_hash: str  # sha256 hex of the UTF-8 encoded text: the version's identity
    path: str


# ---------------------------------------------------------------------------------------------
# Public functions


def parse_definition(text: str, source_name: str) -> WorkflowDef:
    """Parse and check the definition ``text``; raise :class:`WorkflowInvalid` with every error.

    ``source_name`` is used as the file name in the errors.
    """
    parsed = _parse(text, source_name)
    if parsed.errors or parsed.definition is None:
        raise WorkflowInvalid(parsed.errors)
    return parsed.definition


def load_file(path: str | Path) -> LoadedDefinition:
    """Load one definition file; its ``name`` must equal the file name without the ending."""
    loaded, errors = _load_file(Path(path))
    if errors or loaded is None:
        raise WorkflowInvalid(errors)
    return loaded


def load_directory(path: str | Path) -> tuple[dict[str, LoadedDefinition], list[DefinitionError]]:
    """Load every ``*.yaml``/``*.yml`` file in the folder ``path`` (sorted by file name).

    Return the valid definitions by name, and the errors of all the others. A file with errors
    is left out; a second file declaring a name already loaded is an error.
    """
    folder = Path(path)
    if not folder.is_dir():
        return {}, [DefinitionError(str(folder), None, "", "is not a folder")]
    files = sorted(
        p
        for p in folder.iterdir()
        if p.suffix in SUFFIXES and not p.name.startswith(".") and p.is_file()
    )
    if not files:
        message = "contains no workflow definitions (*.yaml, *.yml)"
        return {}, [DefinitionError(str(folder), None, "", message)]
    loaded: dict[str, LoadedDefinition] = {}
    errors: list[DefinitionError] = []
    for file in files:
        definition, file_errors = _load_file(file)
        if definition is not None and definition.name in loaded:
            first = loaded[definition.name]
            errors.append(
                DefinitionError(
                    str(file),
                    _name_line(definition.source),
                    "name",
                    f"workflow {definition.name!r} is already defined in {first.path}",
                )
            )
        elif definition is not None:
            loaded[definition.name] = definition
        errors.extend(file_errors)
    return loaded, errors


def check_path(path: str | Path) -> list[DefinitionError]:
    """Check a definition file or a folder of them; return every error (empty when all is well)."""
    target = Path(path)
    if target.is_dir():
        return load_directory(target)[1]
    return _load_file(target)[1]


# ---------------------------------------------------------------------------------------------
# Reading files


def _load_file(path: Path) -> tuple[LoadedDefinition | None, list[DefinitionError]]:
    file = str(path)
    if not path.is_file():
        return None, [DefinitionError(file, None, "", "file not found")]
    if path.suffix not in SUFFIXES:
        return None, [DefinitionError(file, None, "", "a definition file must end in .yaml")]
    if path.stat().st_size > MAX_FILE_BYTES:
        message = f"file is larger than {MAX_FILE_BYTES // 1000} kB"
        return None, [DefinitionError(file, None, "", message)]
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"file is not UTF-8 text (byte {exc.start})"
        return None, [DefinitionError(file, None, "", message)]
    text = text.removeprefix("\ufeff")

    parsed = _parse(text, file)
    errors = list(parsed.errors)
    name = parsed.data.get("name") if isinstance(parsed.data, dict) else None
    if isinstance(name, str) and name != path.stem:
        errors.append(
            DefinitionError(
                file,
                parsed.lines.get(("name",)),
                "name",
                f"the name {name!r} must equal the file name without its ending "
                f"({path.stem!r}); rename the file to {name}{path.suffix} or change the name",
            )
        )
    if errors or parsed.definition is None:
        return None, _sorted(errors)
    loaded = LoadedDefinition(
        name=parsed.definition.name,
        definition=parsed.definition,
        source=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=file,
    )
    return loaded, []


def _name_line(text: str) -> int | None:
    match = re.search(r"^name\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass
class _Parsed:
    definition: WorkflowDef | None = None
    data: Any = None
    lines: dict[Loc, int] = field(default_factory=dict)
    errors: list[DefinitionError] = field(default_factory=list)


def _parse(text: str, source_name: str) -> _Parsed:
    parsed = _Parsed()
    report = _Reporter(source_name, parsed.lines, parsed.errors)

    root = _compose(text, report)
    if root is None:
        return parsed
    converter = _Converter(report)
    parsed.data = converter.convert(root, ())
    if not isinstance(parsed.data, dict):
        if not parsed.errors:
            report.at(
                (),
                "a workflow definition must be a mapping of keys (name, label, initial, states, "
                "transitions, ...)",
            )
        return parsed

    model: WorkflowDef | None = None
    try:
        model = WorkflowDef.model_validate(parsed.data)
    except ValidationError as exc:
        _report_validation(exc, parsed.data, report)
    _check_bools(parsed.data, report)
    _SemanticChecks(parsed.data, model, report).run()

    parsed.errors[:] = _sorted(parsed.errors)
    if not parsed.errors:
        parsed.definition = model
    return parsed


def _sorted(errors: list[DefinitionError]) -> list[DefinitionError]:
    unique = list(dict.fromkeys(errors))
    return sorted(unique, key=lambda e: (e.file, e.line or 0))


class _Reporter:
    """Collects errors, turning a location inside the data into a path and a line."""

    def __init__(self, file: str, lines: dict[Loc, int], errors: list[DefinitionError]) -> None:
        self.file = file
        self.lines = lines
        self.errors = errors
        self.unreadable: set[Loc] = set()  # values the YAML pass could not read (None now)

    def line_of(self, loc: Loc) -> int | None:
        while loc not in self.lines and loc:
            loc = loc[:-1]
        return self.lines.get(loc)

    def at(self, loc: Loc, message: str, line: int | None = None) -> None:
        line = self.line_of(loc) if line is None else line
        self.errors.append(DefinitionError(self.file, line, _path(loc), message))


def _path(loc: Loc) -> str:
    out = ""
    for segment in loc:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += f".{segment}" if out else str(segment)
    return out


class _Loader(yaml.SafeLoader):
    """A safe loader that notes every alias instead of silently sharing nodes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases: list[tuple[int, str]] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self.aliases.append((event.start_mark.line + 1, event.anchor))
        return super().compose_node(parent, index)


def _compose(text: str, report: _Reporter) -> yaml.Node | None:
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        report.at((), _syntax_message(exc), line=_mark_line(exc))
        return None
    except yaml.reader.ReaderError as exc:  # e.g. a control character in the text
        line = text.count("\n", 0, exc.position) + 1
        message = f"invalid YAML: {exc.reason} (character #x{exc.character:04x})"
        report.at((), message, line=line)
        return None
    except yaml.YAMLError as exc:
        report.at((), f"invalid YAML: {exc}")
        return None
    except RecursionError:
        report.at((), "invalid YAML: the text is nested too deeply")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    for line, anchor in loader.aliases:
        report.at(
            (),
            f"YAML aliases (*{anchor}) are not supported; write the value out in full",
            line=line,
        )
    if loader.aliases:
        return None
    if root is None:
        report.at((), "the file is empty; a workflow definition is expected", line=1)
        return None
    report.lines[()] = root.start_mark.line + 1
    return root


def _mark_line(exc: yaml.MarkedYAMLError) -> int | None:
    mark = exc.problem_mark or exc.context_mark
    return mark.line + 1 if mark is not None else None


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "syntax error"
    message = f"invalid YAML: {problem}"
    if exc.context:
        message += f" ({exc.context}"
        if exc.context_mark is not None and exc.context_mark is not exc.problem_mark:
            message += f" started at line {exc.context_mark.line + 1}"
        message += ")"
    if "'\\t'" in problem:
        message += "; indent with spaces, not tabs"
    return message


_SCALAR_TAGS = {
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp")
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Converter:
    """Turns YAML nodes into plain Python, noting the line of every path on the way."""

    def __init__(self, report: _Reporter) -> None:
        self.report = report
        self.constructor = yaml.constructor.SafeConstructor()

    def convert(self, node: yaml.Node, loc: Loc, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            self.report.at(loc, f"nested more than {MAX_DEPTH} levels deep")
            self.report.unreadable.add(loc)
            return None
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                return self._unsupported(node, loc)
            return self._mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                return self._unsupported(node, loc)
            out: list[Any] = []
            for index, item in enumerate(node.value):
                self.report.lines[(*loc, index)] = item.start_mark.line + 1
                out.append(self.convert(item, (*loc, index), depth + 1))
            return out
        if node.tag not in _SCALAR_TAGS:
            return self._unsupported(node, loc)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            self.report.at(loc, f"invalid value {node.value!r}: {exc}")
            self.report.unreadable.add(loc)
            return None

    def _unsupported(self, node: yaml.Node, loc: Loc) -> None:
        self.report.at(loc, f"unsupported YAML tag {_short_tag(node.tag)}")
        self.report.unreadable.add(loc)

    def _mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                self.report.at(
                    loc, "merge keys (<<) are not supported; write the keys out", line=line
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.report.at(loc, "a key must be plain text", line=line)
                continue
            key = str(key_node.value)
            if key in out:
                self.report.at(
                    (*loc, key),
                    f"duplicate key {key!r} (first at line {first_line[key]})",
                    line=line,
                )
                continue
            first_line[key] = line
            self.report.lines[(*loc, key)] = line
            out[key] = self.convert(value_node, (*loc, key), depth + 1)
        return out


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml") else tag


# ---------------------------------------------------------------------------------------------
# Structure errors (pydantic), rewritten for administrators

_APPROVER_TAGS = ("role", "resolve")
_APPROVER_FORMS = (
    "an approver is one of the names committee_secretary, department_head, owner, "
    "or a role such as {role: finance} or {role: proposer, scope: department}"
)
_ENUM_NOUNS = {
    "role": "role",
    "scope": "scope",
    "category": "category",
    "committee_type": "committee type",
    "request_agenda_slot": "committee type",
}


def _report_validation(exc: ValidationError, data: Any, report: _Reporter) -> None:
    seen: set[tuple[Loc, str]] = set()
    for error in exc.errors(include_url=False, include_context=True):
        loc, message = _explain(error, data)
        if any(loc[: len(bad)] == bad for bad in report.unreadable):
            continue  # reported by the YAML pass already
        if (loc, message) not in seen:
            seen.add((loc, message))
            report.at(loc, message)


def _explain(error: Any, data: Any) -> tuple[Loc, str]:
    """Map a pydantic error to the location in the data and a readable message."""
    raw_loc: tuple[Any, ...] = tuple(error["loc"])
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")

    loc: list[Segment] = []
    node = data
    schema_loc: list[Segment] = []  # the loc without union tags, to find the model
    is_key = False
    for index, segment in enumerate(raw_loc):
        previous = raw_loc[index - 1] if index else None
        if segment in _APPROVER_TAGS and isinstance(previous, int) and index > 0:
            schema_loc.append(segment)
            if segment == "resolve" and not isinstance(node, str):
                # A mapping without 'role', or a number: not an approver in either form.
                got = f"got {_describe(node)}"
                if isinstance(node, dict) and "role" not in node:
                    got = "'role' is missing"
                return tuple(loc), f"{_APPROVER_FORMS}; {got}"
            continue
        if segment == "[key]":
            is_key = True
            continue
        schema_loc.append(segment)
        if isinstance(node, dict) and segment in node:
            node = node[segment]
            loc.append(segment)
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            node = node[segment]
            loc.append(segment)
        elif isinstance(segment, str) and kind in ("missing",) and index == len(raw_loc) - 1:
            loc.append(segment)
    field_name = next((s for s in reversed(loc) if isinstance(s, str)), "")

    if kind == "missing" and loc:
        return tuple(loc), f"required key {loc[-1]!r} is missing"
    if kind == "extra_forbidden" and loc:
        return tuple(loc), _unknown_key(str(loc[-1]), schema_loc[:-1])
    if kind in ("enum", "literal_error"):
        expected = ", ".join(re.findall(r"'([^']*)'", ctx.get("expected", "")))
        if field_name == "quorum":
            return tuple(loc), _quorum_message(value)
        if is_key:
            parent = loc[-2] if len(loc) > 1 else ""
            noun = "committee result" if parent == "results" else "key"
        elif field_name == "role" and "committee" in loc:
            noun = "consultation role"
        else:
            noun = _ENUM_NOUNS.get(field_name, "value")
        if not isinstance(value, str | int | float):
            return tuple(loc), f"expected a {noun} ({expected}), got {_describe(value)}"
        return tuple(loc), f"unknown {noun} {value!r}; known: {expected}"
    if field_name == "quorum" and kind.startswith("int"):
        return tuple(loc), _quorum_message(value)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == KEY_PATTERN:
        what = "key" if is_key else "name"
        return tuple(loc), (
            f"{value!r} is not a valid {what}: use lower-case letters a-z, digits and _, "
            "starting with a letter"
        )
    return tuple(loc), _generic_message(kind, ctx, value, error["msg"])


def _generic_message(kind: str, ctx: dict[str, Any], value: Any, fallback: str) -> str:
    if kind == "value_error":
        return str(ctx.get("error", fallback)).removeprefix("Value error, ")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {_describe(value)}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}, got {value!r}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}, got {value!r}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, got {_describe(value)}"
    if kind == "string_type":
        hint = "" if isinstance(value, dict | list) or value is None else " (quote it: '...')"
        return f"expected text, got {_describe(value)}{hint}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        if minimum == 1:
            return "must not be empty"
        return f"needs at least {minimum} entries, got {ctx.get('actual_length', 0)}"
    if kind == "list_type":
        return f"expected a list such as [a, b], got {_describe(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys and values, got {_describe(value)}"
    return fallback


def _quorum_message(value: Any) -> str:
    return f"quorum must be all, any or a whole number of at least 1, got {_describe(value)}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    return f"{value!r}"


def _unknown_key(key: str, schema_loc: list[Segment]) -> str:
    allowed = _allowed_keys(schema_loc)
    message = f"unknown key {key!r}"
    if allowed:
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        message += f" (allowed: {', '.join(allowed)})"
    return message


def _allowed_keys(schema_loc: list[Segment]) -> list[str]:
    """The keys the model at ``schema_loc`` accepts (empty if it cannot be told)."""
    current: Any = WorkflowDef
    for segment in schema_loc:
        current = _step_type(current, segment)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _step_type(tp: Any, segment: Segment) -> Any:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if segment == "role":
            return RoleApprover
        if segment == "resolve":
            return RecordApprover
        for arg in typing.get_args(tp):
            found = _step_type(arg, segment)
            if found is not None:
                return found
        return None
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, info in tp.model_fields.items():
            if segment in (name, info.alias):
                return info.annotation
        return None
    if origin is list and isinstance(segment, int):
        return typing.get_args(tp)[0]
    if origin is dict and isinstance(segment, str):
        return typing.get_args(tp)[1]
    return None


_INT_FIELDS = {"deadline_days", "order", "quorum", "max_returns"}


def _check_bools(data: Any, report: _Reporter, loc: Loc = ()) -> None:
    """Refuse ``true``/``false`` where a number belongs (pydantic would read them as 1 and 0)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _INT_FIELDS and isinstance(value, bool):
                report.at((*loc, key), f"expected a number, got {_describe(value)}")
            elif key == "reminder_days" and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, bool):
                        message = f"expected a number, got {_describe(item)}"
                        report.at((*loc, key, index), message)
            else:
                _check_bools(value, report, (*loc, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            _check_bools(item, report, (*loc, index))


# ---------------------------------------------------------------------------------------------
# Meaning: checks that need the whole definition

_M = typing.TypeVar("_M", bound=BaseModel)

# Lists whose items may be dropped to check the rest of a broken part: no check reports by
# their position after the drop (item positions are re-read from the raw data).
_PRUNABLE_LISTS = {
    "from",
    "by",
    "approvers",
    "escalate_to",
    "notify",
    "required",
    "checks",
    "reminder_days",
}


def _salvage(raw: Any, model: type[_M]) -> tuple[_M | None, set[Loc]]:
    """Validate ``raw``, dropping broken optional parts; return the model and what was dropped.

    The structure errors were reported already; this only lets the meaning checks look at the
    rest. Returns ``None`` when a required key is broken or missing.
    """
    if not isinstance(raw, dict):
        return None, set()
    data = copy.deepcopy(raw)
    pruned: set[Loc] = set()
    for _ in range(5):
        try:
            return model.model_validate(data), pruned
        except ValidationError as exc:
            locs: set[Loc] = set()
            for error in exc.errors(include_url=False):
                loc = _existing_loc(tuple(error["loc"]), data)
                # Inside an item of a prunable list: drop the whole item.
                for index in range(1, len(loc)):
                    if isinstance(loc[index], int) and loc[index - 1] in _PRUNABLE_LISTS:
                        loc = loc[: index + 1]
                        break
                else:
                    if error["type"] == "missing" or not loc or isinstance(loc[-1], int):
                        return None, pruned
                locs.add(loc)
            # Remove the deepest and the last list items first, so positions stay valid.
            for loc in sorted(locs, key=lambda x: (len(x), x), reverse=True):
                parent = data
                for segment in loc[:-1]:
                    parent = parent[segment]
                del parent[loc[-1]]
                pruned.add(loc)
    return None, pruned


def _existing_loc(raw_loc: tuple[Any, ...], data: Any) -> Loc:
    """The longest part of a pydantic ``loc`` that exists in ``data``, without union tags."""
    loc: list[Segment] = []
    node = data
    for index, segment in enumerate(raw_loc):
        if segment in _APPROVER_TAGS and index and isinstance(raw_loc[index - 1], int):
            continue
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            node = node[segment]
        else:
            break
        loc.append(segment)
    return tuple(loc)


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _is_key(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(KEY_PATTERN, value) is not None


class _SemanticChecks:
    """Checks that need the whole definition in view; run on what passed the structure check."""

    def __init__(self, data: dict[str, Any], model: WorkflowDef | None, report: _Reporter):
        self.data = data
        self.report = report
        self.pruned: dict[str, set[Loc]] = {}
        self.unknown_refs = False
        self.initial: str | None
        if model is not None:
            self.states: dict[str, StateDef] = dict(model.states)
            self.transitions: dict[str, TransitionDef] = dict(model.transitions)
            self.withdraw: WithdrawDef | None = model.withdraw
            self.initial = model.initial
            self.known = set(model.states)
            self.complete = True
            return
        # Check what can be checked; names of broken states still count as known states.
        raw_states = data.get("states")
        raw_transitions = data.get("transitions")
        raw_withdraw = data.get("withdraw")
        self.known = set(raw_states) if isinstance(raw_states, dict) else set()
        self.states = {}
        self.transitions = {}
        whole = isinstance(raw_states, dict) and isinstance(raw_transitions, dict)
        for key, raw in (raw_states or {}).items() if isinstance(raw_states, dict) else ():
            state, dropped = _salvage(raw, StateDef)
            if state is not None and _is_key(key):
                self.states[key] = state
            whole = whole and state is not None and not dropped and _is_key(key)
        if isinstance(raw_transitions, dict):
            for key, raw in raw_transitions.items():
                transition, dropped = _salvage(raw, TransitionDef)
                if transition is not None and _is_key(key):
                    self.transitions[key] = transition
                    self.pruned[key] = dropped
                whole = whole and transition is not None and not dropped and _is_key(key)
        self.withdraw, dropped = _salvage(raw_withdraw, WithdrawDef)
        whole = whole and not dropped and (raw_withdraw is None or self.withdraw is not None)
        initial = data.get("initial")
        self.initial = initial if _is_key(initial) else None
        self.complete = whole and self.initial is not None

    def run(self) -> None:
        if not self.known:
            return
        if self.initial is not None:
            self._state_ref(("initial",), self.initial)
        for key, state in self.states.items():
            self._check_state(key, state)
        for key, transition in self.transitions.items():
            self._check_transition(key, transition)
        self._check_one_approval_per_state()
        self._check_agenda_slots()
        if self.withdraw is not None:
            self._state_ref(("withdraw", "to"), self.withdraw.to)
        # An unknown state name breaks the graph: reachability and dead ends would only repeat
        # that error in other words, so they are checked once every name is right.
        if self.complete and not self.unknown_refs:
            self._check_reachable()
            self._check_dead_ends()

    # -- helpers

    def _state_ref(self, loc: Loc, state: str) -> None:
        if state not in self.known:
            self.unknown_refs = True
            known = ", ".join(sorted(self.known))
            close = difflib.get_close_matches(state, sorted(self.known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.report.at(loc, f"unknown state {state!r}; {hint}known states: {known}")

    def _raw_items(self, loc: Loc, valid: Iterable[str]) -> Iterator[tuple[Loc, str]]:
        """Yield the location and value of the text items of the raw list (or text) at ``loc``."""
        wanted = set(valid)
        raw = _get(self.data, *(str(s) for s in loc))
        if isinstance(raw, str):
            if raw.strip() in wanted:
                yield loc, raw.strip()
        elif isinstance(raw, list):
            for index, item in enumerate(raw):
                if isinstance(item, str) and item.strip() in wanted:
                    yield (*loc, index), item.strip()

    def _from_locs(self, key: str, t: TransitionDef) -> Iterator[tuple[Loc, str]]:
        return self._raw_items(("transitions", key, "from"), t.from_)

    # -- the checks

    def _check_state(self, key: str, state: StateDef) -> None:
        loc: Loc = ("states", key)
        if state.category.is_terminal and state.deadline_days is not None:
            self.report.at(
                (*loc, "deadline_days"),
                f"state {key!r} is final (category {state.category}) and cannot have deadline_days",
            )
        if state.reminder_days and _get(self.data, "states", key, "deadline_days") is None:
            self.report.at(
                (*loc, "reminder_days"),
                "reminder_days needs deadline_days (reminders count back from the deadline)",
            )
        raw_actions = _get(self.data, "states", key, "on_enter") or []
        for index, action in enumerate(state.on_enter):
            raw = raw_actions[index]  # actions are never dropped, so positions agree
            if not action.notify and action.request_agenda_slot is None and not any(raw.values()):
                self.report.at(
                    (*loc, "on_enter", index),
                    "an on_enter action needs notify or request_agenda_slot",
                )

    def _check_transition(self, key: str, t: TransitionDef) -> None:
        loc: Loc = ("transitions", key)
        for from_loc, state in self._from_locs(key, t):
            self._state_ref(from_loc, state)
        if t.to is not None:
            self._state_ref((*loc, "to"), t.to)
        self._check_kind(key, t)
        if t.approval is not None:
            self._check_approval(key, t)
        if t.committee is not None:
            for result, target in t.committee.results.items():
                self._state_ref((*loc, "committee", "results", str(result)), target)
        self._check_guards(key, t)

    def _check_approval(self, key: str, t: TransitionDef) -> None:
        assert t.approval is not None
        approval = t.approval
        aloc: Loc = ("transitions", key, "approval")
        raw_approval = _get(self.data, "transitions", key, "approval")
        self._state_ref((*aloc, "reject_to"), approval.reject_to)
        if approval.return_to is not None:
            self._state_ref((*aloc, "return_to"), approval.return_to)
        elif approval.max_returns is not None and _get(raw_approval, "return_to") is None:
            self.report.at((*aloc, "max_returns"), "max_returns needs return_to")
        first_step: dict[str, int] = {}
        raw_steps = _get(raw_approval, "steps")
        for index, step in enumerate(approval.steps):
            sloc: Loc = (*aloc, "steps", index)
            raw_step = raw_steps[index]  # steps are never dropped, so positions agree
            if step.key in first_step:
                self.report.at(
                    (*sloc, "key"),
                    f"duplicate step key {step.key!r} (first at steps[{first_step[step.key]}])",
                )
            else:
                first_step[step.key] = index
            raw_approvers = _get(raw_step, "approvers")
            count = len(raw_approvers) if isinstance(raw_approvers, list) else len(step.approvers)
            if isinstance(step.quorum, int) and step.quorum > count:
                noun = "approver" if count == 1 else "approvers"
                self.report.at(
                    (*sloc, "quorum"),
                    f"quorum {step.quorum} is impossible with {count} {noun}",
                )
            if step.escalate_to and _get(raw_step, "deadline_days") is None:
                self.report.at(
                    (*sloc, "escalate_to"),
                    "escalate_to needs deadline_days (escalation happens when it has passed)",
                )

    def _check_kind(self, key: str, t: TransitionDef) -> None:
        loc: Loc = ("transitions", key)
        dropped = self.pruned.get(key, set())
        if {("by",), ("to",), ("approval",), ("committee",)} & dropped or (
            not t.by and any(d[0] == "by" for d in dropped)
        ):
            return  # a broken part was left out; its error was reported already
        if t.approval is not None and t.committee is not None:
            self.report.at(
                (*loc, "committee"),
                "a transition has either an approval or a committee, not both; "
                "split it into two transitions",
            )
        elif t.approval is not None:
            if t.by:
                self.report.at(
                    (*loc, "by"),
                    "an approval transition starts when the measure enters its state; "
                    "remove 'by' (the approvers are listed in the steps)",
                )
            if t.to is None:
                self.report.at(
                    (*loc, "approval"),
                    "an approval transition needs 'to': where the measure goes once the last "
                    "step has approved",
                )
        elif t.committee is not None:
            if t.to is not None:
                self.report.at(
                    (*loc, "to"),
                    "a committee transition leads to the states in committee.results; remove 'to'",
                )
            if t.by:
                self.report.at(
                    (*loc, "by"),
                    "a committee transition fires when the committee's result is recorded; "
                    "remove 'by'",
                )
        elif not t.by or t.to is None:
            missing = [f"'{name}'" for name, value in (("by", t.by), ("to", t.to)) if not value]
            verb = "are" if len(missing) > 1 else "is"
            self.report.at(
                loc,
                "a transition is started by hand ('by' and 'to'), by an approval chain "
                f"('approval' and 'to') or by a committee ('committee'); "
                f"{' and '.join(missing)} {verb} missing",
            )

    def _check_guards(self, key: str, t: TransitionDef) -> None:
        gloc: Loc = ("transitions", key, "guards")
        unknown = [n for n in t.guards.required if n not in REQUIRABLE_FIELDS]
        for loc, name in self._raw_items((*gloc, "required"), unknown):
            known = ", ".join(REQUIRABLE_FIELDS)
            self.report.at(loc, f"unknown field {name!r}; fields that can be required: {known}")
        if t.guards.checks:
            checks = registered_checks()
            unknown = [n for n in t.guards.checks if n not in checks]
            for loc, name in self._raw_items((*gloc, "checks"), unknown):
                known = ", ".join(checks) or "none"
                self.report.at(loc, f"unknown check {name!r}; registered checks: {known}")

    def _check_one_approval_per_state(self) -> None:
        first: dict[str, str] = {}
        for key, t in self.transitions.items():
            if t.approval is None:
                continue
            for from_loc, state in self._from_locs(key, t):
                if first.setdefault(state, key) != key:
                    self.report.at(
                        from_loc,
                        f"state {state!r} already opens the approval {first[state]!r}; "
                        "only one approval transition may leave a state",
                    )

    def _check_agenda_slots(self) -> None:
        """A committee transition needs its state to ask for a session of its committee type
        (the measure is offered for that committee's agenda), once per type and state; a state
        that asks for a session needs a committee transition of that type to leave it."""
        waiting: dict[tuple[str, str], str] = {}
        for key, t in self.transitions.items():
            if t.committee is None:
                continue
            ctype = t.committee.committee_type.value
            for from_loc, state in self._from_locs(key, t):
                if state not in self.states:
                    continue  # reported as an unknown state
                first = waiting.setdefault((state, ctype), key)
                if first != key:
                    self.report.at(
                        from_loc,
                        f"state {state!r} already waits for a {ctype} committee in "
                        f"transition {first!r}; one committee transition per committee type "
                        "may leave a state",
                    )
                    continue
                slots = {a.request_agenda_slot for a in self.states[state].on_enter}
                if t.committee.committee_type not in slots:
                    self.report.at(
                        from_loc,
                        f"state {state!r} is left by the committee transition {key!r} but does "
                        f"not ask for a session: add 'on_enter: [{{request_agenda_slot: "
                        f"{ctype}}}]' to the state, so that the measure is offered for the "
                        "agenda",
                    )
        for state_key, state in self.states.items():
            for index, action in enumerate(state.on_enter):
                ctype = action.request_agenda_slot
                if ctype is not None and (state_key, ctype.value) not in waiting:
                    self.report.at(
                        ("states", state_key, "on_enter", index, "request_agenda_slot"),
                        f"state {state_key!r} asks for a session of a {ctype.value} committee, "
                        f"but no committee transition of that type leaves it",
                    )

    def _targets(self, t: TransitionDef) -> list[str]:
        out = [t.to] if t.to else []
        if t.approval is not None:
            out.append(t.approval.reject_to)
            if t.approval.return_to:
                out.append(t.approval.return_to)
        if t.committee is not None:
            out.extend(t.committee.results.values())
        return out

    def _check_reachable(self) -> None:
        if self.initial not in self.states:
            return
        seen = {self.initial}
        queue = deque([self.initial])
        while queue:
            state = queue.popleft()
            targets = [
                target
                for t in self.transitions.values()
                if state in t.from_
                for target in self._targets(t)
            ]
            if self.withdraw is not None and not self.states[state].category.is_terminal:
                targets.append(self.withdraw.to)
            for target in targets:
                if target in self.states and target not in seen:
                    seen.add(target)
                    queue.append(target)
        for key in self.states:
            if key not in seen:
                self.report.at(
                    ("states", key),
                    f"state {key!r} cannot be reached from {self.initial!r}",
                )

    def _check_dead_ends(self) -> None:
        leaving = {state for t in self.transitions.values() for state in t.from_}
        for key, state in self.states.items():
            if not state.category.is_terminal and key not in leaving:
                self.report.at(
                    ("states", key),
                    f"dead end: state {key!r} (category {state.category}) has no transition "
                    "leaving it",
                )
