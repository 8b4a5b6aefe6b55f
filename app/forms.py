"""Form base class and field helpers shared by every domain."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, Field, TimeField, validators
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from app.form_recovery import token_expired

EXPIRED_PAGE = "La page a expiré : vérifiez puis renvoyez le formulaire."
INVISIBLE_CHARACTERS = ("Ce champ contient des caractères invisibles non autorisés : retapez-le "
                        "sans copier-coller de caractères spéciaux.")
ONE_LINE = "Ce champ tient sur une seule ligne : retirez le retour à la ligne."
DATE_INVALID = "Saisissez une date valide, au format jj/mm/aaaa."
TIME_INVALID = "Saisissez une heure valide, au format hh:mm."


class FrenchForm(FlaskForm):
    """A CSRF-protected form whose built-in messages are in French."""

    class Meta:
        locales = ["fr_FR", "fr"]

    def validate(self, extra_validators: dict | None = None) -> bool:
        """The fields' own checks, then one for every text field, even those without
        Printable: no NUL character, which PostgreSQL cannot store (a 500, found by
        hypothesis); the form comes back with the message instead."""
        valid = super().validate(extra_validators)
        if "csrf_token" in self._fields and (self.csrf_token.errors or token_expired()):
            # Never act on a replayed POST (form_recovery), even if the token itself was fine
            # and another check (the referrer) refused it; one French message, not Flask-WTF's.
            self.csrf_token.errors = [EXPIRED_PAGE]
            valid = False
        for field in self:
            if isinstance(field.data, str) and "\x00" in field.data and not field.errors:
                field.errors.append(INVISIBLE_CHARACTERS)
                valid = False
        return valid

    def payload(self) -> dict:
        """The submitted values, without CSRF token and buttons."""
        return {name: field.data for name, field in self._fields.items()
                if name != "csrf_token" and field.type not in ("SubmitField",)}


EMAIL_INVALID = "Indiquez une adresse électronique valide, par exemple nom@domaine.fr."


def email_field(label: str = "Adresse électronique", *,
                missing: str | None = "Indiquez votre adresse électronique.",
                **render_kw: str) -> EmailField:
    """The one rule for an address typed in any form (registration, press, contribution,
    sign-in, password reset…): ``missing`` is the message when it is left empty, or None when
    the field is optional. Deliverability is not checked: no DNS look-up in a request."""
    presence = required(missing) if missing else Optional()
    return EmailField(label, filters=[clean_text], render_kw=render_kw or None, validators=[
        presence, max_length(254, "L’adresse"), Printable(),
        Email(message=EMAIL_INVALID, check_deliverability=False)])


def choices(pairs: Sequence[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms wants them since 3.3."""
    return [SelectChoice(value, label) for value, label in pairs]


def required(message: str) -> DataRequired:
    return DataRequired(message=message)


def max_length(limit: int, what: str = "Ce champ") -> Length:
    return Length(max=limit, message=f"{what} ne doit pas dépasser {limit} caractères.")


optional = Optional


def clean_text(value: str | None) -> str | None:
    """Strip surrounding blanks; WTForms filters run before validation."""
    return value.strip() if isinstance(value, str) else value


def plain_text(value: str, limit: int) -> str:
    """A raw form value, trimmed, cut at ``limit`` and without invisible control characters
    (line breaks and tabs kept), for the few fields read without a form class."""
    return "".join(char for char in value.strip()[:limit]
                   if char in "\n\t" or not (ord(char) < 32 or 127 <= ord(char) < 160))


class RequiredWhen:
    """Required only when ``condition(form)`` holds; put it before ``Optional()``, which would
    otherwise stop the chain on an empty value before an inline check could run."""

    def __init__(self, condition: Callable[[FrenchForm], bool], message: str) -> None:
        self.condition, self.message = condition, message

    def __call__(self, form: FrenchForm, field: Field) -> None:
        empty = not field.raw_data or not str(field.raw_data[0]).strip()
        if empty and self.condition(form):
            raise StopValidation(self.message)


class Printable:
    """Refuse control characters (tabs and line breaks are allowed in long texts only)."""

    def __init__(self, multiline: bool = False) -> None:
        self.allowed = "\n\r\t" if multiline else ""

    def __call__(self, _form: FrenchForm, field: Field) -> None:
        value = field.data if isinstance(field.data, str) else ""
        refused = {char for char in value
                   if (ord(char) < 32 and char not in self.allowed) or 127 <= ord(char) < 160}
        if refused:
            # A pasted line break is visible to the person: say so, not « invisible ».
            raise ValidationError(ONE_LINE if refused <= {"\n", "\r"} else INVISIBLE_CHARACTERS)


class _BlankIsEmpty(Field):
    """For date and time fields: left blank, no value and no message of the field's own (the
    form's rules say whether it is required: one message, not WTForms' « not a valid date »
    before it); unreadable, one French message, the only one shown. Put before the field's
    class: ``super()`` is that class."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata([value.strip() for value in valuelist])

    def post_validate(self, form: FrenchForm, validation_stopped: bool) -> None:
        del self.errors[1:]


class FrenchDateField(_BlankIsEmpty, DateField):
    """A date as <input type="date"> sends it, or typed jj/mm/aaaa where the browser has no
    date picker."""

    def __init__(self, label: str | None = None, validators: list | None = None,
                 **kwargs) -> None:
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault("invalid_value_message", DATE_INVALID)
        super().__init__(label, validators, **kwargs)


class FrenchTimeField(_BlankIsEmpty, TimeField):
    """A time as <input type="time"> sends it (with seconds when the browser adds them), or
    typed « 14h30 »."""

    def __init__(self, label: str | None = None, validators: list | None = None,
                 **kwargs) -> None:
        kwargs.setdefault("format", ["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"])
        kwargs.setdefault("invalid_value_message", TIME_INVALID)
        super().__init__(label, validators, **kwargs)


class YearRange:
    """Reject dates that cannot be those of a concertation (e.g. 1850)."""

    def __init__(self, first: int = 2000, last: int = 2100) -> None:
        self.first, self.last = first, last

    def __call__(self, _form: FrenchForm, field: Field) -> None:
        if field.data is not None and not self.first <= field.data.year <= self.last:
            raise ValidationError(
                f"Indiquez une date entre {self.first} et {self.last}.")


class NumberRange(validators.NumberRange):
    """WTForms' NumberRange, safe with integers too big for a float: its NaN check raised
    OverflowError on « 1 » followed by 400 zeros (a 500, found by hypothesis)."""

    def __call__(self, form: FrenchForm, field: Field) -> None:
        if isinstance(field.data, int) and abs(field.data) > 2**53:
            raise ValidationError(self.message or "Ce nombre est beaucoup trop grand.")
        super().__call__(form, field)
