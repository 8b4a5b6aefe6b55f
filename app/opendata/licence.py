"""The open data's licence, quoted by the downloads, the schemas and the data package."""

from __future__ import annotations

from typing import Any

LICENCE = "Licence Ouverte 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
# The identifier data.gouv.fr and the Open Definition's licence list give it.
LICENCE_ID = "etalab-2.0"


def licenses() -> list[dict[str, Any]]:
    """The ``licenses`` property of a Table Schema or a Data Package."""
    return [{"name": LICENCE_ID, "title": LICENCE, "path": LICENCE_URL}]
