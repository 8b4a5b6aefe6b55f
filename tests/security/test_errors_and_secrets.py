"""No stack trace or SQL error reaches a visitor; production runs without debug and refuses to
start without a real secret key, which comes from the environment only."""

import logging

import pytest
from sqlalchemy.exc import OperationalError

from app import create_app
from app.campaigns import queries
from config import DEFAULT_SECRET_KEY, ProductionConfig

SQL = "SELECT email, phone FROM registrations WHERE id = 42"
LEAKS = ("Traceback", "OperationalError", "SELECT", "registrations", "mot de passe refusé",
         'File "')


def broken_database(*_args, **_kwargs):
    raise OperationalError(SQL, {}, Exception("mot de passe refusé pour postgres"))


@pytest.fixture
def database_fails(monkeypatch):
    """Every home page query fails as if PostgreSQL had gone away."""
    monkeypatch.setattr(queries, "all_campaigns", broken_database)


def test_a_database_error_gives_the_french_500_page_without_the_error(client, database_fails,
                                                                      caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Erreur inattendue" in page and '<html lang="fr"' in page
    assert [leak for leak in LEAKS if leak in page] == []
    # The operator still gets the whole story, in the log.
    assert SQL in caplog.text and "Traceback" in caplog.text


def test_an_api_error_is_json_without_the_error(client, monkeypatch):
    from app.api import routes

    monkeypatch.setattr(routes, "all_campaigns", broken_database)
    response = client.get("/api/v1/demarches")
    assert response.status_code == 500
    assert response.json == {"error": "Erreur inattendue", "message": (
        "Une erreur est survenue de notre côté. Réessayez dans un instant ; si le problème "
        "persiste, contactez-nous.")}


def test_when_even_the_error_page_fails_a_bare_french_page_is_sent(client, database_fails,
                                                                   monkeypatch):
    from app import errors

    monkeypatch.setattr(errors, "render_template", broken_database)
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Erreur inattendue" in page
    assert [leak for leak in LEAKS if leak in page] == []


def production(monkeypatch, tmp_path, secret: str | None):
    """Start the production app as a server would: settings from the environment."""
    monkeypatch.setenv("CONCERTO_CONFIG", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://concertations.example.fr")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    return create_app()


@pytest.mark.parametrize("secret", [None, "", DEFAULT_SECRET_KEY, "trop-courte", "x" * 31])
def test_production_refuses_to_start_without_a_long_secret_key(monkeypatch, tmp_path, secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        production(monkeypatch, tmp_path, secret)


def test_production_takes_its_secret_from_the_environment_and_runs_without_debug(
        monkeypatch, tmp_path):
    secret = "k" * 32
    app = production(monkeypatch, tmp_path, secret)
    assert app.config["SECRET_KEY"] == secret
    assert app.debug is False and app.config["DEBUG"] is False
    assert app.config["PROPAGATE_EXCEPTIONS"] is None and app.testing is False
    # Nothing secret is written in the code: the production class holds only the refused default.
    assert ProductionConfig.SECRET_KEY == DEFAULT_SECRET_KEY
