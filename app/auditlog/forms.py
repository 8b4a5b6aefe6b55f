"""The filters of the audit log, sent by GET: no CSRF token, every error in French."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional, Regexp, ValidationError

from app.forms import FrenchForm, Printable, clean_text, max_length

# Typed as French people write dates; what a date picker sends is accepted too.
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class FrenchDateField(DateField):
    """A date typed as 18/11/2022 (or 2022-11-18), with a French error."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Cette date n’est pas valide : écrivez-la sous la forme jj/mm/aaaa, "
                             "par exemple 18/11/2022.") from None


def _offered(field: SelectField) -> bool:
    return field.data in {str(choice.value) for choice in field.choices}


class AuditFilterForm(FrenchForm):
    class Meta:
        csrf = False  # a search: nothing changes

    qui = StringField("Qui (adresse électronique)", filters=[clean_text],
                      validators=[Optional(), max_length(254, "L’adresse"), Printable()])
    action = SelectField("Action", validate_choice=False)
    objet = SelectField("Type d’objet", validate_choice=False)
    numero = StringField("Numéro de l’objet", filters=[clean_text], validators=[
        Optional(), Regexp(r"^[0-9]{1,9}$", message="Le numéro de l’objet est un nombre "
                                                    "entier, par exemple 42.")])
    du = FrenchDateField("Du", format=DATE_FORMATS, validators=[Optional()])
    au = FrenchDateField("Au (inclus)", format=DATE_FORMATS, validators=[Optional()])

    def validate_action(self, field: SelectField) -> None:
        if field.data and not _offered(field):
            raise ValidationError("Choisissez une action de la liste.")

    def validate_objet(self, field: SelectField) -> None:
        if field.data and not _offered(field):
            raise ValidationError("Choisissez un type d’objet de la liste.")

    def validate_au(self, field: DateField) -> None:
        start: date | None = self.du.data
        if field.data and start and field.data < start:
            raise ValidationError("La date de fin doit être le même jour que la date de début "
                                  "ou après.")
