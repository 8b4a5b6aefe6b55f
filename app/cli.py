"""Command-line tools: flask seed, flask create-user."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from app.accounts.models import Role, User
from app.extensions import db
from app.territories.models import Territory, TerritoryKind


def init_cli(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(purge_personal_data_command)
    from app.jobs.worker import scheduler_command, worker_command

    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    from app.opendata.cli import opendata_command

    app.cli.add_command(opendata_command)


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Envoie le rappel de la veille aux inscrits confirmés (à lancer chaque jour)."""
    from app.registrations.services import send_reminders

    click.echo(f"{send_reminders()} rappel(s) envoyé(s).")


@click.command("purge-personal-data")
@click.option("--days", type=int, default=None,
              help="Durée de conservation des inscriptions en jours (par défaut "
                   "REGISTRATION_RETENTION_DAYS).")
def purge_personal_data_command(days: int | None) -> None:
    """Applique les durées de conservation (à lancer chaque nuit) : inscriptions anonymisées,
    adresses des contributeurs, courriels et accréditations presse effacés."""
    from flask import current_app

    from app.privacy.retention import purge_personal_data

    config = current_app.config
    days = days if days is not None else config["REGISTRATION_RETENTION_DAYS"]
    report = purge_personal_data(days)
    click.echo(f"{report.registrations} inscription(s) anonymisée(s) (conservation : {days} "
               "jours).")
    click.echo(f"{report.contribution_emails} adresse(s) de contributeurs effacée(s) "
               f"(conservation : {config['CONTRIBUTION_EMAIL_RETENTION_DAYS']} jours après la "
               "synthèse).")
    click.echo(f"{report.mails} courriel(s) purgé(s) (conservation : "
               f"{config['MAIL_RETENTION_DAYS']} jours).")
    click.echo(f"{report.press_accreditations} accréditation(s) presse supprimée(s) "
               f"(conservation : {config['PRESS_RETENTION_DAYS']} jours).")


@click.command("send-mail")
def send_mail_command() -> None:
    """Envoie tout de suite les courriels en attente, sans attendre leur prochain essai (le
    planificateur relance chaque minute ceux dont l’heure est venue). Sans risque à côté des
    workers : chaque courriel part une fois."""
    from app.mail_delivery import sweep

    sent, failed = sweep(now_or_later=True)
    click.echo(f"{sent} courriel(s) envoyé(s), {failed} en échec "
               "(nouvel essai au prochain passage).")


@click.command("seed")
@click.option("--demo", is_flag=True,
              help="Ajoute des comptes de démonstration (mot de passe connu) et un programme "
                   "d’exemple. Jamais en production.")
def seed_command(demo: bool) -> None:
    """Charge le référentiel Occitanie (territoires, démarches, étapes) s’il manque."""
    from app.seed import load_seed

    report = load_seed(demo=demo)
    click.echo(f"Référentiel chargé : {report}.")
    if demo and report.users:
        click.echo("Comptes de démonstration : admin@concerto.example, "
                   "organisation.aveyron@concerto.example, ... (mot de passe : concerto-demo)")


def _territories_from_codes(codes: tuple[str, ...]) -> list[Territory]:
    """Codes are « 12 » for a département or « region:76 » for a region."""
    territories = []
    for code in codes:
        kind, _, value = code.rpartition(":")
        wanted = TerritoryKind.REGION if kind == "region" else TerritoryKind.DEPARTEMENT
        territory = db.session.scalar(sa.select(Territory).where(Territory.kind == wanted,
                                                                 Territory.code == value))
        if territory is None:
            raise click.BadParameter(f"territoire inconnu : {code}", param_hint="--territory")
        territories.append(territory)
    return territories


@click.command("create-user")
@click.option("--email", required=True, help="Adresse électronique (identifiant).")
@click.option("--name", required=True, help="Nom affiché.")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--territory", "territories", multiple=True,
              help="Code INSEE d’un département (12) ou region:76 ; répétable.")
@click.password_option("--password", help="Mot de passe (demandé s’il n’est pas donné).")
def create_user_command(email: str, name: str, role: str, territories: tuple[str, ...],
                        password: str) -> None:
    """Crée un compte d’administrateur, d’organisateur ou de modérateur."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User).where(User.email == email)) is not None:
        raise click.ClickException(f"Un compte existe déjà pour {email}.")
    from app.accounts.services import AccountError, check_password_strength

    user = User(email=email, name=name, role=Role(role),
                territories=_territories_from_codes(territories))
    try:  # the same rules as the password form
        check_password_strength(user, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Compte créé : {email} ({user.role.label}).")
