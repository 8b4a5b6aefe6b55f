"""Path traversal in every name a URL or a form hands to the file system (static files,
synthesis bundles, import tokens), and oversize bodies on every upload route and on JSON:
400/404/413, nothing read from outside, nothing changed. (The press-kit download name and one
upload of each kind are covered in test_uploads.py.)"""

from __future__ import annotations

import io

import pytest
from flask import Flask

from tests.helpers import csrf_token
from tests.security.conftest import changed_tables, fingerprint

TRAVERSALS = ["../../config.py", "..%2F..%2Fconfig.py", "%2e%2e/%2e%2e/config.py",
              "....//....//config.py", "..\\..\\config.py", "/etc/passwd",
              "..%252f..%252fconfig.py", "%c0%ae%c0%ae/config.py", "..;/config.py"]
# What a leaked file would show: this app's configuration, or the system's users.
LEAKS = ("DEFAULT_SECRET_KEY", "SECRET_KEY", "root:x:", "def create_app")


def _leaks(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [leak for leak in LEAKS if leak in body]


@pytest.mark.parametrize("template", [
    "/static/{}", "/static/css/{}", "/presse/fichiers/{kit}/{}",
    "/gestion/syntheses/{}/46/envois/{sent}.zip", "/gestion/syntheses/cnr/{}/envois/{sent}.zip",
    "/gestion/syntheses/cnr/{}", "/inscriptions/{}", "/gestion/pointage/{}",
    "/departements/{}", "/demarches/{}", "/donnees/{}/contributions.csv",
])
def test_traversal_in_a_path_reads_nothing_outside(scene, client_as, template):
    reader = client_as(scene["lot_organiser"])
    before = fingerprint()
    for traversal in TRAVERSALS:
        url = template.format(traversal, kit=scene["lot_kit"].id,
                              sent=scene["lot_transmission"].id)
        response = reader.get(url)
        if response.status_code == 308:  # « // » merged into « / »: the same folder
            assert ".." not in response.headers["Location"], url
            response = reader.get(response.headers["Location"])
        assert response.status_code in (400, 403, 404), (url, response.status_code)
        assert _leaks(response) == [], url
    assert changed_tables(before) == []


@pytest.mark.parametrize("confirm", ["/gestion/etapes/{step}/import/confirmer",
                                     "/gestion/demarches/cnr/reponses/confirmer"])
def test_an_import_token_cannot_name_another_file(scene, client_as, confirm):
    organiser = client_as(scene["region_organiser"])
    url = confirm.format(step=scene["lot_step"].id)
    before = fingerprint()
    for traversal in [*TRAVERSALS, "../uploads/press/" + scene["lot_kit"].stored_name,
                      scene["lot_kit"].stored_name]:
        response = organiser.post(url, data={"token": traversal,
                                             "csrf_token": csrf_token(organiser, "/gestion/")})
        assert response.status_code in (302, 400, 404), (traversal, response.status_code)
        assert _leaks(response) == [], traversal
        if response.status_code == 302:
            page = organiser.get(response.headers["Location"]).get_data(as_text=True)
            assert "n’est plus disponible" in page, traversal
    assert changed_tables(before) == []


UPLOADS = [("/gestion/etapes/{step}/presse", {"title": "Communiqué"}),
           ("/gestion/demarches/cnr/presse", {"title": "Communiqué"}),
           ("/gestion/etapes/{step}/import", {}),
           ("/gestion/demarches/cnr/reponses", {})]


@pytest.mark.parametrize(("url", "fields"), UPLOADS)
def test_every_upload_route_refuses_an_oversize_body_with_413(app: Flask, scene, client_as,
                                                              url, fields):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the same rule as 16 Mo, sent faster
    organiser = client_as(scene["region_organiser"])
    token = csrf_token(organiser, "/gestion/")
    before = fingerprint()
    big = (io.BytesIO(b"%PDF-1.4\n" + b"0" * 100 * 1024), "gros.pdf")
    response = organiser.post(url.format(step=scene["lot_step"].id),
                              data={**fields, "csrf_token": token, "file": big},
                              content_type="multipart/form-data")
    assert response.status_code == 413, url
    assert "Envoi trop volumineux" in response.get_data(as_text=True)
    assert changed_tables(before) == []


def test_a_huge_json_body_is_refused_with_413(app: Flask, scene, client_as):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    visitor = client_as(None)
    before = fingerprint()
    payload = {"body": "x" * 100 * 1024}
    for url in ("/demarches/cnr/contribuer", f"/etapes/{scene['lot_step'].id}/inscription",
                "/presse/accreditation"):
        response = visitor.post(url, json=payload)
        assert response.status_code == 413, url
    api = visitor.get("/api/v1/etapes", json=payload)  # the read-only API ignores bodies
    assert api.status_code in (200, 413)
    assert changed_tables(before) == []


def test_a_huge_query_string_is_no_500(scene, client_as):
    visitor = client_as(None)
    for url in ("/api/v1/etapes", "/demarches/cnr/contributions", "/calendrier"):
        response = visitor.get(url, query_string={"q": "x" * 200_000,
                                                   "departement": "9" * 10_000})
        assert response.status_code < 500, url
