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

#: sender: the Meeting; kwargs: actor
meeting_planned = _signals.signal("meeting-planned")
#: sender: the Meeting; kwargs: actor, old_starts_at (the moment before), reason
meeting_rescheduled = _signals.signal("meeting-rescheduled")
#: sender: the Meeting; kwargs: actor, reason
meeting_cancelled = _signals.signal("meeting-cancelled")
#: sender: the Meeting; kwargs: actor, urgent_reason
meeting_invited = _signals.signal("meeting-invited")
#: sender: the Meeting; kwargs: actor (attendance recorded, results recorded, minutes)
meeting_changed = _signals.signal("meeting-changed")
#: sender: the AgendaItem; kwargs: actor, on_behalf_of
agenda_result_recorded = _signals.signal("agenda-result-recorded")
#: sender: the ResolutionTask; kwargs: actor
resolution_changed = _signals.signal("resolution-changed")
