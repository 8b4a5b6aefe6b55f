"""Calendar publishing: iCalendar invites and feeds, add-to-calendar links."""
