"""Press accreditation and press-kit forms."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import Optional, Regexp, ValidationError

from app import french
from app.campaigns.models import Step
from app.forms import FrenchForm, choices, clean_text, email_field, max_length, required
from app.press.services import CampaignSteps

PHONE = Regexp(r"^\+?[0-9 .()-]{6,20}$",
               message="Indiquez un numéro de téléphone valide, par exemple 05 61 00 00 00.")


WHOLE_CAMPAIGN = "Toutes les étapes de cette démarche"


class CheckboxesField(SelectMultipleField):
    """Several choices, shown as checkboxes (grouped by démarche in press/_follow.html)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def follow_label(step: Step) -> str:
    """« Lozère — vendredi 4 novembre 2022 », or « Ariège — date à venir »: the démarche is
    the group's legend."""
    when = french.day_label(step.day) if step.day else "date à venir"
    return f"{step.territory.name} — {when}"


class FollowForm(FrenchForm):
    """Steps followed one by one, and démarches followed whole (« Toutes les étapes »)."""

    steps = CheckboxesField("Étapes suivies", coerce=int)
    campaigns = CheckboxesField(WHOLE_CAMPAIGN, coerce=int)

    def fill(self, groups: list[CampaignSteps]) -> None:
        """The démarches not over and their steps to come, as the choices."""
        self.steps.choices = choices([(step.id, follow_label(step))
                                      for group in groups for step in group.steps])
        self.campaigns.choices = choices([(group.campaign.id, WHOLE_CAMPAIGN)
                                          for group in groups])

    def validate_steps(self, field: CheckboxesField) -> None:
        if not field.data and not self.campaigns.data:
            raise ValidationError("Choisissez au moins une étape à suivre.")


class AccreditationForm(FollowForm):
    name = StringField("Prénom et nom", filters=[clean_text],
                       validators=[required("Indiquez votre nom."), max_length(120, "Le nom")])
    outlet = StringField("Média ou rédaction", filters=[clean_text],
                         validators=[required("Indiquez votre média."),
                                     max_length(160, "Le nom du média")])
    email = email_field(autocomplete="email")
    phone = StringField("Téléphone (facultatif)", filters=[clean_text],
                        validators=[Optional(), PHONE])
    consent = BooleanField(
        "J’accepte que mes coordonnées soient utilisées pour m’envoyer les invitations presse "
        "des étapes choisies.",
        validators=[required("Votre accord est nécessaire pour recevoir les invitations.")])


class PressKitForm(FrenchForm):
    title = StringField("Titre du document", filters=[clean_text],
                        validators=[required("Indiquez le titre du document."),
                                    max_length(200, "Le titre")])
    file = FileField("Fichier", validators=[FileRequired(message="Choisissez un fichier.")])
