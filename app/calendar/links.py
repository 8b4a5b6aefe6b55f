"""« Ajouter à mon agenda »: links for Google Calendar, Outlook and calendar subscriptions."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from app.calendar.ical import day_span, in_calendars, timed_span
from app.campaigns.models import Schedule, Step
from app.urls import absolute_url, webcal


def _google_dates(step: Step) -> str:
    if step.schedule is Schedule.TIMED:
        return "/".join(moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
                        for moment in timed_span(step))
    day, day_after = day_span(step)  # only dated steps have links (in_calendars)
    return f"{day:%Y%m%d}/{day_after:%Y%m%d}"


def google_calendar_url(step: Step, page_url: str) -> str:
    query = {"action": "TEMPLATE", "text": step.title, "dates": _google_dates(step),
             "details": page_url, "location": step.place, "ctz": step.timezone}
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_url(step: Step, page_url: str) -> str:
    if step.schedule is Schedule.TIMED:
        start, end = timed_span(step)
        start_text, end_text, all_day = start.isoformat(), end.isoformat(), "false"
    else:
        day, day_after = day_span(step)  # only dated steps have links (in_calendars)
        start_text, end_text, all_day = day.isoformat(), day_after.isoformat(), "true"
    query = {"path": "/calendar/action/compose", "rru": "addevent", "subject": step.title,
             "startdt": start_text, "enddt": end_text, "allday": all_day, "body": page_url,
             "location": step.place}
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(query)


def step_links(step: Step) -> dict[str, str] | None:
    """Download, Google and Outlook links for a dated public step; None otherwise."""
    if not in_calendars(step):
        return None
    page_url = absolute_url("campaigns.step_page", step_id=step.id)
    return {"ics": absolute_url("calendar.step_ics", step_id=step.id),
            "google": google_calendar_url(step, page_url),
            "outlook": outlook_url(step, page_url)}


def feed_links(endpoint: str, name: str, **values: object) -> dict[str, str]:
    """https and webcal links of a feed, and the subscribe links of Google and Outlook."""
    https = absolute_url(endpoint, **values)
    return {
        "name": name,
        "https": https,
        "webcal": webcal(https),
        "google": "https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal(https)}),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
                   + urlencode({"url": https, "name": name}),
    }
