"""Jinja filters and globals: French dates, branding, permissions."""

from __future__ import annotations

from flask import Flask, current_app
from flask_login import current_user

from app import clock, french, markdown, policy
from app.campaigns.models import CALENDAR_STATES, Step
from app.participants import category_label


def step_when(step: Step) -> str:
    """The step's date as a sentence: « vendredi 4 novembre 2022, de 10 h à 16 h »."""
    if step.day is None:  # Schedule.UNKNOWN
        return "Date à venir (en cours de programmation)"
    text = french.day_label(step.day)
    if step.start_time is not None:  # Schedule.TIMED
        start = french.time_label(step.start_time)
        if step.end_time:
            return f"{text}, de {start} à {french.time_label(step.end_time)}"
        return f"{text}, à {start}"
    return text


def init_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(french.day_label, "day")
    app.add_template_filter(french.time_label, "hour")
    app.add_template_filter(french.datetime_label, "moment")
    app.add_template_filter(french.number_label, "number")
    app.add_template_filter(step_when, "when")
    app.add_template_filter(french.timespan, "timespan")
    app.add_template_filter(french.size_label, "filesize")
    app.add_template_global(french.month_label, "month_label")
    app.add_template_global(french.plural, "plural")
    app.jinja_env.globals.update(states=CALENDAR_STATES, paris=clock.PARIS)  # values, not functions
    # Organisers' Markdown (reports, syntheses), rendered with raw HTML escaped.
    app.add_template_global(markdown.to_html, "markdown")
    app.add_template_global(category_label, "category_label")

    @app.context_processor
    def _globals() -> dict:
        config = current_app.config
        return {
            "brand": {
                "state": config["BRAND_STATE"],
                "operator": config["BRAND_OPERATOR"],
                "operator_long": config["BRAND_OPERATOR_LONG"],
                "site_name": config["BRAND_SITE_NAME"],
                "tagline": config["BRAND_TAGLINE"],
                "contact_email": config["BRAND_CONTACT_EMAIL"],
            },
            "today": clock.today(),
            "can": lambda action, obj=None: policy.can(current_user, action, obj),
        }
