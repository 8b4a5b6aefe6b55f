"""The registration form (with a step's own questions), and the organiser's forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, Optional, Regexp

from app.campaigns.models import Step
from app.forms import (
    FrenchForm,
    NumberRange,
    Printable,
    choices,
    clean_text,
    email_field,
    max_length,
    required,
)
from app.participants import (
    PROFESSIONAL_TYPES,
    registration_categories,
)
from app.registrations.models import RegistrationQuestion
from app.registrations.seats import Places

PHONE = Regexp(r"^\+?[0-9 .()-]{6,20}$",
               message="Indiquez un numéro de téléphone valide, par exemple 05 61 00 00 00.")


def id_or_none(value: str | int | None) -> int | None:
    """A select's value as a database id; its empty placeholder (« Choisir… ») is None, so
    that ``required`` answers in French instead of WTForms' « could not coerce ». « 0 », the
    placeholder's former value, still means none: a page opened before the change still
    posts it (ids start at 1)."""
    if value is None or value in ("", "0", 0):
        return None
    return int(value)


def _text(label: str, limit: int, what: str, needed: str | None = None) -> StringField:
    validators = [required(needed)] if needed else [Optional()]
    return StringField(label, filters=[clean_text],
                       validators=[*validators, max_length(limit, what), Printable()])


class ParticipantDetailsForm(FrenchForm):
    """What a registrant may change later from their management link."""

    first_name = _text("Prénom", 100, "Le prénom", "Indiquez votre prénom.")
    last_name = _text("Nom", 100, "Le nom", "Indiquez votre nom.")
    phone = StringField("Téléphone (facultatif)", filters=[clean_text],
                        validators=[Optional(), PHONE])
    organisation = _text("Organisme ou structure (facultatif)", 200, "Le nom de l’organisme")
    departement_id = SelectField("Département", coerce=id_or_none,
                                 validators=[required("Choisissez votre département.")])
    workshop_id = SelectField("Atelier souhaité", coerce=id_or_none, default=None)
    accessibility_needs = TextAreaField(
        "Besoins d’accessibilité (facultatif)", filters=[clean_text],
        validators=[max_length(500, "Ce champ"), Printable(multiline=True)])


class RegistrationForm(ParticipantDetailsForm):
    email = email_field(autocomplete="email")
    category = SelectField("Vous participez au titre de", validators=[
        required("Choisissez à quel titre vous participez.")],
        choices=choices([("", "Choisir…"), *registration_categories().items()]))
    subcategory = SelectField("Type de structure (professionnels de santé)", default="",
                              choices=choices([("", "—"), *PROFESSIONAL_TYPES.items()]))
    consent = BooleanField(
        "J’accepte que mes données soient utilisées pour organiser ma participation à cette "
        "étape.", validators=[required("Votre accord est nécessaire pour vous inscrire.")])


def _places_label(places: Places) -> str:
    if places.left is None:
        return places.label
    if places.left == 0:
        return f"{places.label} — complet, liste d’attente"
    return f"{places.label} — {places.left} place{'s' if places.left > 1 else ''} " \
           f"disponible{'s' if places.left > 1 else ''}"


def registration_form(questions: list[RegistrationQuestion],
                      hybrid_places: list[Places] | None = None, **kwargs) -> RegistrationForm:
    """The form with one field per custom question of the step, and for a hybrid step
    (``hybrid_places``: its two pools) the choice of attending on site or online."""

    class StepRegistrationForm(RegistrationForm):
        pass

    if hybrid_places:
        missing = "Choisissez de participer sur place ou en ligne."
        offered = [(places.pool.value, _places_label(places))
                   for places in hybrid_places if places.pool is not None]  # both, named
        # validate_choice off: one French message, not WTForms' « Not a valid choice » too.
        StepRegistrationForm.attendance = RadioField(
            "Vous participez", validate_choice=False,
            validators=[required(missing), AnyOf([value for value, _ in offered], missing)],
            choices=choices(offered))

    for question in questions:
        validators = ([required("Répondez à cette question.")] if question.required
                      else [Optional()])
        setattr(StepRegistrationForm, f"question_{question.id}", StringField(
            question.label, filters=[clean_text],
            validators=[*validators, max_length(1000, "La réponse"), Printable()]))
    return StepRegistrationForm(**kwargs)


class ManageLinkForm(FrenchForm):
    email = email_field("Adresse électronique de l’inscription", autocomplete="email")


class MessageForm(FrenchForm):
    subject = _text("Objet", 150, "L’objet", "Indiquez l’objet du message.")
    body = TextAreaField("Message", filters=[clean_text], validators=[
        required("Écrivez le message."), max_length(5000, "Le message"),
        Printable(multiline=True)])


class QuestionForm(FrenchForm):
    label = _text("Question", 300, "La question", "Écrivez la question.")
    required_answer = BooleanField("Réponse obligatoire")


def settings_form(step: Step) -> FrenchForm:
    """Manual approval, and one « places réservées » field per category."""

    class SettingsForm(FrenchForm):
        requires_approval = BooleanField("Valider chaque inscription à la main")

    for code, label in registration_categories().items():
        setattr(SettingsForm, f"quota_{code}", IntegerField(label, validators=[
            Optional(), NumberRange(min=1, max=100_000,
                                    message="Indiquez un nombre de places entre 1 et 100 000.")]))
    data = {f"quota_{code}": seats for code, seats in (step.category_quotas or {}).items()}
    return SettingsForm(data={**data, "requires_approval": step.requires_approval})
