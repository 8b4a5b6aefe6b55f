"""Command-line tools: flask seed and flask create-user."""

import sqlalchemy as sa

from app.accounts.models import Role, User
from app.campaigns.models import Step
from app.extensions import db
from app.seed import load_seed


def test_flask_seed_loads_the_reference_data(app):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "15 territoire(s), 2 démarche(s), 21 étape(s)" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == 21


def test_flask_seed_demo_creates_demo_accounts(app):
    result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@concerto.example"))
    assert admin.role is Role.ADMIN and admin.check_password("concerto-demo")


def test_create_user_with_territories(app):
    load_seed()
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "Orga@ARS.example", "--name", "Orga Aveyron",
        "--role", "organiser", "--territory", "12", "--territory", "region:76",
        "--password", "un-mot-de-passe-solide"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "orga@ars.example"))
    assert [t.name for t in user.territories] == ["Aveyron", "Occitanie"]
    assert user.check_password("un-mot-de-passe-solide")


def test_create_user_refuses_duplicates_short_passwords_and_unknown_territories(app):
    runner = app.test_cli_runner()
    base = ["create-user", "--name", "X", "--role", "moderator"]
    result = runner.invoke(args=[*base, "--email", "a@b.example", "--password", "court"])
    assert result.exit_code != 0 and "12 caractères" in result.output
    result = runner.invoke(args=[*base, "--email", "a@b.example", "--territory", "99",
                                 "--password", "un-mot-de-passe-solide"])
    assert result.exit_code != 0 and "territoire inconnu" in result.output
    runner.invoke(args=[*base, "--email", "a@b.example", "--password", "un-mot-de-passe-solide"])
    result = runner.invoke(args=[*base, "--email", "A@b.example",
                                 "--password", "un-mot-de-passe-solide"])
    assert result.exit_code != 0 and "existe déjà" in result.output
