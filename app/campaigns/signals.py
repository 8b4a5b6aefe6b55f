"""Signals other domains listen to, so steps need not know who cares about their changes."""

from blinker import Namespace

_signals = Namespace()

#: Sent after a public step's calendar entry changed and was committed. Sender: the Step.
#: Keyword ``change``: "scheduled" (got a date or was published with one), "moved" (date, time
#: or place changed), "unscheduled" (back to "date à venir") or "cancelled".
step_calendar_changed = _signals.signal("step-calendar-changed")

#: Sent after a step's capacity changed and was committed. Sender: the Step.
step_capacity_changed = _signals.signal("step-capacity-changed")
