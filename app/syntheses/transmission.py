"""Transmission to the ministry: one ZIP holding the validated synthesis (DOCX, PDF), its open
data (CSV, XLSX, JSON) and a manifest of SHA-256 checksums; who sent what and when is kept."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile

from flask import current_app

from app import audit
from app.accounts.models import User
from app.clock import now
from app.extensions import db
from app.opendata import formats, records
from app.press.files import upload_folder
from app.syntheses import documents
from app.syntheses.models import Synthesis, SynthesisState, Transmission
from app.syntheses.report import build
from app.syntheses.services import SynthesisError
from app.territories.models import TerritoryKind

MIMETYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}


def _data_files(synthesis: Synthesis) -> dict[str, bytes]:
    regional = synthesis.territory.kind is TerritoryKind.REGION
    scope = records.Scope(campaign=synthesis.campaign,
                          territory_id=None if regional else synthesis.territory_id)
    columns = records.fields()
    figures = records.figures(synthesis.campaign, scope.territory_id)
    return {
        "donnees/contributions.csv": "".join(formats.csv_stream(
            columns, records.published(scope))).encode(),
        "donnees/contributions.xlsx": formats.xlsx_bytes(
            columns, records.published(scope), "contributions"),
        "donnees/contributions.json": "".join(formats.json_stream(
            records.published(scope), {"licence": "Licence Ouverte 2.0"})).encode(),
        "donnees/chiffres.csv": "".join(formats.csv_stream(
            records.FIGURE_FIELDS, figures)).encode(),
    }


def bundle(synthesis: Synthesis, user: User) -> tuple[bytes, dict[str, str]]:
    """The ZIP, and the SHA-256 of each file it holds (also written in manifest.json)."""
    report = build(synthesis, current_app.config["BRAND_OPERATOR"])
    files = {"synthese.docx": documents.docx(report), "synthese.pdf": documents.pdf(report),
             **_data_files(synthesis)}
    checksums = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    manifest = {"demarche": synthesis.campaign.title, "territoire": synthesis.territory.name,
                "etat": synthesis.state.label, "transmis_le": now().isoformat(),
                "transmis_par": user.name, "licence_donnees": "Licence Ouverte 2.0 (Etalab)",
                "fichiers": [{"nom": name, "sha256": digest, "octets": len(files[name])}
                             for name, digest in checksums.items()]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue(), checksums


def transmit(synthesis: Synthesis, user: User) -> Transmission:
    if synthesis.state is SynthesisState.DRAFT:
        raise SynthesisError("La synthèse doit d’abord être validée par un administrateur.")
    content, checksums = bundle(synthesis, user)
    stored_name = f"{uuid.uuid4().hex}.zip"
    (upload_folder("transmissions") / stored_name).write_bytes(content)
    sent = Transmission(synthesis=synthesis, transmitted_by=user, stored_name=stored_name,
                        sha256=hashlib.sha256(content).hexdigest(), manifest=checksums)
    db.session.add(sent)
    synthesis.state = SynthesisState.TRANSMITTED
    audit.record("synthesis.transmit", synthesis,
                 f"Synthèse {synthesis.territory.display_name} transmise "
                 f"(ZIP {sent.sha256[:12]}…)", user=user)
    db.session.commit()
    return sent
