"""Login form."""

from wtforms import BooleanField, EmailField, PasswordField

from app.forms import FrenchForm, clean_text, max_length, required


class LoginForm(FrenchForm):
    email = EmailField("Adresse électronique", filters=[clean_text],
                       validators=[required("Indiquez votre adresse électronique."),
                                   max_length(254, "L’adresse")])
    password = PasswordField("Mot de passe",
                             validators=[required("Indiquez votre mot de passe."),
                                         max_length(200, "Le mot de passe")])
    remember = BooleanField("Rester connecté sur cet appareil")
