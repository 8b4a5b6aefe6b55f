"""Parsing served calendar files with two independent parsers."""

from __future__ import annotations

import icalendar
import vobject


def parse_both(body: bytes) -> tuple[icalendar.Calendar, object]:
    """The same file through icalendar and vobject; both must accept it."""
    with_icalendar = icalendar.Calendar.from_ical(body)
    # vobject keeps the first VTIMEZONE it meets for a TZID in a process-wide registry; a
    # calendar client reads each file on its own, so forget what earlier files defined.
    getattr(vobject.icalendar, "__tzidMap").clear()
    with_vobject = vobject.readOne(body.decode("utf-8"))
    return with_icalendar, with_vobject


def events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


def vobject_events(calendar) -> list:
    return list(getattr(calendar, "vevent_list", []))
