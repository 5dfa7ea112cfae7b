"""Languages: German first (the message ids are German), English per user.

Translations live as one ``.po`` fragment per module in ``digiflow/i18n/en/``; they are
compiled into ``digiflow/translations/en/LC_MESSAGES/messages.mo`` by ``flask i18n compile``
(``make install`` does it). German needs no catalog.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_DIR = Path(__file__).resolve().parent
OUTPUT_DIR = SOURCE_DIR.parent / "translations"
LANGUAGES = ("de", "en")


def merged_catalog(language: str = "en", source_dir: Path = SOURCE_DIR) -> Catalog:
    """Merge every fragment of ``language`` into one catalog; a msgid twice must agree."""
    merged = Catalog(locale=language, domain="messages")
    for path in sorted((source_dir / language).glob("*.po")):
        with path.open("rb") as handle:
            fragment = read_po(handle, locale=language)
        for message in fragment:
            if not message.id:
                continue
            existing = merged.get(message.id, message.context)
            if existing is not None and existing.string != message.string:
                raise ValueError(
                    f"{path.name}: {message.id!r} is translated differently elsewhere: "
                    f"{existing.string!r} vs {message.string!r}"
                )
            merged.add(message.id, message.string, context=message.context)
    return merged


def compile_catalogs(source_dir: Path = SOURCE_DIR, output_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Write ``messages.mo`` for every language with fragments; return the files written."""
    written = []
    for language_dir in sorted(p for p in source_dir.iterdir() if p.is_dir()):
        catalog = merged_catalog(language_dir.name, source_dir)
        target = output_dir / language_dir.name / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(target)
    return written
