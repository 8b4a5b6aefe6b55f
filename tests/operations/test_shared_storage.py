"""Several app servers on one database: files (press kits, import files, transmission ZIPs) are
in the shared storage (app.storage), never on a server's disk. Two app instances, each with
its own instance folder, on the test database (SQLite or PostgreSQL); a database that refuses
to store a file; old upload folders moved in by migration 0016."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from werkzeug.datastructures import FileStorage

from app import create_app, storage
from app.accounts.models import Role
from app.audit import AuditEntry
from app.campaigns.models import AgendaItem, AgendaKind, Step, StepStatus
from app.clock import now
from app.contributions import imports
from app.contributions.models import Contribution, ContributionSource
from app.extensions import db
from app.press.models import PressKitFile
from app.syntheses import services as syntheses
from app.syntheses.models import Synthesis, SynthesisState, Transmission
from tests.conftest import IsolatedClient
from tests.contributions.support import add
from tests.factories import make_campaign, make_step, make_user
from tests.helpers import login_as, post_form

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HEADER = ("Type", "Titre", "Texte", "Question", "Atelier", "Catégorie", "Âge")
SYNTHESIS = "/gestion/syntheses/cnr/12"


@dataclass
class Instance:
    """One app server: its own app object, engine and instance folder."""

    name: str
    app: Flask
    folder: Path

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def files_on_disk(self) -> list[Path]:
        return sorted(path for path in self.folder.rglob("*") if path.is_file())


@pytest.fixture
def instances(app, tmp_path, monkeypatch) -> Iterator[tuple[Instance, Instance]]:
    """Two app servers on the test database, as behind a load balancer; neither has an
    upload folder."""
    made = []
    for name in ("a", "b"):
        folder = tmp_path / f"instance-{name}"
        folder.mkdir()
        monkeypatch.setenv("CONCERTO_INSTANCE", str(folder))
        server = create_app("testing", {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9})
        assert server.instance_path == str(folder)
        server.test_client_class = IsolatedClient
        made.append(Instance(name, server, folder))
    db.session.commit()  # what the test built is visible to both
    yield tuple(made)
    for instance in made:
        with instance.app.app_context():
            db.session.remove()
            db.engine.dispose()


def same_browser(source: FlaskClient, target: FlaskClient) -> None:
    """The target carries the source's session cookie: one browser whose requests a load
    balancer sends to either server."""
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def csv_upload(rows) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows(rows)
    return io.BytesIO(text.getvalue().encode("utf-8-sig"))


def import_token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def stored_count(kind: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(storage.StoredFile)
    if kind is not None:
        query = query.where(storage.StoredFile.kind == kind)
    return db.session.scalar(query)


@pytest.fixture
def step(world):
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    step.agenda_items = [AgendaItem(position=1, kind=AgendaKind.PLENARY, title="Ouverture")]
    db.session.commit()
    return step


@pytest.fixture
def validated(world, step) -> Synthesis:
    """Aveyron's synthesis, validated by an administrator: ready to be transmitted."""
    world["campaign"].synthesis_deadline = (now() + timedelta(days=60)).date()
    add(world, "Des maisons de santé dans chaque canton", support_count=7, step=step)
    add(world, "Un numéro unique pour la garde", support_count=2)
    synthesis = syntheses.for_territory(world["campaign"], world["aveyron"])
    syntheses.validate(synthesis, make_user(Role.ADMIN))
    return synthesis


@pytest.fixture
def refusing_database():
    """The database refuses every new stored file, as a full disk would (a trigger raises
    PostgreSQL's disk_full, or SQLite's abort)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        install = [
            "CREATE FUNCTION refuse_stored_file() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$",
            "CREATE TRIGGER refuse_stored_file BEFORE INSERT ON stored_file "
            "FOR EACH ROW EXECUTE FUNCTION refuse_stored_file()"]
        remove = ["DROP TRIGGER refuse_stored_file ON stored_file",
                  "DROP FUNCTION refuse_stored_file()"]
    else:
        install = ["CREATE TRIGGER refuse_stored_file BEFORE INSERT ON stored_file "
                   "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"]
        remove = ["DROP TRIGGER refuse_stored_file"]
    with db.engine.begin() as connection:
        for statement in install:
            connection.execute(sa.text(statement))
    yield
    db.session.rollback()
    with db.engine.begin() as connection:
        for statement in remove:
            connection.execute(sa.text(statement))


# ------------------------------------------------------------------ two app servers


def test_an_import_previewed_on_one_instance_is_confirmed_on_the_other(instances, world, step):
    a, b = instances
    moderator = make_user(Role.MODERATOR, [world["aveyron"]])
    db.session.commit()
    on_a, on_b = a.client(), b.client()
    login_as(on_a, moderator)
    rows = [HEADER, ("proposition", "Bus santé", "Un bus santé dans les villages", "1", "",
                     "", ""),
            ("parole", "", "J’ai attendu neuf mois.", "2", "", "", "")]
    preview = post_form(on_a, f"/gestion/etapes/{step.id}/import",
                        {"file": (csv_upload(rows), "saisie.csv")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "2 lignes prêtes à importer" in preview
    token = import_token(preview)
    assert stored_count("import") == 1

    same_browser(on_a, on_b)  # the confirmation reaches the other server
    response = post_form(on_b, f"/gestion/etapes/{step.id}/import/confirmer", {"token": token},
                         token_from=f"/gestion/etapes/{step.id}/import")
    assert response.status_code == 302
    assert "2 contributions importées" in on_b.get(response.location).get_data(as_text=True)
    bodies = db.session.scalars(sa.select(Contribution.body).where(
        Contribution.source == ContributionSource.IMPORT).order_by(Contribution.id)).all()
    assert bodies == ["Un bus santé dans les villages", "J’ai attendu neuf mois."]
    assert stored_count("import") == 0  # claimed by the import's own transaction

    same_browser(on_b, on_a)  # the same confirmation, replayed on the first server
    replay = post_form(on_a, f"/gestion/etapes/{step.id}/import/confirmer", {"token": token},
                       token_from=f"/gestion/etapes/{step.id}/import", follow_redirects=True)
    assert "n’est plus disponible" in replay.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contribution).where(
        Contribution.source == ContributionSource.IMPORT)) == 2
    assert a.files_on_disk() == [] and b.files_on_disk() == []


def test_a_press_kit_uploaded_on_one_instance_is_downloaded_from_both(instances, world, step):
    a, b = instances
    organiser = make_user(Role.ORGANISER, [world["aveyron"]])
    db.session.commit()
    on_a = a.client()
    login_as(on_a, organiser)
    response = post_form(on_a, f"/gestion/etapes/{step.id}/presse",
                         {"title": "Communiqué", "file": (io.BytesIO(PDF), "communiqué.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    kit_file = db.session.scalar(sa.select(PressKitFile))
    url = f"/presse/fichiers/{kit_file.id}/communiqué.pdf"
    for server in (a, b):
        download = server.client().get(url)  # a journalist, not signed in
        assert download.status_code == 200, server.name
        assert download.data == PDF
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["ETag"].strip('"') == hashlib.sha256(PDF).hexdigest()
    # Removed through the other server: gone from both.
    on_b = b.client()
    same_browser(on_a, on_b)
    post_form(on_b, f"/gestion/presse/fichiers/{kit_file.id}/supprimer", {},
              token_from=f"/gestion/etapes/{step.id}/presse")
    assert a.client().get(url).status_code == 404 and b.client().get(url).status_code == 404
    assert stored_count() == 0
    assert a.files_on_disk() == [] and b.files_on_disk() == []


def test_a_transmission_zip_made_on_one_instance_is_downloaded_from_the_other(
        instances, world, validated):
    a, b = instances
    organiser = make_user(Role.ORGANISER, [world["aveyron"]])
    db.session.commit()
    on_a, on_b = a.client(), b.client()
    login_as(on_a, organiser)
    response = post_form(on_a, f"{SYNTHESIS}/transmettre", {}, token_from=SYNTHESIS,
                         follow_redirects=True)
    assert "La synthèse est transmise" in response.get_data(as_text=True)
    sent = db.session.scalar(sa.select(Transmission))

    same_browser(on_a, on_b)
    download = on_b.get(f"{SYNTHESIS}/envois/{sent.id}.zip")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == \
        "attachment; filename=synthese-cnr-12.zip"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in download.headers["Cache-Control"]
    assert hashlib.sha256(download.data).hexdigest() == sent.sha256
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    manifest = json.loads(archive.read("manifest.json"))
    checksums = {entry["nom"]: entry["sha256"] for entry in manifest["fichiers"]}
    assert checksums == sent.manifest and "synthese.pdf" in checksums
    for name, digest in checksums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    assert archive.read("synthese.pdf").startswith(b"%PDF")
    assert len(archive.read("donnees/contributions.csv").decode().splitlines()) == 3
    # A stranger to the Aveyron gets nothing from either server.
    stranger = b.client()
    login_as(stranger, make_user(Role.ORGANISER, [world["ariege"]]))
    assert stranger.get(f"{SYNTHESIS}/envois/{sent.id}.zip").status_code == 403
    assert a.files_on_disk() == [] and b.files_on_disk() == []


# ------------------------------------------------------------ the database refuses a file


def test_a_press_kit_the_database_refuses_gets_a_french_message_on_the_form(
        client, world, step, refusing_database):
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    response = post_form(client, f"/gestion/etapes/{step.id}/presse",
                         {"title": "Communiqué", "file": (io.BytesIO(PNG), "affiche.png")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Le fichier n’a pas pu être enregistré" in html and "réessayez" in html
    assert 'value="Communiqué"' in html  # the form comes back as typed
    assert "Erreur inattendue" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressKitFile)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "press.kit_add")) == 0


def test_an_import_the_database_refuses_gets_a_french_message_on_the_form(
        client, world, step, refusing_database):
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    response = post_form(client, f"/gestion/etapes/{step.id}/import",
                         {"file": (csv_upload([HEADER, ("proposition", "", "Un texte", "1", "",
                                                        "", "")]), "saisie.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Le fichier n’a pas pu être enregistré" in html
    assert "Confirmer l’import" not in html
    assert stored_count() == 0


def test_a_transmission_the_database_refuses_is_explained_and_nothing_changes(
        client, world, validated, refusing_database):
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    response = post_form(client, f"{SYNTHESIS}/transmettre", {}, token_from=SYNTHESIS,
                         follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "La synthèse n’est pas transmise. Le fichier n’a pas pu être enregistré" in html
    db.session.expire_all()
    assert db.session.get(Synthesis, validated.id).state is SynthesisState.VALIDATED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transmission)) == 0


# ------------------------------------------------------------------------ import files


def keep_csv(body: str) -> str:
    return imports.keep(FileStorage(csv_upload([HEADER, ("proposition", "", body, "1", "", "",
                                                         "")]), "saisie.csv"))


def test_an_import_file_is_refused_after_a_day_and_purged_at_night(app, world):
    app.config["CONCERTO_NOW"] = "2022-11-03T09:00"
    old = keep_csv("Déposé puis oublié")
    kit_key = storage.put("press", PDF, "application/pdf")  # not an import: never purged
    db.session.commit()
    app.config["CONCERTO_NOW"] = "2022-11-04T08:59"
    assert imports.read(old)[0][1]["texte"] == "Déposé puis oublié"
    app.config["CONCERTO_NOW"] = "2022-11-04T09:01"
    with pytest.raises(imports.RejectedFileError, match="n’est plus disponible"):
        imports.read(old)
    recent = keep_csv("Déposé ce matin")
    assert imports.purge_expired_imports() == 1
    assert imports.purge_expired_imports() == 0  # the nightly job may run twice
    assert storage.get(old) is None
    assert imports.read(recent)[0][1]["texte"] == "Déposé ce matin"
    assert storage.get(kit_key, kind="press").data == PDF


def test_an_import_token_only_ever_names_an_import_file(world):
    key = storage.put("transmission", b"PK\x05\x06" + b"\0" * 18, "application/zip")
    db.session.commit()
    for token in (key, "../../etc/passwd", "", "0" * 32):
        with pytest.raises(imports.RejectedFileError, match="n’est plus disponible"):
            imports.read(token)
        assert imports.claim(token) is False
    assert storage.get(key, kind="transmission") is not None


# --------------------------------------------------------------------- migration 0016


@pytest.fixture
def migration_database(app, tmp_path) -> Iterator[str]:
    """A database of its own for migrations: a SQLite file, or a PostgreSQL database made
    next to the test database (named after it, dropped afterwards)."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    name = f"{url.database}_migration"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def test_migration_0016_moves_the_old_upload_folder_into_the_database_and_back(
        migration_database, tmp_path, capfd):
    uploads = tmp_path / "old-uploads"
    (uploads / "press").mkdir(parents=True)
    (uploads / "transmissions").mkdir()
    (uploads / "press" / "0123abcd.pdf").write_bytes(PDF)
    (uploads / "transmissions" / "4567cdef.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    server = create_app("testing", {"SQLALCHEMY_DATABASE_URI": migration_database,
                                    "UPLOAD_FOLDER": str(uploads),
                                    "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9})
    with server.app_context():
        upgrade(revision="0015_mail_outbox")
        campaign = make_campaign(slug="cnr", with_questions=False)
        # The step table of revision 0015: only the columns it had (not the ORM's later ones).
        step_id = db.session.execute(sa.insert(Step.__table__).values(
            campaign_id=campaign.id, territory_id=campaign.territory_id, title="Étape",
            city="Rodez", status=StepStatus.PUBLISHED).returning(Step.__table__.c.id)).scalar_one()
        for stored_name in ("0123abcd.pdf", "lost.pdf"):
            db.session.add(PressKitFile(campaign=campaign, step_id=step_id, title=stored_name,
                                        original_name="communique.pdf", stored_name=stored_name,
                                        content_type="application/pdf", size=len(PDF)))
        # Likewise the synthesis table of revision 0015 (no text versions yet).
        old_synthesis = sa.table("synthesis", *(sa.column(name) for name in (
            "id", "campaign_id", "territory_id", "state", "introduction", "updated_at")))
        synthesis_id = db.session.execute(sa.insert(old_synthesis).values(
            campaign_id=campaign.id, territory_id=campaign.territory_id,
            state=SynthesisState.TRANSMITTED.value, introduction="",
            updated_at=datetime(2022, 12, 1)).returning(old_synthesis.c.id)).scalar_one()
        db.session.add(Transmission(synthesis_id=synthesis_id, stored_name="4567cdef.zip",
                                    sha256="0" * 64))
        db.session.commit()
        kit_id = db.session.scalar(sa.select(PressKitFile.id).where(
            PressKitFile.stored_name == "0123abcd.pdf"))
        campaign_id = campaign.id
        db.session.remove()

        upgrade()
        assert storage.get("0123abcd.pdf", kind="press").data == PDF
        assert storage.get("4567cdef.zip", kind="transmission").content_type == \
            "application/zip"
        assert storage.get("lost.pdf") is None
        assert "1 press file(s) not found" in capfd.readouterr().err
        db.session.remove()
        download = server.test_client().get(f"/presse/fichiers/{kit_id}/communique.pdf")
        assert download.status_code == 200 and download.data == PDF

        # Down again: the files go back to the folder, a new one included.
        new_key = storage.put("press", PNG, "image/png")
        db.session.add(PressKitFile(campaign_id=campaign_id, title="Affiche",
                                    original_name="affiche.png", stored_name=new_key,
                                    content_type="image/png", size=len(PNG)))
        db.session.commit()
        db.session.remove()
        for path in uploads.rglob("*.*"):
            path.unlink()
        downgrade(revision="0015_mail_outbox")
        assert (uploads / "press" / "0123abcd.pdf").read_bytes() == PDF
        assert (uploads / "press" / new_key).read_bytes() == PNG
        assert (uploads / "transmissions" / "4567cdef.zip").exists()
        assert "stored_file" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert storage.get(new_key, kind="press").data == PNG
        db.session.remove()
        db.engine.dispose()
