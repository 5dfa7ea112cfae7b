"""The workflows digiflow knows: the files in ``workflows/`` and their stored versions.

A file's content is stored in ``workflow_definitions`` the first time a measure needs it; the
same content is always the same version, a changed file becomes the next version. A measure keeps
the version it started on, so a change of a file never strands a running measure.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from digiflow.core.db import db
from digiflow.core.errors import DomainError
from digiflow.core.workflow.definition import WorkflowDef
from digiflow.core.workflow.loader import (
    DefinitionError,
    LoadedDefinition,
    WorkflowInvalid,
    load_directory,
    parse_definition,
)
from digiflow.core.workflow.models import StoredWorkflow


class WorkflowRegistry:
    """Definitions from one folder, parsed once per process, and their stored versions."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._files: dict[str, LoadedDefinition] | None = None
        self._errors: list[DefinitionError] = []
        self._parsed: dict[str, WorkflowDef] = {}  # by content hash

    def reload(self) -> None:
        """Forget what was read, so the next access reads the folder again."""
        with self._lock:
            self._files = None
            self._errors = []

    def _load(self) -> dict[str, LoadedDefinition]:
        with self._lock:
            if self._files is None:
                self._files, self._errors = load_directory(self.directory)
                for loaded in self._files.values():
                    self._parsed.setdefault(loaded.content_hash, loaded.definition)
            return self._files

    @property
    def errors(self) -> list[DefinitionError]:
        """The errors of the files that could not be loaded (they are left out)."""
        self._load()
        return list(self._errors)

    def names(self) -> list[str]:
        return sorted(self._load())

    def file_definition(self, name: str) -> LoadedDefinition:
        """Return the current file's definition of ``name``."""
        files = self._load()
        if name not in files:
            raise DomainError(
                f"Der Ablauf {name!r} ist nicht vorhanden oder fehlerhaft.",
                f"The workflow {name!r} does not exist or is invalid.",
            )
        return files[name]

    def current(self, name: str) -> StoredWorkflow:
        """Return the stored version of the current file of ``name``, storing it if new."""
        loaded = self.file_definition(name)
        stored = db.session.scalar(
            sa.select(StoredWorkflow).where(StoredWorkflow.content_hash == loaded.content_hash)
        )
        if stored is not None:
            return stored
        latest = db.session.scalar(
            sa.select(sa.func.max(StoredWorkflow.version)).where(StoredWorkflow.name == name)
        )
        stored = StoredWorkflow(
            name=name,
            version=(latest or 0) + 1,
            content_hash=loaded.content_hash,
            source=loaded.source,
        )
        try:
            with db.session.begin_nested():
                db.session.add(stored)
        except sa.exc.IntegrityError:
            # another process stored the same content at the same moment
            stored = db.session.scalars(
                sa.select(StoredWorkflow).where(StoredWorkflow.content_hash == loaded.content_hash)
            ).one()
        return stored

    def definition(self, stored: StoredWorkflow) -> WorkflowDef:
        """Return the parsed definition of a stored version (parsed once per process)."""
        parsed = self._parsed.get(stored.content_hash)
        if parsed is None:
            try:
                parsed = parse_definition(stored.source, f"{stored.name} v{stored.version}")
            except WorkflowInvalid as exc:  # pragma: no cover - stored versions were valid
                raise RuntimeError(f"stored workflow {stored!r} no longer parses: {exc}") from exc
            with self._lock:
                self._parsed[stored.content_hash] = parsed
        return parsed


def registry() -> WorkflowRegistry:
    """Return the current app's workflow registry."""
    return current_app.extensions["digiflow.workflows"]
