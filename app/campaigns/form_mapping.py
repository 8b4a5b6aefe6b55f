"""Between a Step and the values of its forms: local times, enums, precision."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.campaigns.forms import StepForm
from app.campaigns.models import Step, StepFormat
from app.campaigns.services import EDITABLE_FIELDS

LOCAL_DATETIME_FIELDS = ("registration_opens_at", "registration_closes_at")


def _to_local_naive(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if value is None else value.astimezone(tz).replace(tzinfo=None)


def _to_aware(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if value is None else value.replace(tzinfo=tz)


def schedule_data(step: Step) -> dict[str, Any]:
    return {"schedule": step.schedule.value, "day": step.day, "start_time": step.start_time,
            "end_time": step.end_time}


def step_form_data(step: Step) -> dict[str, Any]:
    """Initial values of the edit form, with datetimes in the step's own timezone."""
    data = {field: getattr(step, field) for field in EDITABLE_FIELDS}
    data.update(schedule_data(step))
    data["format"] = step.format.value
    for field in LOCAL_DATETIME_FIELDS:
        data[field] = _to_local_naive(getattr(step, field), step.tz)
    return data


def step_values(form: StepForm, tz: ZoneInfo) -> dict[str, Any]:
    """Model values from a validated step form."""
    values = form.payload()
    values.pop("schedule")
    values.update(form.schedule_values())
    values["format"] = StepFormat(values["format"])
    for field in LOCAL_DATETIME_FIELDS:
        values[field] = _to_aware(values[field], tz)
    values["meeting_url"] = values["meeting_url"] or ""
    return values

