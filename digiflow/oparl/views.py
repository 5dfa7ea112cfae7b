"""The OParl 1.1 read API under /oparl/v1 (blueprint ``oparl``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("oparl", __name__, url_prefix="/oparl/v1")
