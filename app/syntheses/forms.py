"""The step report form: attendance by category, then what was said."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import Optional

from app.forms import FrenchForm, NumberRange, Printable, clean_text, max_length
from app.participants import CATEGORIES


class StepReportForm(FrenchForm):
    organisations = TextAreaField("Organisations présentes", filters=[clean_text], validators=[
        max_length(5000, "La liste des organisations"), Printable(multiline=True)])
    discussion = TextAreaField("Ce qui a été discuté", filters=[clean_text], validators=[
        max_length(20000, "Ce texte"), Printable(multiline=True)])
    proposals = TextAreaField("Les propositions qui en sont sorties", filters=[clean_text],
                              validators=[max_length(20000, "Ce texte"),
                                          Printable(multiline=True)])
    published = BooleanField("Publier le compte rendu sur la page de l’étape")


def attendance_field(label: str) -> IntegerField:
    return IntegerField(label, default=0, validators=[
        Optional(), NumberRange(min=0, max=100_000,
                                message="Indiquez un nombre de présents entre 0 et 100 000.")])


# One field per registration category: « present_usagers », …
for _code, _label in CATEGORIES.items():
    setattr(StepReportForm, f"present_{_code}", attendance_field(_label))


class TextsForm(FrenchForm):
    """The synthesis workspace's one form: only its CSRF token is a field, the texts (one per
    question, and the introduction) are read by key (app.syntheses.routes)."""
