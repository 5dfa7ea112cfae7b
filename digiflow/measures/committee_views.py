"""The measure page's panel "Beratung in den Gremien".

Committee results are recorded in sessions only (``digiflow.committees.session``); the measure
page shows the measure's papers with their consultation sequence, whether the measure waits for
a committee's session (and is on an agenda already), and the session and votes of each
committee result in its history.
"""

from __future__ import annotations

from typing import Any

from digiflow.committees.overview import Viewer, committee_panel, visible_history_items
from digiflow.measures.models import HistoryAction, HistoryEntry, Measure
from digiflow.users.models import User


def committee_context(measure: Measure, history: list[HistoryEntry], user: User) -> dict[str, Any]:
    """What the measure page shows of committees, as ``user`` may see it: ``committee_panel``
    (papers, consultations, waiting for a session) and ``history_items`` (the agenda items of
    committee results in the history whose number and votes the user may see; of the others
    only the session's date is shown)."""
    viewer = Viewer(user)
    ids: set[Any] = {
        (entry.changes or {}).get("agenda_item_id")
        for entry in history
        if entry.action == HistoryAction.committee_result
    }
    return {
        "committee_panel": committee_panel(measure, viewer),
        "history_items": visible_history_items({i for i in ids if isinstance(i, int)}, viewer),
    }


__all__ = ["committee_context"]
