"""Configuration: classes, environment overlay, production safety."""

import pytest
from flask import Flask

from app import create_app
from app.settings import load_environment, normalise_database_url
from config import Config


def test_environment_overrides_the_config_class():
    app = Flask(__name__)
    app.config.from_object(Config)
    load_environment(app, {"SECRET_KEY": "s3cret", "MAIL_PORT": "2525", "BRAND_STATE": "1",
                           "DATABASE_URL": "postgres://u@db/concerto"})
    assert app.config["SECRET_KEY"] == "s3cret"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["BRAND_STATE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/concerto"


def test_bad_environment_values_are_explained_in_french():
    app = Flask(__name__)
    with pytest.raises(RuntimeError, match="nombre entier"):
        load_environment(app, {"MAIL_PORT": "vingt-cinq"})


@pytest.mark.parametrize(("given", "expected"), [
    ("postgresql://postgres@127.0.0.1:5432/x", "postgresql+psycopg://postgres@127.0.0.1:5432/x"),
    ("postgres://a@b/c", "postgresql+psycopg://a@b/c"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_psycopg_3(given, expected):
    assert normalise_database_url(given) == expected


def test_production_refuses_the_default_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_refuses_to_build_mail_links_from_the_host_header(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "une-vraie-clé-secrète-longue-de-plus-de-32-caractères")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production")


def test_production_starts_with_a_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "une-vraie-clé-secrète-longue-de-plus-de-32-caractères")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://concertations.example.fr")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.debug


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="Configuration inconnue"):
        create_app("staging")


def test_testing_config_ignores_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://ne-pas-utiliser/prod")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_brand_is_neutral_unless_the_operator_is_a_state_service(app, client):
    html = client.get("/").get_data(as_text=True)
    assert 'class="concerto-neutral"' in html and "fr-logo" not in html
    app.config.update(BRAND_STATE=True, BRAND_OPERATOR="ARS Occitanie")
    html = client.get("/").get_data(as_text=True)
    assert "fr-logo" in html and "ARS Occitanie" in html
