"""Transmission to the ministry: one ZIP holding the validated synthesis (DOCX, PDF), its open
data (CSV, XLSX, JSON) and a manifest of SHA-256 checksums; who sent what and when is kept, and
the ZIP itself, as sent, in the shared storage (app.storage): any app server can serve it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from flask import current_app

from app import audit, storage
from app.accounts.models import User
from app.clock import now
from app.documents.models import PreparedDocument
from app.documents.services import Built, DocumentError
from app.extensions import db
from app.opendata import formats, records
from app.syntheses import documents
from app.syntheses.models import Synthesis, SynthesisState, Transmission
from app.syntheses.report import build
from app.syntheses.services import SynthesisError
from app.territories.models import TerritoryKind


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


def transmit_by_worker(document: PreparedDocument) -> Built:
    """Builder of app.documents: the transmission, made by a worker; the ZIP is the
    document. Its rows commit with the document's (one transaction)."""
    synthesis = db.session.get(Synthesis, document.subject_id)
    if synthesis is None:
        raise DocumentError("Cette synthèse n’existe plus.")
    if document.requested_by is None:  # its account deleted meanwhile: the ZIP names who sent it
        raise DocumentError("Le compte qui a demandé la transmission n’existe plus.")
    try:
        sent = transmit(synthesis, document.requested_by, commit=False)
    except SynthesisError as error:
        raise DocumentError(str(error)) from error
    return Built("application/zip", stored_key=sent.stored_name)


def transmit(synthesis: Synthesis, user: User, commit: bool = True) -> Transmission:
    """Build the ZIP and record it, with its stored copy, in one transaction (raises
    SynthesisError with a French message, the storage's failure included)."""
    if synthesis.state is SynthesisState.DRAFT:
        raise SynthesisError("La synthèse doit d’abord être validée par un administrateur.")
    content, checksums = bundle(synthesis, user)
    try:
        with storage.storing():
            sent = Transmission(synthesis=synthesis, transmitted_by=user,
                                stored_name=storage.put("transmission", content,
                                                        "application/zip"),
                                sha256=hashlib.sha256(content).hexdigest(), manifest=checksums)
            db.session.add(sent)
            synthesis.state = SynthesisState.TRANSMITTED
            audit.record("synthesis.transmit", synthesis,
                         f"Synthèse {synthesis.territory.display_name} transmise "
                         f"(ZIP {sent.sha256[:12]}…)", user=user)
            db.session.flush()  # a refusal of the database shows here, as a StorageError
            if commit:
                db.session.commit()
    except storage.StorageError as error:
        raise SynthesisError(f"La synthèse n’est pas transmise. {error}") from error
    return sent
