"""The current time, in one place, so a deployment or a test can freeze it (CONCERTO_NOW)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app, has_app_context

from app.french import PARIS  # the zone of every time a person reads


def now() -> datetime:
    """The current moment, aware, in UTC."""
    return now_in(current_app.config if has_app_context() else {})


def now_in(config: Mapping[str, Any]) -> datetime:
    """now() under ``config``, for a caller outside any app context (app.front_cache)."""
    frozen = config.get("CONCERTO_NOW")
    if frozen:
        moment = datetime.fromisoformat(frozen)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=PARIS)
        return moment.astimezone(UTC)
    return datetime.now(UTC)


def today() -> date:
    """Today's date in metropolitan France, where the concertations take place."""
    return now().astimezone(PARIS).date()


def wall_now() -> datetime:
    """The real moment, never frozen: for what runs the machinery (leases, retries, working
    files), which a demonstration's frozen date must not stop."""
    return datetime.now(UTC)
