"""Which département a French text names: by its name (« en Ariège », « l’Aveyron ») or its
chef-lieu (« à Foix »), compared without case, accents or hyphens, as whole words."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.french import fold
from app.territories.models import Territory


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", fold(text))) + " "


def named_departement(text: str, departements: Iterable[Territory]) -> Territory | None:
    """The one département the text names, or None if it names none or several."""
    said = _words(text)
    named = {territory.id: territory for territory in departements
             if any(_words(name) in said for name in (territory.name, territory.chef_lieu or "")
                    if name)}
    return next(iter(named.values())) if len(named) == 1 else None
