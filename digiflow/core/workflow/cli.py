"""``flask workflows ...``: check workflow definitions and show them to administrators."""

from __future__ import annotations

import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from digiflow.core.workflow.definition import KEY_PATTERN
from digiflow.core.workflow.loader import (
    SUFFIXES,
    DefinitionError,
    LoadedDefinition,
    WorkflowInvalid,
    load_directory,
    load_file,
)
from digiflow.core.workflow.render import describe, mermaid

workflows_cli = AppGroup(
    "workflows",
    help="Check and show the workflow definitions (the files in WORKFLOWS_DIR).",
)


def _workflows_dir() -> Path:
    return Path(current_app.config["WORKFLOWS_DIR"])


def _load(path: Path) -> tuple[list[LoadedDefinition], list[DefinitionError]]:
    if path.is_dir():
        loaded, errors = load_directory(path)
        return list(loaded.values()), errors
    if not path.exists():
        return [], [DefinitionError(str(path), None, "", "no such file or folder")]
    try:
        return [load_file(path)], []
    except WorkflowInvalid as exc:
        return [], exc.errors


@workflows_cli.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def check_command(path: Path | None) -> None:
    """Check the definition file or folder PATH (default: WORKFLOWS_DIR).

    Prints every error as FILE:LINE: PATH: MESSAGE and exits with status 1 if there is any.
    """
    target = path if path is not None else _workflows_dir()
    loaded, errors = _load(target)
    for definition in loaded:
        d = definition.definition
        click.echo(
            f"OK {definition.name} ({definition.path}): {len(d.states)} states, "
            f"{len(d.transitions)} transitions, version {definition.content_hash[:12]}"
        )
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        files = len({error.file for error in errors})
        noun = "error" if len(errors) == 1 else "errors"
        click.echo(f"{len(errors)} {noun} in {files} file(s)", err=True)
        raise SystemExit(1)


@workflows_cli.command("show")
@click.argument("name")
@click.option(
    "--language",
    type=click.Choice(["de", "en"]),
    default="de",
    show_default=True,
    help="Language of the labels.",
)
@click.option(
    "--mermaid-only",
    is_flag=True,
    help="Print only the Mermaid diagram, without the ``` fence (e.g. to pipe it into mmdc).",
)
def show_command(name: str, language: str, mermaid_only: bool) -> None:
    """Describe the workflow NAME from WORKFLOWS_DIR and draw it as a Mermaid state diagram."""
    folder = _workflows_dir()
    files = (
        [folder / f"{name}{suffix}" for suffix in SUFFIXES]
        if re.fullmatch(KEY_PATTERN, name)
        else []
    )
    existing = [f for f in files if f.is_file()]
    if not existing:
        known = sorted(
            p.stem for p in folder.glob("*") if p.suffix in SUFFIXES and not p.name.startswith(".")
        )
        click.echo(
            f"Unknown workflow {name!r} in {folder}; known: {', '.join(known) or 'none'}",
            err=True,
        )
        raise SystemExit(1)
    loaded, errors = _load(existing[0])
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        raise SystemExit(1)
    definition = loaded[0].definition
    diagram = mermaid(definition, language=language)
    if mermaid_only:
        click.echo(diagram, nl=False)
        return
    click.echo(describe(definition, language=language))
    click.echo(f"```mermaid\n{diagram}```")
