"""What the legal pages say, from the settings: who is responsible, the retention periods, the
RGAA accessibility declaration, and an optional Markdown complement written by the operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from markupsafe import Markup

from app import markdown

# The three RGAA statuses, by the word an operator may write in ACCESSIBILITY_STATUS.
STATUSES = {"totalement": "totalement conforme", "partiellement": "partiellement conforme",
            "non": "non conforme"}
PAGES = ("mentions-legales", "donnees-personnelles", "accessibilite")


@dataclass(frozen=True)
class Retention:
    """One retention period, as the personal-data page lists it."""

    what: str
    days: int
    counted_from: str


@dataclass(frozen=True)
class AccessibilityDeclaration:
    status: str  # « totalement conforme », « partiellement conforme » or « non conforme »
    audit_date: date | None
    audited_by: str
    method: str
    compliance_rate: str
    declared_on: date | None
    scheme_url: str


def _setting(name: str, fallback: str) -> str:
    return (current_app.config.get(name) or "").strip() or fallback


def data_controller() -> str:
    config = current_app.config
    return _setting("DATA_CONTROLLER",
                    f"{config['BRAND_OPERATOR_LONG']} ({config['BRAND_OPERATOR']})")


def dpo_contact() -> str:
    return _setting("DPO_CONTACT", current_app.config["BRAND_CONTACT_EMAIL"])


def publisher() -> str:
    return _setting("LEGAL_PUBLISHER", data_controller())


def retention_periods() -> list[Retention]:
    """The periods ``flask purge-personal-data`` applies, read from the same settings."""
    config = current_app.config
    return [
        Retention("Inscriptions à une étape (nom, coordonnées, organisme, besoins, réponses)",
                  config["REGISTRATION_RETENTION_DAYS"], "après la date de l’étape"),
        Retention("Adresse électronique laissée avec une contribution",
                  config["CONTRIBUTION_EMAIL_RETENTION_DAYS"],
                  "après la date limite de la synthèse de la démarche (ou après la "
                  "contribution, si elle est plus tardive)"),
        Retention("Courriels envoyés (destinataire et contenu)", config["MAIL_RETENTION_DAYS"],
                  "après leur envoi"),
        Retention("Accréditations presse", config["PRESS_RETENTION_DAYS"],
                  "après la dernière étape suivie"),
    ]


def _parse_date(name: str) -> date | None:
    raw = (current_app.config.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        current_app.logger.warning("%s n’est pas une date AAAA-MM-JJ : %r (ignorée)", name, raw)
        return None


def accessibility_status() -> str:
    """The declared conformance; without an audit the RGAA requires « non conforme »."""
    if _parse_date("ACCESSIBILITY_AUDIT_DATE") is None:
        return STATUSES["non"]
    word = _setting("ACCESSIBILITY_STATUS", "non").lower().split()[0]
    return STATUSES.get(word, STATUSES["non"])


def accessibility_declaration() -> AccessibilityDeclaration:
    audit_date = _parse_date("ACCESSIBILITY_AUDIT_DATE")
    return AccessibilityDeclaration(
        status=accessibility_status(), audit_date=audit_date,
        audited_by=_setting("ACCESSIBILITY_AUDIT_BY", ""),
        method=_setting("ACCESSIBILITY_AUDIT_METHOD", ""),
        compliance_rate=_setting("ACCESSIBILITY_COMPLIANCE_RATE", "").rstrip(" %"),
        declared_on=_parse_date("ACCESSIBILITY_DECLARATION_DATE") or audit_date,
        scheme_url=_setting("ACCESSIBILITY_SCHEME_URL", ""))


def complement(page: str) -> Markup | None:
    """The operator's own text for a page (``<LEGAL_PAGES_FOLDER>/<page>.md``), or None.

    It is added at the end, never in place of the page: what the law requires (retention
    periods, conformance status, recourse) always comes from the settings."""
    folder = Path(current_app.config.get("LEGAL_PAGES_FOLDER")
                  or Path(current_app.instance_path) / "pages")
    path = folder / f"{page}.md"
    if page not in PAGES or not path.is_file():
        return None
    return markdown.to_html(path.read_text(encoding="utf-8"))
