"""French formatting of dates, times and numbers, without a locale database; French words
compared without case nor accents."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

# Every time a person reads is in Paris time (the ARS's); stored times are UTC.
PARIS = ZoneInfo("Europe/Paris")

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def day_label(value: date, weekday: bool = True) -> str:
    """« vendredi 4 novembre 2022 »; the 1st of a month is « 1er »."""
    number = "1er" if value.day == 1 else str(value.day)
    text = f"{number} {MONTHS[value.month - 1]} {value.year}"
    return f"{WEEKDAYS[value.weekday()]} {text}" if weekday else text


def month_label(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def time_label(value: time) -> str:
    """« 10 h », « 10 h 30 »."""
    return f"{value.hour} h" if value.minute == 0 else f"{value.hour} h {value.minute:02d}"


def datetime_label(value: datetime) -> str:
    """« jeudi 3 novembre 2022 à 12 h », in Paris time whatever zone an aware value has."""
    if value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return f"{day_label(value.date())} à {time_label(value.time())}"


class Timed(Protocol):
    """Something with a start time and perhaps an end time (a programme item)."""

    @property
    def start_time(self) -> time | None: ...

    @property
    def end_time(self) -> time | None: ...


def timespan(item: Timed) -> str:
    """« 10 h 45 – 12 h 15 », « 10 h », or empty when the item has no time."""
    if item.start_time is None:
        return ""
    if item.end_time is None:
        return time_label(item.start_time)
    return f"{time_label(item.start_time)} – {time_label(item.end_time)}"


def number_label(value: int) -> str:
    """Thousands separated by a narrow no-break space, as French typography wants."""
    return f"{value:,}".replace(",", "\u202f")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count < 2 else (plural_form or singular + "s")
    return f"{number_label(count)} {word}"


def size_label(size: int) -> str:
    """« 850 octets », « 12 ko », « 1,4 Mo »."""
    if size < 1024:
        return f"{size} octets"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} ko"
    return f"{size / (1024 * 1024):.1f} Mo".replace(".", ",")


def fold(text: str) -> str:
    """Lower case without accents: « Éloïse » → « eloise », « Médecin » → « medecin »."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                   if not unicodedata.combining(c))
