"""The jobs a worker knows, by name. Each runs in an app context and commits its own work;
each may run twice (a retry, a sweep after a lost job) without doing it twice."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# name -> "module:function", imported when first run (a worker loads only what it runs).
TASKS: dict[str, str] = {
    "mail.deliver": "app.mail_delivery:deliver",
    "mail.sweep": "app.mail_delivery:sweep",
    "registrations.reminders": "app.registrations.services:send_reminders",
    "privacy.purge": "app.privacy.retention:purge_personal_data",
    "storage.purge_imports": "app.contributions.imports:purge_expired_imports",
    "documents.build": "app.documents.services:build",
    "documents.sweep": "app.documents.services:sweep",
    "documents.purge": "app.documents.services:purge",
}


def resolve(task: str) -> Callable[..., Any]:
    module, _, function = TASKS[task].partition(":")
    return getattr(importlib.import_module(module), function)


def run(task: str, *args: Any) -> Any:
    """Run a job in the current app context, leaving no session behind."""
    from app.extensions import db

    try:
        return resolve(task)(*args)
    finally:
        db.session.remove()
