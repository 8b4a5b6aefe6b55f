"""The organisers' follow-up form: where a retained proposal stands, and a dated update."""

from __future__ import annotations

from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from app import clock
from app.followups.models import FollowUpStatus
from app.forms import (
    FrenchDateField,
    FrenchForm,
    NumberRange,
    Printable,
    YearRange,
    choices,
    clean_text,
    max_length,
    required,
)

PROGRESS_INVALID = "Indiquez un avancement entre 0 et 100 %."


class ProgressField(IntegerField):
    """A whole number of per cent; anything else gets one French message (not WTForms')."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip().removesuffix("%").strip())
        except ValueError:
            self.data = None
            raise ValueError(PROGRESS_INVALID) from None

    def post_validate(self, form: FrenchForm, validation_stopped: bool) -> None:
        del self.errors[1:]  # « abc » is said once, not again by the range check


class FollowUpForm(FrenchForm):
    status = RadioField("Où en est la proposition", choices=choices(FollowUpStatus.choices()),
                        validators=[required("Choisissez où en est la proposition.")])
    progress = ProgressField("Avancement (en %)", validators=[
        InputRequired(PROGRESS_INVALID),
        # WTForms formats the range's message with « % »: doubled, it stays one.
        NumberRange(min=0, max=100, message=PROGRESS_INVALID.replace("%", "%%"))])
    measure = TextAreaField("Mesure qui en découle", filters=[clean_text], validators=[
        max_length(2000, "La mesure"), Printable(multiline=True)])
    update_date = FrenchDateField("Date du point d’étape", validators=[
        required("Indiquez la date du point d’étape."), YearRange()])
    update_text = TextAreaField("Point d’étape", filters=[clean_text], validators=[
        required("Décrivez où en est la proposition : ce point d’étape est publié."),
        max_length(5000, "Le point d’étape"), Printable(multiline=True)])

    def validate_update_date(self, field: FrenchDateField) -> None:
        if field.data is not None and field.data > clock.today():
            raise ValidationError("Un point d’étape ne peut pas être daté dans le futur.")
