"""Uploads (press kits, imports of contributions): checked by size and by what their bytes are,
kept in the database (app.storage: never under static/, never on a server's disk), served as
attachments that browsers never sniff; forged download names and oversize bodies are refused
with nothing stored."""

import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from app import storage
from app.accounts.models import Role
from app.contributions import imports
from app.extensions import db
from app.press.models import PressAccreditation, PressKitFile
from tests.factories import make_campaign, make_step, make_user
from tests.helpers import login_as, post_form

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<!doctype html><script>fetch('/gestion/').then(r => r.text())</script>"
# Just over MAX_CONTENT_LENGTH (16 Mo): the request is refused before it is read.
OVERSIZE = 16 * 1024 * 1024 + 1


@pytest.fixture
def step():
    return make_step(make_campaign(slug="cnr"))


@pytest.fixture
def organiser(client, step):
    login_as(client, make_user(Role.ORGANISER, [step.territory]))


def upload_kit(client, step, data: bytes, name: str):
    return post_form(client, f"/gestion/etapes/{step.id}/presse",
                     {"title": "Communiqué", "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def stored(kind: str) -> set[str]:
    """The keys of the stored files of a kind."""
    return set(db.session.scalars(sa.select(storage.StoredFile.key)
                                  .where(storage.StoredFile.kind == kind)))


def kit_files() -> list[PressKitFile]:
    return list(db.session.scalars(sa.select(PressKitFile)))


def test_a_press_kit_file_is_served_as_an_attachment_browsers_never_sniff(client, step,
                                                                          organiser):
    assert upload_kit(client, step, PNG, "affiche.png").status_code == 302
    [kit_file] = kit_files()
    response = client.get(f"/presse/fichiers/{kit_file.id}/affiche.png")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Disposition"] == "attachment; filename=affiche.png"
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("data", "name"), [
    (SVG, "affiche.png"), (SVG, "affiche.svg"), (HTML, "communique.pdf"), (HTML, "page.html"),
    (b"GIF89a" + b"\x00" * 32, "anime.gif"),
])
def test_a_file_is_judged_by_its_bytes_not_its_name(client, step, organiser, data, name):
    before = stored("press")
    html = upload_kit(client, step, data, name).get_data(as_text=True)
    assert "Ce type de fichier n’est pas accepté" in html
    assert kit_files() == [] and stored("press") == before


def test_uploads_are_kept_in_the_database_never_on_disk(app, client, step, organiser):
    static = Path(app.static_folder)
    before = {path for path in (static, Path(app.instance_path)) for path in path.rglob("*")}
    assert upload_kit(client, step, PNG, "affiche.png").status_code == 302
    [kit_file] = kit_files()
    assert storage.get(kit_file.stored_name, kind="press").data == PNG
    after = {path for path in (static, Path(app.instance_path)) for path in path.rglob("*")}
    assert after == before


@pytest.mark.parametrize("name", [
    "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/%2e%2e/etc/passwd", "../../../etc/passwd",
    "%2Fetc%2Fpasswd", "..%5C..%5Cconfig.py", "communique.pdf%00.png", "autre-nom.pdf",
])
def test_a_forged_download_name_is_refused_and_reads_nothing(client, step, organiser, name):
    upload_kit(client, step, PDF, "communique.pdf")
    [kit_file] = kit_files()
    # An encoded « / » is decoded before routing: « //etc » is redirected first, then refused.
    response = client.get(f"/presse/fichiers/{kit_file.id}/{name}", follow_redirects=True)
    assert response.status_code in (400, 404)
    assert PDF not in response.data and b"root:" not in response.data
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert client.get(f"/presse/fichiers/{kit_file.id}/communique.pdf").data == PDF


@pytest.mark.parametrize("stored_name", ["../secret.txt", "/etc/passwd", "..\\secret.txt",
                                         "config.py"])
def test_a_tampered_stored_name_is_a_key_that_names_no_file(app, stored_name):
    with app.test_request_context(), pytest.raises(NotFound):
        storage.send(stored_name, "a.pdf", kind="press")


def test_a_stored_file_is_only_served_as_its_own_kind(app):
    key = storage.put("transmission", b"PK\x05\x06" + b"\0" * 18, "application/zip")
    with app.test_request_context():
        assert storage.send(key, "envoi.zip", kind="transmission").status_code == 200
        with pytest.raises(NotFound):
            storage.send(key, "a.pdf", kind="press")


def test_an_upload_over_the_request_limit_gets_the_french_413_page(client, step, organiser):
    before = stored("press")
    response = upload_kit(client, step, PNG + b"\x00" * OVERSIZE, "enorme.png")
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)
    assert kit_files() == [] and stored("press") == before


def test_a_form_post_over_the_request_limit_gets_the_french_413_page(client):
    response = post_form(client, "/presse/accreditation",
                         {"name": "x" * OVERSIZE, "email": "a@example.org"})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Envoi trop volumineux" in page and '<html lang="fr"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)) == 0


def test_a_huge_text_part_of_a_multipart_form_gets_the_413_page(client):
    # Under the request limit, but over what Flask keeps in memory for one text part.
    response = post_form(client, "/presse/accreditation",
                         {"name": "x" * 600_000, "email": "a@example.org"},
                         content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)


def import_file(client, step, data: bytes, name: str) -> str:
    return post_form(client, f"/gestion/etapes/{step.id}/import",
                     {"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data").get_data(as_text=True)


@pytest.mark.parametrize(("data", "name", "message"), [
    (PNG, "contributions.csv", "ni un tableau CSV ni un classeur Excel"),
    (b"Type;Texte\n\x01\x02\x03\xfe\xff binaire;\x1b[0m\n", "contributions.csv",
     "pas un tableau CSV lisible"),
    (b"Type;Texte\r\nproposition;" + b"x" * (2 * 1024 * 1024), "gros.csv",
     "dépasse la taille autorisée"),
])
def test_an_import_is_checked_by_size_and_real_type_and_nothing_refused_is_kept(
        client, step, organiser, data, name, message):
    before = stored("import")
    assert message in import_file(client, step, data, name)
    assert stored("import") == before


def test_an_xlsx_that_unpacks_to_too_much_is_refused_unread(client, step, organiser,
                                                            monkeypatch):
    monkeypatch.setattr(imports, "XLSX_MAX_UNPACKED", 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"\x00" * (2 * 1024 * 1024))
    assert len(bomb.getvalue()) < 10_000
    before = stored("import")
    html = import_file(client, step, bomb.getvalue(), "classeur.xlsx")
    assert "trop volumineux une fois décompressé" in html
    assert stored("import") == before
