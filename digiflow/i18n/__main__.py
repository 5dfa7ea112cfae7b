"""``python -m digiflow.i18n``: compile the translations (``make install`` runs it)."""

from digiflow.i18n import compile_catalogs

for path in compile_catalogs():
    print(f"compiled {path}")
