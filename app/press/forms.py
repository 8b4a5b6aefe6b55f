"""Press accreditation and press-kit forms."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectMultipleField, StringField, widgets
from wtforms.validators import Email, Optional, Regexp

from app.forms import FrenchForm, clean_text, max_length, required

PHONE = Regexp(r"^\+?[0-9 .()-]{6,20}$",
               message="Indiquez un numéro de téléphone valide, par exemple 05 61 00 00 00.")


class StepChoiceField(SelectMultipleField):
    """Steps to follow, shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class FollowForm(FrenchForm):
    steps = StepChoiceField("Étapes suivies", coerce=int,
                            validators=[required("Choisissez au moins une étape à suivre.")])


class AccreditationForm(FollowForm):
    name = StringField("Prénom et nom", filters=[clean_text],
                       validators=[required("Indiquez votre nom."), max_length(120, "Le nom")])
    outlet = StringField("Média ou rédaction", filters=[clean_text],
                         validators=[required("Indiquez votre média."),
                                     max_length(160, "Le nom du média")])
    email = EmailField("Adresse électronique", filters=[clean_text], validators=[
        required("Indiquez votre adresse électronique."), max_length(254, "L’adresse"),
        Email(message="Indiquez une adresse électronique valide, par exemple nom@media.fr.",
              check_deliverability=False)])
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
