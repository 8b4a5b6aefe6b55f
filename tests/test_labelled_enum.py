"""The enums shown to people (app.labelled_enum): a French label for each member, and values
that stay the strings the database, forms, URLs and JSON already hold."""

from __future__ import annotations

import ast
import importlib
import json
import pickle
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.campaigns.models import AgendaKind, StepFormat, StepStatus
from app.contributions.models import AnswerState, ContributionKind, ContributionStatus
from app.db_types import enum_column
from app.labelled_enum import LabelledEnum
from app.mail import MailStatus
from app.registrations.models import Attendance, RegistrationStatus

APP = Path(__file__).resolve().parents[1] / "app"


def _classes() -> list[tuple[str, ast.ClassDef]]:
    """(module, class) for every class written in app/, read from the source."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [(module, node) for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    return found


def _bases(node: ast.ClassDef) -> set[str]:
    return {ast.unparse(base) for base in node.bases}


CLASSES = _classes()
LABELLED = [getattr(importlib.import_module(module), node.name)
            for module, node in CLASSES if "LabelledEnum" in _bases(node)]


def test_the_app_declares_its_labelled_enums_on_the_base():
    names = {enum_class.__name__ for enum_class in LABELLED}
    assert {"ContributionKind", "ContributionStatus", "ContributionSource", "AnswerState",
            "RegistrationStatus", "Attendance", "StepStatus", "StepFormat", "Schedule",
            "AgendaKind", "Role", "SynthesisState", "TerritoryKind", "MailStatus",
            "PreparationStatus"} <= names
    assert all(issubclass(enum_class, LabelledEnum) for enum_class in LABELLED)


def test_no_enum_of_the_app_writes_its_own_label():
    own = [f"{module}.{node.name}" for module, node in CLASSES
           if any("Enum" in base for base in _bases(node))
           and any(isinstance(item, ast.FunctionDef) and item.name == "label"
                   for item in node.body)]
    assert not own, f"declare the labels on app.labelled_enum.LabelledEnum: {own}"


@pytest.mark.parametrize("enum_class", LABELLED, ids=lambda enum_class: enum_class.__name__)
def test_every_member_has_a_french_label(enum_class: type[LabelledEnum]):
    for member in enum_class:
        assert isinstance(member.label, str)
        assert member.label.strip() == member.label != ""
        assert member.label != member.value  # a label for people, not the code
        assert member.label[0].isupper()
    assert enum_class.choices() == [(member.value, member.label) for member in enum_class]


@pytest.mark.parametrize(("enum_class", "values"), [
    (ContributionKind, ["testimony", "proposal"]),
    (ContributionStatus, ["pending", "published", "rejected"]),
    (AnswerState, ["studying", "adopted", "existing", "out_of_scope"]),
    (RegistrationStatus, ["pending", "confirmed", "waitlisted", "cancelled", "rejected"]),
    (Attendance, ["on_site", "online"]),
    (StepStatus, ["draft", "published", "cancelled", "held"]),
    (StepFormat, ["in_person", "online", "hybrid"]),
    (AgendaKind, ["welcome", "plenary", "workshop", "press_point", "lunch", "closing",
                  "other"]),
    (Role, ["admin", "organiser", "moderator"]),
    (MailStatus, ["pending", "sending", "sent", "failed"]),
], ids=lambda item: getattr(item, "__name__", None))
def test_the_values_are_the_strings_already_stored(enum_class: type[LabelledEnum],
                                                    values: list[str]):
    assert [member.value for member in enum_class] == values
    assert [str(member) for member in enum_class] == values
    assert enum_column(enum_class).enums == values  # the column's CHECK and what it writes


def test_the_labels_are_those_people_already_read():
    assert ContributionKind.TESTIMONY.label == "Parole de citoyen"
    assert RegistrationStatus.WAITLISTED.label == "Liste d’attente"
    assert StepFormat.HYBRID.label == "Hybride (sur place et en ligne)"
    assert Role.choices() == [("admin", "Administrateur"), ("organiser", "Organisateur"),
                              ("moderator", "Modérateur")]
    assert AnswerState.from_label("à l'étude") is AnswerState.STUDYING


def test_a_member_still_behaves_as_its_string():
    member = ContributionStatus.PUBLISHED
    assert member == "published"
    assert f"{member}" == "published"
    assert ContributionStatus("published") is member
    assert {"published": 1}[member] == 1
    assert json.dumps({"status": member}) == '{"status": "published"}'
    assert pickle.loads(pickle.dumps(member)) is member


def test_a_column_stores_and_reads_the_plain_value():
    engine = sa.create_engine("sqlite://")
    table = sa.Table("item", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("status", enum_column(ContributionStatus)))
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(table.insert().values(status=ContributionStatus.REJECTED))
        assert connection.scalar(sa.text("SELECT status FROM item")) == "rejected"
        assert connection.scalar(sa.select(table.c.status)) is ContributionStatus.REJECTED


def test_the_base_serves_a_new_enum():
    class Colour(LabelledEnum):
        RED = "red", "Rouge"
        LIGHT_BLUE = "light_blue", "Bleu clair"

    assert Colour.RED == "red"
    assert Colour.LIGHT_BLUE.value == "light_blue"
    assert Colour.LIGHT_BLUE.label == "Bleu clair"
    assert Colour("red") is Colour.RED
    assert Colour.choices() == [("red", "Rouge"), ("light_blue", "Bleu clair")]


def test_a_member_without_its_label_is_refused():
    with pytest.raises((TypeError, RuntimeError)):  # RuntimeError wraps it before Python 3.12
        class Colour(LabelledEnum):
            RED = "red"
