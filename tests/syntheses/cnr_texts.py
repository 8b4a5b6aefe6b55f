"""The real proposals of the Aveyron and Ariège schemes (tests/data/cnr_proposals.toml), put
in the `world` campaign for the writing help's tests."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from app.contributions.models import Contribution
from tests.contributions.support import add

DATA = Path(__file__).parent.parent / "data" / "cnr_proposals.toml"
QUESTIONS = ("acces-aux-soins", "prevention", "metiers-de-la-sante", "permanence-des-soins")
CATEGORIES = ("professionnels", "usagers", "collectivites", "citoyens")


@cache
def proposals(question: str) -> tuple[dict, ...]:
    rows = tomllib.loads(DATA.read_text(encoding="utf-8"))["proposals"]
    return tuple(row for row in rows if row["challenge"] == question)


def add_question(world, question: str, challenge=None) -> list[Contribution]:
    """The question's proposals, published on ``challenge`` (the world's first question by
    default), each in its département, the categories taken in turn."""
    return [add(world, row["body"], territory="aveyron" if row["departement"] == "12"
                else "ariege", challenge=challenge or world["challenge"],
                category=CATEGORIES[index % len(CATEGORIES)])
            for index, row in enumerate(proposals(question))]
