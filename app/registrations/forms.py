"""The registration form (with a step's own questions), and the organiser's forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Optional, Regexp

from app.campaigns.models import Step
from app.forms import (
    FrenchForm,
    NumberRange,
    Printable,
    choices,
    clean_text,
    max_length,
    required,
)
from app.registrations.categories import CATEGORIES, PROFESSIONAL_TYPES
from app.registrations.models import RegistrationQuestion

PHONE = Regexp(r"^\+?[0-9 .()-]{6,20}$",
               message="Indiquez un numéro de téléphone valide, par exemple 05 61 00 00 00.")


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
    departement_id = SelectField("Département", coerce=int,
                                 validators=[required("Choisissez votre département.")])
    workshop_id = SelectField("Atelier souhaité", coerce=int, default=0)
    accessibility_needs = TextAreaField(
        "Besoins d’accessibilité (facultatif)", filters=[clean_text],
        validators=[max_length(500, "Ce champ"), Printable(multiline=True)])


class RegistrationForm(ParticipantDetailsForm):
    email = EmailField("Adresse électronique", filters=[clean_text], validators=[
        required("Indiquez votre adresse électronique."), max_length(254, "L’adresse"),
        Email(message="Indiquez une adresse électronique valide, par exemple nom@domaine.fr.",
              check_deliverability=False)])
    category = SelectField("Vous participez au titre de", validators=[
        required("Choisissez à quel titre vous participez.")],
        choices=choices([("", "Choisir…"), *CATEGORIES.items()]))
    subcategory = SelectField("Type de structure (professionnels de santé)", default="",
                              choices=choices([("", "—"), *PROFESSIONAL_TYPES.items()]))
    consent = BooleanField(
        "J’accepte que mes données soient utilisées pour organiser ma participation à cette "
        "étape.", validators=[required("Votre accord est nécessaire pour vous inscrire.")])


def registration_form(questions: list[RegistrationQuestion], **kwargs) -> RegistrationForm:
    """The form with one field per custom question of the step."""

    class StepRegistrationForm(RegistrationForm):
        pass

    for question in questions:
        validators = ([required("Répondez à cette question.")] if question.required
                      else [Optional()])
        setattr(StepRegistrationForm, f"question_{question.id}", StringField(
            question.label, filters=[clean_text],
            validators=[*validators, max_length(1000, "La réponse"), Printable()]))
    return StepRegistrationForm(**kwargs)


class ManageLinkForm(FrenchForm):
    email = EmailField("Adresse électronique de l’inscription", filters=[clean_text], validators=[
        required("Indiquez votre adresse électronique."),
        Email(message="Indiquez une adresse électronique valide.", check_deliverability=False)])


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

    for code, label in CATEGORIES.items():
        setattr(SettingsForm, f"quota_{code}", IntegerField(label, validators=[
            Optional(), NumberRange(min=1, max=100_000,
                                    message="Indiquez un nombre de places entre 1 et 100 000.")]))
    data = {f"quota_{code}": seats for code, seats in (step.category_quotas or {}).items()}
    return SettingsForm(data={**data, "requires_approval": step.requires_approval})
