"""The legal pages say what the settings say: operator, DPO, host, retention, RGAA status."""

import pytest

ARS = {
    "DATA_CONTROLLER": "Agence régionale de santé Occitanie\n26-28 parc-club du Millénaire, "
                       "34067 Montpellier cedex 2",
    "DPO_CONTACT": "ars-oc-dpd@ars.sante.fr",
    "PRIVACY_LEGAL_BASIS": "mission d’intérêt public de l’ARS (article L1431-2 du code de la "
                           "santé publique)",
    "LEGAL_PUBLISHER": "Agence régionale de santé Occitanie",
    "LEGAL_DIRECTOR": "Le directeur général de l’ARS Occitanie",
    "LEGAL_HOST": "Hébergeur Exemple SAS\n2 rue des Serveurs, 31000 Toulouse — 05 61 00 00 00",
    "ACCESSIBILITY_STATUS": "partiellement conforme",
    "ACCESSIBILITY_AUDIT_DATE": "2026-03-16",
    "ACCESSIBILITY_AUDIT_BY": "Access Audit SARL",
    "ACCESSIBILITY_AUDIT_METHOD": "échantillon de 12 pages, NVDA avec Firefox",
    "ACCESSIBILITY_COMPLIANCE_RATE": "72",
}


@pytest.fixture
def ars(app):
    app.config.update(ARS)


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_personal_data_page_names_controller_dpo_legal_basis_and_host(client, ars):
    html = text(client, "/donnees-personnelles")
    assert "Agence régionale de santé Occitanie<br>26-28 parc-club du Millénaire" in html
    assert '<a href="mailto:ars-oc-dpd@ars.sante.fr">' in html
    assert "article L1431-2 du code de la santé publique" in html
    assert "Notre hébergeur (Hébergeur Exemple SAS)" in html
    assert "https://www.cnil.fr/fr/plaintes" in html


def test_retention_periods_shown_are_the_settings_used_by_the_purge(app, client):
    app.config.update(REGISTRATION_RETENTION_DAYS=400, CONTRIBUTION_EMAIL_RETENTION_DAYS=200,
                      MAIL_RETENTION_DAYS=45, PRESS_RETENTION_DAYS=730)
    html = text(client, "/donnees-personnelles")
    assert "400 jours après la date de l’étape" in html
    assert "200 jours après la date limite de la synthèse" in html
    assert "45 jours après leur envoi" in html
    assert "730 jours après la dernière étape suivie" in html


def test_legal_notice_names_publisher_director_and_host(client, ars):
    html = text(client, "/mentions-legales")
    assert "Agence régionale de santé Occitanie" in html
    assert "Le directeur général de l’ARS Occitanie" in html
    assert "Hébergeur Exemple SAS<br>2 rue des Serveurs" in html


def test_legal_notice_says_when_the_host_is_missing_and_falls_back_on_the_brand(app, client):
    app.config.update(BRAND_OPERATOR="ARS Occitanie", BRAND_OPERATOR_LONG="Agence régionale "
                      "de santé Occitanie")
    html = text(client, "/mentions-legales")
    assert "Agence régionale de santé Occitanie (ARS Occitanie)" in html
    assert "Le représentant légal de Agence régionale de santé Occitanie (ARS Occitanie)" in html
    assert "<code>LEGAL_HOST</code>" in html


def test_accessibility_declaration_follows_the_rgaa_model(client, ars):
    html = text(client, "/accessibilite")
    assert "est <strong>partiellement conforme</strong> avec le référentiel général" in html
    assert "réalisé le lundi 16 mars 2026 par Access Audit SARL" in html
    assert "72 % des critères du RGAA version 4.1 sont respectés" in html
    assert "NVDA avec Firefox" in html
    assert "Cette déclaration a été établie le lundi 16 mars 2026" in html
    assert "Contenus non accessibles" in html and "Dérogations pour charge" in html
    assert "Défenseur des droits, Libre réponse 71120" in html
    assert "Accessibilité : partiellement conforme" in html  # the footer


def test_without_an_audit_the_site_is_declared_non_conforme_on_every_page(app, client):
    app.config.update(ACCESSIBILITY_STATUS="totalement conforme", ACCESSIBILITY_AUDIT_DATE="")
    html = text(client, "/accessibilite")
    assert "est <strong>non conforme</strong>" in html and "faute d’audit" in html
    assert "Accessibilité : non conforme" in text(client, "/")


def test_footer_links_to_the_three_legal_pages(client):
    html = text(client, "/")
    for url in ("/accessibilite", "/mentions-legales", "/donnees-personnelles"):
        assert f'href="{url}"' in html


def test_operator_markdown_is_added_to_the_page_with_raw_html_escaped(app, client, tmp_path):
    (tmp_path / "donnees-personnelles.md").write_text(
        "## Sous-traitants\n\nEnvoi des courriels : *Exemple Mail*.\n\n<script>alert(1)</script>\n",
        encoding="utf-8")
    app.config["LEGAL_PAGES_FOLDER"] = str(tmp_path)
    html = text(client, "/donnees-personnelles")
    assert "<h2>Sous-traitants</h2>" in html and "<em>Exemple Mail</em>" in html
    assert "<script>alert(1)</script>" not in html
    assert html.index("Sous-traitants") > html.index("Combien de temps")
    assert "Sous-traitants" not in text(client, "/mentions-legales")
