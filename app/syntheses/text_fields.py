"""The editorial texts of the workspace as the page shows them (typed, stored, or in conflict)
and as its autosave script gets them back (JSON)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, jsonify

from app.clock import PARIS
from app.forms import plain_text
from app.french import datetime_label, time_label
from app.syntheses import editing
from app.syntheses.models import Synthesis

TOO_LONG = (f"Ce texte dépasse {editing.TEXT_LIMIT:,} caractères : raccourcissez-le."
            .replace(",", " "))


@dataclass(frozen=True)
class Shown:
    """What one text field holds: ``value`` in the field, and the ``version`` and ``base`` the
    next save is based on; ``conflict``: the colleague's text, shown beside the person's."""

    key: int
    value: str
    version: int
    base: str
    stored: editing.Stored
    conflict: editing.Stored | None = None


def edit(key: int, text: str, version: str | None, base: str | None) -> editing.Edit:
    """A text as a form or the script sent it (a version that is not a number counts as not
    given)."""
    number = int(version) if version and version.isdigit() and len(version) < 10 else None
    return editing.Edit(key, plain_text(text, editing.TEXT_LIMIT + 1), number,
                        (base or "")[:64] or None)


def shown(synthesis: Synthesis, key: int, sent: editing.Edit | None,
          conflicts: dict[int, editing.Stored]) -> Shown:
    """A text the person did not type in shows what is stored; one in conflict keeps the
    person's text, based on the colleague's version (saving again replaces it, knowingly); one
    refused for another reason (expired page, too long) keeps the person's text and base."""
    stored = editing.stored(synthesis, key)
    if sent is None or sent.text == stored.text or (  # untouched, or typed back as stored
            sent.base is not None and editing.digest(sent.text) == sent.base):
        return Shown(key, stored.text, stored.version, stored.base, stored)
    if key in conflicts:
        return Shown(key, sent.text, stored.version, stored.base, stored, conflicts[key])
    return Shown(key, sent.text, stored.version if sent.version is None else sent.version,
                 sent.base or stored.base, stored)


def editor_label(text: editing.Stored) -> str:
    """« par Claire Martin, jeudi 3 novembre 2022 à 14 h 30 » (Paris time)."""
    who = f"par {text.updated_by.name}" if text.updated_by else "par un autre compte"
    when = (f", {datetime_label(text.updated_at.astimezone(PARIS))}"
            if text.updated_at else "")
    return who + when


def conflict_message(text: editing.Stored) -> str:
    return (f"Ce texte a été enregistré {editor_label(text)}, pendant que vous écriviez : "
            "votre texte n’est pas enregistré. Il reste dans le champ ; reprenez-y ce qui doit "
            "l’être de l’autre version, puis enregistrez : votre texte remplacera alors "
            "l’autre.")


def answer(status: str, code: int = 200, **values: object) -> tuple[Response, int]:
    response = jsonify(status=status, **values)
    response.cache_control.no_store = True
    return response, code


def saved_answer(stored: editing.Stored, sent: editing.Edit) -> tuple[Response, int]:
    """Saved (or unchanged): the version and base the next save starts from, and the time."""
    if stored.text != sent.text:  # sent back untouched: still based on what the page had
        return answer("saved", version=sent.version, base=sent.base, saved_at=None)
    moment = stored.updated_at
    return answer("saved", version=stored.version, base=stored.base,
                  saved_at=time_label(moment.astimezone(PARIS).time()) if moment else None)


def conflict_answer(stored: editing.Stored) -> tuple[Response, int]:
    return answer("conflict", 409, version=stored.version, base=stored.base,
                  theirs=stored.text, editor=editor_label(stored),
                  message=conflict_message(stored))
