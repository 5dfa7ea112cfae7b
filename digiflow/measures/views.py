"""Pages of one measure: detail, form and workflow actions."""

from __future__ import annotations

from digiflow.measures.blueprint import bp

__all__ = ["bp"]
