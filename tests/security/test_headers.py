"""Security headers on every kind of response, HSTS in production only, cookies, and templates
that keep the Content-Security-Policy possible (no inline script anywhere)."""

import re
from pathlib import Path

import pytest
from flask import Flask, session

from app import create_app
from app.security import CONTENT_SECURITY_POLICY, init_security
from tests.factories import make_campaign, make_step

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Rendered to PDF by WeasyPrint, never sent to a browser as HTML: their <style> is fine.
PDF_TEMPLATES = {"registrations/signin_sheet.html", "syntheses/document.html"}
SECRET = "une-clé-de-production-de-plus-de-32-caractères"

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def policy(response) -> dict[str, str]:
    """The response's Content-Security-Policy as {directive: sources}."""
    return dict(part.strip().split(" ", 1)
                for part in response.headers["Content-Security-Policy"].split(";"))


@pytest.fixture
def step():
    return make_step(make_campaign(slug="cnr"))


@pytest.mark.parametrize("path", [
    "/", "/calendrier", "/calendrier.ics", "/demarches/cnr.ics", "/etapes/{step}",
    "/etapes/{step}.ics", "/api/v1/demarches", "/api/v1/openapi.json", "/connexion",
    "/static/js/wall.js", "/static/vendor/dsfr/dsfr.min.css", "/page-inconnue",
])
def test_every_kind_of_response_carries_the_security_headers(client, step, path):
    response = client.get(path.format(step=step.id))
    assert response.status_code in (200, 404)
    for name, value in EXPECTED.items():
        assert response.headers[name] == value, name
    assert policy(response) == CONTENT_SECURITY_POLICY


def test_a_refused_post_and_a_redirect_carry_them_too(client):
    refused = client.post("/presse/accreditation", data={"name": "sans jeton CSRF"})
    assert refused.status_code == 400
    redirect = client.get("/gestion/")
    assert redirect.status_code == 302
    for response in (refused, redirect):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_policy_allows_no_inline_script_no_plugin_and_no_framing(client):
    csp = policy(client.get("/"))
    assert csp["script-src"] == "'self'"
    everything = " ".join(csp.values())
    assert "unsafe-inline" not in everything and "unsafe-eval" not in everything
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == csp["form-action"] == csp["default-src"] == "'self'"
    # DSFR's icons are SVG data: images in its stylesheet; nothing else comes from elsewhere.
    assert csp["img-src"] == "'self' data:"


def test_a_view_that_sets_its_own_header_keeps_it():
    app = Flask(__name__)
    init_security(app)
    app.add_url_rule("/integrable", "integrable",
                     lambda: ("ok", {"X-Frame-Options": "SAMEORIGIN"}))
    response = app.test_client().get("/integrable")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_calendar_feed_keeps_its_own_headers_and_stays_conditional(client, step):
    first = client.get(f"/etapes/{step.id}.ics")
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert first.headers["Content-Disposition"] == f'attachment; filename="etape-{step.id}.ics"'
    assert first.data.startswith(b"BEGIN:VCALENDAR")
    again = client.get(f"/etapes/{step.id}.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_the_open_api_stays_readable_from_other_sites(client):
    response = client.get("/api/v1/demarches", headers={"Origin": "https://data.example.org"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def production_app(tmp_path, **overrides):
    settings = {"SECRET_KEY": SECRET, "PUBLIC_BASE_URL": "https://concertations.example.fr",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.db'}"}
    return create_app("production", {**settings, **overrides})


def test_production_sends_hsts_for_two_years(tmp_path):
    response = production_app(tmp_path).test_client().get("/static/css/concerto.css")
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000"


def test_hsts_may_cover_subdomains_when_the_operator_says_so(tmp_path):
    app = production_app(tmp_path, HSTS_INCLUDE_SUBDOMAINS=True, HSTS_SECONDS=31536000)
    response = app.test_client().get("/static/css/concerto.css")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def session_cookie(app) -> str:
    """The Set-Cookie header of a response that writes the session."""
    app.add_url_rule("/essai-session", "essai_session",
                     lambda: session.update(essai=1) or "ok")
    response = app.test_client().get("/essai-session")
    [cookie] = response.headers.getlist("Set-Cookie")
    return cookie


def test_production_cookies_are_secure_http_only_and_same_site_lax(tmp_path):
    app = production_app(tmp_path)
    cookie = session_cookie(app)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_development_cookies_work_over_plain_http_but_stay_http_only(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 't.db'}"})
    cookie = session_cookie(app)
    assert "Secure" not in cookie
    assert "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def browser_templates() -> list[Path]:
    return [path for path in TEMPLATES.rglob("*.html")
            if path.relative_to(TEMPLATES).as_posix() not in PDF_TEMPLATES
            and path.relative_to(TEMPLATES).parts[0] != "mail"]  # mails: inline styles


@pytest.mark.parametrize(("pattern", "what"), [
    (r"<script(?![^>]*\ssrc=)[^>]*>", "inline <script>"),
    (r"\son[a-z]+\s*=", "inline event handler (onclick=…)"),
    (r"javascript:", "javascript: URL"),
    (r"<style|\sstyle\s*=", "inline style"),
])
def test_templates_sent_to_browsers_hold_nothing_the_policy_would_block(pattern, what):
    offenders = [path.relative_to(TEMPLATES).as_posix() for path in browser_templates()
                 if re.search(pattern, path.read_text(encoding="utf-8"), re.IGNORECASE)]
    assert offenders == [], f"{what} : déplacez-le dans static/"
