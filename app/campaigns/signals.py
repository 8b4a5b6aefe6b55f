"""Signals other domains listen to, so steps need not know who cares about their changes."""

from blinker import Namespace

_signals = Namespace()

#: Sent after a public step's calendar entry changed, before the commit (the mails it causes
#: commit with the change). Sender: the Step. Keyword ``change``: "scheduled" (got a date or
#: was published with one), "moved" (date, time or place changed), "unscheduled" (back to
#: "date à venir") or "cancelled"; ``previous``: the schedule before a change of date
#: (notices.schedule_snapshot), else None. A receiver that mails people returns
#: (audience, number of mails it queued), audience being a field of notices.Recipients.
step_calendar_changed = _signals.signal("step-calendar-changed")

#: Sent to foresee step_calendar_changed: how many mails a ``change`` of the step would queue
#: now, with the same (audience, number) answers, counted by the same rules; nothing is
#: written.
step_recipients_counted = _signals.signal("step-recipients-counted")

#: Sent after a step's capacity changed and was committed. Sender: the Step.
step_capacity_changed = _signals.signal("step-capacity-changed")
