"""Form base class and field helpers shared by every domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import DataRequired, Length, Optional, ValidationError


class FrenchForm(FlaskForm):
    """A CSRF-protected form whose built-in messages are in French."""

    class Meta:
        locales = ["fr_FR", "fr"]

    def payload(self) -> dict:
        """The submitted values, without CSRF token and buttons."""
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token" and field.type not in ("SubmitField",)}


def required(message: str) -> DataRequired:
    return DataRequired(message=message)


def max_length(limit: int, what: str = "Ce champ") -> Length:
    return Length(max=limit, message=f"{what} ne doit pas dépasser {limit} caractères.")


optional = Optional


def clean_text(value: str | None) -> str | None:
    """Strip surrounding blanks; WTForms filters run before validation."""
    return value.strip() if isinstance(value, str) else value


class YearRange:
    """Reject dates that cannot be those of a concertation (e.g. 1850)."""

    def __init__(self, first: int = 2000, last: int = 2100) -> None:
        self.first, self.last = first, last

    def __call__(self, _form: FrenchForm, field: Field) -> None:
        if field.data is not None and not self.first <= field.data.year <= self.last:
            raise ValidationError(
                f"Indiquez une date entre {self.first} et {self.last}.")
