"""Steps as iCalendar (RFC 5545) events, feeds and iTIP (RFC 5546) invitations.

Lessons others paid for: the UID never changes (stored uuid), SEQUENCE grows with each published
change, timed events carry TZID with its VTIMEZONE (Outlook shifts times otherwise), date-only
steps are all-day events, and a step with no date yet is in no calendar file at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from app import french
from app.campaigns.models import Schedule, Step, StepStatus
from app.clock import now
from app.urls import absolute_url

PRODID = "-//Concerto//Concertations publiques en santé//FR"
REFRESH = timedelta(hours=1)


def in_calendars(step: Step) -> bool:
    """Only public steps with a date appear in calendar files."""
    return step.is_public and step.schedule is not Schedule.UNKNOWN


def one_line(text: str) -> str:
    """Titles and places are single lines in every calendar client."""
    return " ".join(text.split())


def uid(step: Step) -> str:
    return f"{step.uid}@{current_app.config['CALENDAR_UID_DOMAIN']}"


def _status(step: Step) -> str:
    if step.status is StepStatus.CANCELLED:
        return "CANCELLED"
    return "TENTATIVE" if step.schedule is Schedule.DATE_ONLY else "CONFIRMED"


def description(step: Step, url: str) -> str:
    """Plain text: presentation, questions, programme, press point, link."""
    lines = [step.description.strip()] if step.description.strip() else []
    if step.campaign.challenges:
        lines += ["", "Les questions en débat :"]
        lines += [f"- {c.title} : {c.description}" for c in step.campaign.challenges]
    if step.agenda_items:
        lines += ["", "Programme :"]
        for item in step.agenda_items:
            when = french.timespan(item)
            lines.append(f"- {when + ' : ' if when else ''}{item.title}")
    if step.press_point_time:
        lines += ["", f"Point presse à {french.time_label(step.press_point_time)}."]
    lines += ["", f"Informations et inscription : {url}"]
    return "\n".join(lines).strip()


def timed_span(step: Step) -> tuple[datetime, datetime]:
    """A timed step's start and end (an hour after its start when it gives no end)."""
    start = step.starts_at
    if start is None:
        raise ValueError(f"Step {step.id} has no start time")
    return start, step.ends_at or start + timedelta(hours=1)


def day_span(step: Step) -> tuple[date, date]:
    """A dated step's day and the day after, where calendars end an all-day event."""
    if step.day is None:
        raise ValueError(f"Step {step.id} has no date")
    return step.day, step.day + timedelta(days=1)


def step_event(step: Step, attendee: tuple[str, str] | None = None) -> Event:
    """One VEVENT for a dated public step. ``attendee`` = (name, email) for an invitation."""
    url = absolute_url("campaigns.step_page", step_id=step.id)
    event = Event()
    event.add("uid", uid(step))
    event.add("dtstamp", step.updated_at)
    event.add("last-modified", step.updated_at)
    event.add("created", step.created_at)
    event.add("sequence", step.sequence)
    event.add("summary", one_line(step.title))
    if step.place:
        event.add("location", one_line(step.place))
    event.add("description", description(step, url).replace("\r\n", "\n").replace("\r", "\n"))
    event.add("url", url)
    event.add("status", _status(step))
    event.add("transp", "OPAQUE")
    config = current_app.config
    organizer = vCalAddress(f"mailto:{config['BRAND_CONTACT_EMAIL']}")
    organizer.params["cn"] = vText(config["BRAND_OPERATOR"])
    event.add("organizer", organizer)
    if attendee:
        name, email = attendee
        address = vCalAddress(f"mailto:{email}")
        address.params.update({"cn": vText(name), "role": "NON-PARTICIPANT",
                               "partstat": "NEEDS-ACTION", "rsvp": "FALSE"})
        event.add("attendee", address)
    if step.schedule is Schedule.TIMED:
        start, end = timed_span(step)
        event.add("dtstart", start)
        event.add("dtend", end)
    elif step.schedule is Schedule.DATE_ONLY:
        day, day_after = day_span(step)
        event.add("dtstart", day)
        event.add("dtend", day_after)
    # A step back to "date à venir" has no date: only its cancellation is ever sent.
    return event


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def feed(steps: Iterable[Step], name: str) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH); cancelled steps stay in it as CANCELLED."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", one_line(name))
    calendar.add("x-wr-timezone", current_app.config["DEFAULT_TIMEZONE"])
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    dated = [step for step in steps if in_calendars(step)]
    for step in dated:
        calendar.add_component(step_event(step))
    _add_timezones(calendar, dated)
    return calendar.to_ical()


def _add_timezones(calendar: Calendar, steps: list[Step]) -> None:
    """VTIMEZONEs for the TZIDs used, with transitions around the events' years only (the
    default, 1970-2038, weighs several kilobytes per zone)."""
    days = [step.day for step in steps if step.day]
    if days:
        calendar.add_missing_timezones(first_date=date(min(days).year - 1, 1, 1),
                                       last_date=date(max(days).year + 2, 1, 1))


def single(step: Step) -> bytes:
    """One step's file, to download or open."""
    return feed([step], step.title)


def invitation(step: Step, name: str, email: str, withdrawn: bool = False) -> tuple[bytes, str]:
    """An iTIP message for one attendee: (file, method). A step cancelled, back to "date à
    venir", or no longer followed (``withdrawn``) is a CANCEL: calendar clients then remove the
    entry they hold under that UID."""
    withdrawn = (withdrawn or step.status is StepStatus.CANCELLED
                 or step.schedule is Schedule.UNKNOWN)
    method = "CANCEL" if withdrawn else "REQUEST"
    calendar = _calendar(method)
    event = step_event(step, attendee=(name, email))
    # In an iTIP message DTSTAMP is when the message was made: with the same SEQUENCE, a later
    # DTSTAMP tells the client this message supersedes the previous one.
    del event["dtstamp"]
    event.add("dtstamp", now())
    if withdrawn:
        event["status"] = "CANCELLED"
    calendar.add_component(event)
    _add_timezones(calendar, [step])
    return calendar.to_ical(), method
