"""Forms of staff accounts: sign-in, second factor, passwords, invitations."""

from wtforms import PasswordField, RadioField, SelectMultipleField, StringField, widgets
from wtforms.validators import EqualTo, ValidationError

from app.accounts import second_factor
from app.accounts.models import Role
from app.forms import (
    FrenchForm,
    Printable,
    choices,
    clean_text,
    email_field,
    max_length,
    required,
)


class LoginForm(FrenchForm):
    email = email_field(autocomplete="username")
    password = PasswordField("Mot de passe", render_kw={"autocomplete": "current-password"},
                             validators=[required("Indiquez votre mot de passe."),
                                         max_length(200, "Le mot de passe")])


class CodeForm(FrenchForm):
    code = StringField("Code à 6 chiffres", filters=[clean_text],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
                       validators=[required("Indiquez le code affiché par votre application."),
                                   max_length(20, "Le code")])

    def validate_code(self, field: StringField) -> None:
        digits = "".join((field.data or "").split())
        if not (digits.isdigit() and len(digits) == 6):
            raise ValidationError("Le code compte 6 chiffres, par exemple 123456.")


class LoginCodeForm(CodeForm):
    """At sign-in, a recovery code (« k7f2-9xqa ») stands for a lost phone's code."""

    def validate_code(self, field: StringField) -> None:
        if not second_factor.is_recovery_code(field.data or ""):
            super().validate_code(field)


class ForgotPasswordForm(FrenchForm):
    email = email_field(autocomplete="username")


class NewPasswordForm(FrenchForm):
    password = PasswordField("Nouveau mot de passe", render_kw={"autocomplete": "new-password"},
                             validators=[required("Choisissez un mot de passe."),
                                         max_length(200, "Le mot de passe")])
    confirm = PasswordField("Confirmer le mot de passe",
                            render_kw={"autocomplete": "new-password"},
                            validators=[required("Confirmez le mot de passe."),
                                        EqualTo("password", "Les deux mots de passe diffèrent.")])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Mot de passe actuel", render_kw={"autocomplete": "current-password"},
                            validators=[required("Indiquez votre mot de passe actuel."),
                                        max_length(200, "Le mot de passe")])


class AccountForm(FrenchForm):
    """An administrator's view of an account: name, role, territories."""

    name = StringField("Nom affiché", filters=[clean_text],
                       validators=[required("Indiquez le nom de la personne."),
                                   max_length(120, "Le nom"), Printable()])
    role = RadioField("Rôle", choices=choices(Role.choices()),
                      validators=[required("Choisissez un rôle.")])
    territories = SelectMultipleField(
        "Territoires", coerce=int, widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        description="Un organisateur ou un modérateur agit sur ses territoires et ceux qui en "
                    "dépendent (la région couvre ses départements).")

    def validate_territories(self, field: SelectMultipleField) -> None:
        if self.role.data in (Role.ORGANISER.value, Role.MODERATOR.value) and not field.data:
            raise ValidationError("Choisissez au moins un territoire pour ce rôle.")


class InvitationForm(AccountForm):
    email = email_field(missing="Indiquez l’adresse électronique de la personne.")

    field_order = ("email", "name", "role", "territories")
