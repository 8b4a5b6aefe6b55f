"""Contribution and moderation forms."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional

from app.contributions.models import AGE_RANGES, ContributionKind
from app.forms import FrenchForm, Printable, choices, clean_text, max_length, required
from app.registrations.categories import CATEGORIES


class ContributionForm(FrenchForm):
    kind = RadioField("Vous déposez", default=ContributionKind.PROPOSAL.value,
                      choices=choices([(k.value, k.label) for k in ContributionKind]),
                      validators=[required("Choisissez le type de contribution.")])
    title = StringField("Titre (facultatif)", filters=[clean_text],
                        validators=[max_length(200, "Le titre"), Printable()])
    # Kept exactly as typed: no filter that would trim or rewrite it.
    body = TextAreaField("Votre contribution", validators=[
        required("Écrivez votre contribution."),
        Length(min=10, max=5000, message="Votre contribution doit compter entre 10 et 5 000 "
                                         "caractères."), Printable(multiline=True)])
    territory_id = SelectField("Département concerné", coerce=int,
                               validators=[required("Choisissez le département concerné.")])
    challenge_id = SelectField("Question", coerce=int,
                               validators=[required("Choisissez la question concernée.")])
    step_id = SelectField("Étape (facultatif)", coerce=int, default=0)
    pseudonym = StringField("Pseudonyme (facultatif)", filters=[clean_text],
                            validators=[max_length(80, "Le pseudonyme"), Printable()])
    age_range = SelectField("Âge (facultatif)", default="",
                            choices=choices([("", "Non précisé"), *AGE_RANGES.items()]))
    category = SelectField("Vous êtes (facultatif)", default="",
                           choices=choices([("", "Non précisé"), *CATEGORIES.items()]))
    email = EmailField("Adresse électronique (facultatif)", filters=[clean_text], validators=[
        Optional(), max_length(254, "L’adresse"),
        Email(message="Indiquez une adresse électronique valide, ou laissez le champ vide.",
              check_deliverability=False)])
    submission_key = HiddenField()
    # A field people never see: robots fill it in.
    website = StringField("Ne pas remplir ce champ", default="")


class RejectForm(FrenchForm):
    reason = TextAreaField("Motif du refus", filters=[clean_text], validators=[
        required("Indiquez le motif du refus."), max_length(500, "Le motif")])


class RedactForm(FrenchForm):
    title = StringField("Titre", filters=[clean_text], validators=[max_length(200, "Le titre")])
    body = TextAreaField("Texte", validators=[required("Le texte ne peut pas être vide."),
                                              max_length(5000, "Le texte")])
