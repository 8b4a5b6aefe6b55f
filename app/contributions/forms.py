"""Contribution and moderation forms."""

from __future__ import annotations

import re

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Regexp

from app.contributions.models import AGE_RANGES, AnswerState, ContributionKind
from app.forms import (
    FrenchForm,
    Printable,
    choices,
    clean_text,
    email_field,
    max_length,
    required,
)
from app.participants import CATEGORIES

# The random key the form page carries against double submissions (a uuid, 36 characters).
SUBMISSION_KEY = re.compile(r"[A-Za-z0-9-]{1,36}")
ID = re.compile(r"[0-9]{1,9}")


def _is_submission_key(value: object) -> bool:
    """True for a key the page could have made; a tampered one is dropped, not stored (it
    would not fit its column: PostgreSQL refused it with a 500)."""
    return isinstance(value, str) and SUBMISSION_KEY.fullmatch(value) is not None


def _id_list(value: object) -> str:
    """Database ids separated by commas, as the page wrote them; anything else is dropped."""
    if not isinstance(value, str):
        return ""
    return ",".join(part for part in value.split(",")[:50] if ID.fullmatch(part))


KIND_CHOICES = choices(ContributionKind.choices())
OPTIONAL_AGES = choices([("", "Non précisé"), *AGE_RANGES.items()])
OPTIONAL_CATEGORIES = choices([("", "Non précisée"), *CATEGORIES.items()])


class ContributionForm(FrenchForm):
    kind = RadioField("Vous déposez", default=ContributionKind.PROPOSAL.value,
                      choices=KIND_CHOICES,
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
    workshop_id = SelectField("Atelier (facultatif)", coerce=int, default=0)
    pseudonym = StringField("Pseudonyme (facultatif)", filters=[clean_text],
                            validators=[max_length(80, "Le pseudonyme"), Printable()])
    age_range = SelectField("Âge (facultatif)", default="", choices=OPTIONAL_AGES)
    category = SelectField("Vous êtes (facultatif)", default="", choices=OPTIONAL_CATEGORIES)
    email = email_field("Adresse électronique (facultatif)", missing=None,
                        autocomplete="email")
    submission_key = HiddenField(filters=[lambda key: key if _is_submission_key(key) else ""])
    # The look-alike proposals already shown (« 12,40 »): sending the same text again goes
    # through instead of showing them once more.
    seen_similar = HiddenField(filters=[_id_list])
    # The « Envoyer quand même ma proposition » button: send despite the look-alikes.
    confirm_distinct = BooleanField(default=False)
    # A field people never see: robots fill it in.
    website = StringField("Ne pas remplir ce champ", default="")

    def seen_ids(self) -> set[int]:
        """The ids of the look-alikes this page already showed."""
        return {int(part) for part in (self.seen_similar.data or "").split(",") if part}


class RejectForm(FrenchForm):
    reason = TextAreaField("Motif du refus", filters=[clean_text], validators=[
        required("Indiquez le motif du refus."), max_length(500, "Le motif")])


class RedactForm(FrenchForm):
    title = StringField("Titre", filters=[clean_text], validators=[max_length(200, "Le titre")])
    body = TextAreaField("Texte", validators=[required("Le texte ne peut pas être vide."),
                                              max_length(5000, "Le texte")])



class CaptureForm(FrenchForm):
    """Batch entry in the room: the text first, then the tags, which stay from one entry to
    the next."""

    body = TextAreaField("Ce qui a été dit", validators=[
        required("Écrivez la contribution."),
        Length(min=2, max=5000, message="La contribution doit compter entre 2 et 5 000 "
                                        "caractères."), Printable(multiline=True)])
    title = StringField("Titre (facultatif)", filters=[clean_text],
                        validators=[max_length(200, "Le titre"), Printable()])
    kind = RadioField("Type", default=ContributionKind.PROPOSAL.value, choices=KIND_CHOICES,
                      validators=[required("Choisissez le type de contribution.")])
    challenge_id = SelectField("Question", coerce=int,
                               validators=[required("Choisissez la question concernée.")])
    workshop_id = SelectField("Atelier", coerce=int, default=0)
    category = SelectField("Catégorie de la personne", default="", choices=OPTIONAL_CATEGORIES)
    age_range = SelectField("Âge", default="", choices=OPTIONAL_AGES)


class RetagForm(FrenchForm):
    kind = RadioField("Type", choices=KIND_CHOICES,
                      validators=[required("Choisissez le type de contribution.")])
    territory_id = SelectField("Département", coerce=int,
                               validators=[required("Choisissez le département.")])
    challenge_id = SelectField("Question", coerce=int, default=0)
    step_id = SelectField("Étape", coerce=int, default=0)
    workshop_id = SelectField("Atelier", coerce=int, default=0)


class MergeForm(FrenchForm):
    target = StringField("Référence de la contribution à conserver", filters=[clean_text],
                         validators=[required("Indiquez la référence, par exemple C-000123."),
                                     Regexp(r"(?i)^(C-?)?\d{1,9}$",
                                            message="Indiquez une référence de la forme "
                                                    "C-000123.")])


class AnswerForm(FrenchForm):
    answer_state = RadioField("État de la proposition", choices=choices(AnswerState.choices()),
                              validators=[required("Choisissez l’état de la proposition.")])
    answer = TextAreaField("Réponse publique", filters=[clean_text],
                           validators=[max_length(5000, "La réponse"),
                                       Printable(multiline=True)])


class ImportForm(FrenchForm):
    file = FileField("Fichier CSV ou XLSX", validators=[FileRequired("Choisissez un fichier.")])


class ConfirmImportForm(FrenchForm):
    token = HiddenField(validators=[required("Déposez de nouveau le fichier.")])


class ConfirmContributionImportForm(ConfirmImportForm):
    # Ticked unless the person unticks it: the same file imported twice adds nothing.
    skip_already = BooleanField("Ne pas importer les lignes déjà présentes dans l’étape",
                                default=True)


class ContributionSettingsForm(FrenchForm):
    contributions_open = BooleanField("Contributions en ligne ouvertes à tous")
    moderation_required = BooleanField("Relire les contributions avant publication")
