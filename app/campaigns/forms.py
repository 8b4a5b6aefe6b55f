"""Forms of the step back office."""

from __future__ import annotations

from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, Optional, ValidationError

from app.campaigns.models import AgendaKind, Schedule, StepFormat
from app.forms import (
    FrenchDateField,
    FrenchForm,
    FrenchTimeField,
    NumberRange,
    Printable,
    RequiredWhen,
    YearRange,
    choices,
    clean_text,
    max_length,
    required,
)

SCHEDULE_CHOICES = choices(Schedule.choices())


def _has_day(form: FrenchForm) -> bool:
    return form.schedule.data != Schedule.UNKNOWN.value


def _is_timed(form: FrenchForm) -> bool:
    return form.schedule.data == Schedule.TIMED.value


def _is_online(form: FrenchForm) -> bool:
    return form.format.data != StepFormat.IN_PERSON.value


class ScheduleForm(FrenchForm):
    """When a step happens, at one of three precisions."""

    schedule = RadioField("Précision de la date", choices=SCHEDULE_CHOICES,
                          default=Schedule.TIMED.value,
                          validators=[required("Choisissez la précision de la date.")])
    day = FrenchDateField("Date", validators=[
        RequiredWhen(_has_day, "Indiquez la date, ou choisissez « Date à venir »."),
        Optional(), YearRange()])
    start_time = FrenchTimeField("Heure de début", validators=[
        RequiredWhen(_is_timed, "Indiquez l’heure de début, ou choisissez « Date seule »."),
        Optional()])
    end_time = FrenchTimeField("Heure de fin", validators=[
        RequiredWhen(_is_timed, "Indiquez l’heure de fin."), Optional()])

    def validate_end_time(self, field: FrenchTimeField) -> None:
        # Either time may be None here: typed but unreadable (its own error says so).
        if self.schedule.data == Schedule.TIMED.value and self.start_time.data is not None \
                and field.data is not None and field.data <= self.start_time.data:
            raise ValidationError("L’heure de fin doit être après l’heure de début.")

    def schedule_values(self) -> dict:
        """day, start_time and end_time as the chosen precision keeps them."""
        precision = Schedule(self.schedule.data)
        timed = precision is Schedule.TIMED
        return {
            "day": None if precision is Schedule.UNKNOWN else self.day.data,
            "start_time": self.start_time.data if timed else None,
            "end_time": self.end_time.data if timed else None,
        }


class StepForm(ScheduleForm):
    campaign_id = SelectField("Démarche", coerce=int,
                              validators=[required("Choisissez la démarche.")])
    territory_id = SelectField("Territoire", coerce=int,
                               validators=[required("Choisissez le territoire.")])
    # Printable: the same rule as the public forms (a title is one line, in pages, mail
    # subjects and calendar files).
    title = StringField("Titre", filters=[clean_text],
                        validators=[required("Indiquez le titre."), max_length(200, "Le titre"),
                                    Printable()])
    city = StringField("Ville", filters=[clean_text],
                       validators=[required("Indiquez la ville."), max_length(120, "La ville"),
                                   Printable()])
    venue = StringField("Lieu", filters=[clean_text],
                        validators=[max_length(200, "Le lieu"), Printable()])
    address = StringField("Adresse", filters=[clean_text],
                          validators=[max_length(300, "L’adresse"), Printable()])
    format = SelectField("Format", choices=choices(StepFormat.choices()),
                         default=StepFormat.IN_PERSON.value)
    meeting_url = StringField(
        "Lien de la réunion en ligne", filters=[clean_text],
        validators=[RequiredWhen(_is_online, "Indiquez le lien de la réunion en ligne."),
                    Optional(), max_length(500, "Le lien"), Printable(),
                    URL(require_tld=False, message="Indiquez une adresse web complète (https://…).")])
    access_info = TextAreaField("Comment venir", filters=[clean_text],
                                validators=[max_length(1000, "Le texte « Comment venir »"),
                                            Printable(multiline=True)])
    capacity = IntegerField(
        "Nombre de places", validators=[Optional(), NumberRange(
            min=1, max=100_000, message="Indiquez un nombre de places entre 1 et 100 000.")])
    # Hybrid steps: ``capacity`` is then the room's; these are the places to follow online.
    online_capacity = IntegerField(
        "Places en ligne", validators=[Optional(), NumberRange(
            min=1, max=100_000, message="Indiquez un nombre de places entre 1 et 100 000.")])
    registration_opens_at = DateTimeLocalField(
        "Ouverture des inscriptions", format="%Y-%m-%dT%H:%M",
        validators=[Optional(), YearRange()])
    registration_closes_at = DateTimeLocalField(
        "Clôture des inscriptions", format="%Y-%m-%dT%H:%M",
        validators=[Optional(), YearRange()])
    press_point_time = FrenchTimeField("Heure du point presse", validators=[Optional()])
    description = TextAreaField("Présentation", filters=[clean_text],
                                validators=[max_length(10_000, "La présentation"),
                                            Printable(multiline=True)])

    def validate_registration_closes_at(self, field: DateTimeLocalField) -> None:
        opens = self.registration_opens_at.data
        if field.data and opens and field.data <= opens:
            raise ValidationError("La clôture des inscriptions doit suivre leur ouverture.")


class CopyStepForm(ScheduleForm):
    territory_id = SelectField("Territoire de la nouvelle étape", coerce=int,
                               validators=[required("Choisissez le territoire.")])


class CancelStepForm(FrenchForm):
    # Shown on the public step page, and kept in the audit log.
    reason = TextAreaField("Motif de l’annulation (facultatif, affiché sur la page publique)",
                           filters=[clean_text],
                           validators=[max_length(1000, "Le motif"),
                                       Printable(multiline=True)])


class AgendaItemForm(FrenchForm):
    kind = SelectField("Type", choices=choices(AgendaKind.choices()),
                       default=AgendaKind.PLENARY.value)
    title = StringField("Intitulé", filters=[clean_text],
                        validators=[required("Indiquez l’intitulé."),
                                    max_length(200, "L’intitulé"), Printable()])
    start_time = FrenchTimeField("Début", validators=[Optional()])
    end_time = FrenchTimeField("Fin", validators=[Optional()])
    challenge_id = SelectField("Question traitée (atelier)", coerce=int, default=0)

    def validate_end_time(self, field: FrenchTimeField) -> None:
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("L’heure de fin doit être après l’heure de début.")
