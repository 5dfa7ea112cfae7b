"""Every German text marked for translation has an English translation."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir

from digiflow.i18n import merged_catalog
from tests.conftest import PROJECT_ROOT

KEYWORDS = {
    "_": None,
    "gettext": None,
    "_l": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
}
METHODS = [
    ("digiflow/**.py", "python"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
    ("templates/**.txt", "jinja2.ext:babel_extract"),
]


def extracted_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path, lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT),
        METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}},
    ):
        if path.startswith((".venv", "tests")):
            continue
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, f"{path}:{lineno}")
    return found


def test_every_marked_text_has_an_english_translation():
    catalog = merged_catalog("en")
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in sorted(extracted_messages().items(), key=lambda kv: kv[1])
        if not (catalog.get(msgid) and catalog.get(msgid).string)
    ]
    assert not missing, "untranslated (add to digiflow/i18n/en/*.po):\n" + "\n".join(missing)


def test_english_pages_are_english(client, auth, app_ctx):
    from digiflow.core.db import db
    from tests.factories import PASSWORD, make_user

    user = make_user(language="en", name="Ole Ostermann")
    db.session.commit()
    auth.login(user.email, PASSWORD)
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "My tasks" in html and "Meine Aufgaben" not in html
    assert "Sign out" in html
