"""Named signals for domain events; handlers live in the modules that react to them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the Measure; kwargs: actor, history (the HistoryEntry)
measure_created = _signals.signal("measure-created")
#: sender: the Measure; kwargs: from_state, to_state, transition, actor, on_behalf_of, history
measure_state_changed = _signals.signal("measure-state-changed")
#: sender: the ApprovalTask; kwargs: decision (ApprovalDecision)
approval_decided = _signals.signal("approval-decided")
#: sender: the ApprovalTask that was opened
approval_opened = _signals.signal("approval-opened")
