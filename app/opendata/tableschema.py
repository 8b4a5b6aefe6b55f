"""Open data as data.gouv.fr expects it: Table Schemas (Frictionless) for the CSV files, a Data
Package describing a campaign's files, and the directory of files to upload.

Two Table Schemas per file: a stable one (/donnees/schemas/contributions.json), whose
constraints hold for any campaign (types, INSEE code pattern), and the campaign's own
(/donnees/<slug>/contributions.tableschema.json), whose enums also list its questions and the
territories it may name. Both come from app.opendata.columns, like the CSV header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.campaigns.models import Campaign, Step
from app.clock import now
from app.extensions import db
from app.opendata import columns, follow_ups, formats, records
from app.opendata.licence import LICENCE, LICENCE_URL, licenses
from app.territories.models import Territory
from app.territories.queries import departements
from app.urls import absolute_url, base_url

SCHEMA_VERSION = "1.0.0"
MISSING_VALUES = [""]


@dataclass(frozen=True)
class Table:
    """One CSV file of a campaign: its columns and how data.gouv.fr presents it."""

    name: str  # also the file's and the URL's stem: contributions, chiffres
    endpoint: str  # the CSV download's
    columns: tuple[columns.Column, ...]
    title: str
    description: str
    primary_key: tuple[str, ...] = ()


TABLES = {table.name: table for table in (
    Table("contributions", "opendata.contributions", columns.CONTRIBUTION_COLUMNS,
          "Contributions publiées",
          "Les contributions publiées d’une concertation en santé (paroles de citoyens et "
          "propositions), une ligne par contribution, avec la réponse des organisateurs. "
          "Aucune donnée personnelle : ni adresse électronique, ni nom, ni téléphone ; le "
          "pseudonyme seulement quand son auteur a choisi de l’afficher.",
          primary_key=("reference",)),
    Table("chiffres", "opendata.figures", columns.FIGURE_COLUMNS, "Chiffres des contributions",
          "Le nombre de contributions publiées et le total de leurs soutiens, par département, "
          "question, type de contribution et catégorie d’auteur."),
    Table("suites", "opendata.follow_ups", columns.FOLLOW_UP_COLUMNS, "Suites données",
          "Les suites données aux propositions retenues par les organisateurs : statut, "
          "avancement, mesure qu’elles sont devenues et date de la dernière mise à jour, une "
          "ligne par proposition.", primary_key=("reference",)),
)}


def _places(campaign: Campaign) -> list[tuple[str, str]]:
    """(code, name) of the territories a contribution may name: every département, and the
    territory of each of the campaign's steps (a contribution captured there takes it)."""
    places = {(territory.code, territory.name) for territory in departements()}
    places.update((code, name) for code, name in db.session.execute(
        sa.select(Territory.code, Territory.name).join(Step, Step.territory_id == Territory.id)
        .where(Step.campaign_id == campaign.id).distinct()))
    return sorted(places)


def _enums(campaign: Campaign) -> dict[str, list[str]]:
    places = _places(campaign)
    return {"question_code": [challenge.code for challenge in campaign.challenges],
            "question": [challenge.title for challenge in campaign.challenges],
            "departement_code": sorted({code for code, _ in places}),
            "departement": sorted({name for _, name in places})}


def stable_schema_url(name: str) -> str:
    return absolute_url("opendata.table_schema", table=name)


def table_schema(name: str, campaign: Campaign | None = None) -> dict[str, Any]:
    """The Table Schema of a CSV file: the stable one, or ``campaign``'s (its enums)."""
    table = TABLES[name]
    enums = _enums(campaign) if campaign else {}
    if campaign:
        title = f"{table.title} — {campaign.title}"
        path = absolute_url("opendata.campaign_table_schema", slug=campaign.slug, table=name)
    else:
        title, path = table.title, stable_schema_url(name)
    schema: dict[str, Any] = {
        "name": f"concerto-{name}",
        "title": title,
        "description": table.description + " Fichier CSV en UTF-8, séparateur virgule, une "
                       "ligne d’en-tête ; dates en UTC au format ISO 8601 ; cellule vide pour "
                       "une valeur absente ; un texte qui commencerait par =, +, -, @, une "
                       "tabulation ou un retour chariot est précédé "
                       "d’une apostrophe, pour qu’un tableur ne l’évalue pas.",
        "homepage": absolute_url("opendata.index"),
        "path": path,
        "version": SCHEMA_VERSION,
        "licenses": licenses(),
        "fields": [column.table_field(enums.get(column.name)) for column in table.columns],
        "missingValues": MISSING_VALUES,
    }
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    return schema


def file_name(table: str, campaign: Campaign) -> str:
    """The CSV file's name: the one its download gives."""
    return f"{table}-{campaign.slug}.csv"


def _resource(table: Table, campaign: Campaign, path: str, schema: str) -> dict[str, Any]:
    return {"name": table.name, "title": f"{table.title} — {campaign.title}",
            "description": table.description, "path": path, "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "profile": "tabular-data-resource",
            "schema": schema, "licenses": licenses()}


def publisher() -> dict[str, str]:
    """The organisation publishing the data (the operator: BRAND_* settings)."""
    config = current_app.config
    title = config["BRAND_OPERATOR_LONG"]
    if config["BRAND_OPERATOR"] and config["BRAND_OPERATOR"] != title:
        title = f"{title} ({config['BRAND_OPERATOR']})"
    return {"title": title, "role": "publisher", "path": base_url()}


def data_package(campaign: Campaign, local: bool = False) -> dict[str, Any]:
    """The campaign's Data Package: absolute URLs (served), or the file names ``build``
    writes beside it (``local``)."""
    resources = []
    for table in TABLES.values():
        if local:
            path, schema = file_name(table.name, campaign), f"{table.name}.tableschema.json"
        else:
            path = absolute_url(table.endpoint, slug=campaign.slug, extension="csv")
            schema = absolute_url("opendata.campaign_table_schema", slug=campaign.slug,
                                  table=table.name)
        resources.append(_resource(table, campaign, path, schema))
    return {
        "profile": "tabular-data-package",
        "name": f"concerto-{campaign.slug}".lower(),
        "title": f"Contributions publiées — {campaign.title}",
        "description": " ".join(filter(None, (
            f"Contributions publiées de la concertation « {campaign.title} » "
            f"({campaign.territory.name}) et leurs chiffres par département, question, type "
            f"et catégorie d’auteur, sous {LICENCE}.", campaign.summary))),
        "homepage": absolute_url("contributions.browse", slug=campaign.slug),
        "version": SCHEMA_VERSION,
        "created": now().isoformat(timespec="seconds").replace("+00:00", "Z"),
        "licenses": licenses(),
        "contributors": [publisher()],
        "keywords": ["santé", "concertation", "démocratie en santé", "participation citoyenne",
                     campaign.territory.name],
        "resources": resources,
    }


def export_metadata(campaign: Campaign) -> dict[str, Any]:
    """What a JSON download says before its records."""
    return {"demarche": campaign.slug, "titre": campaign.title, "licence": LICENCE,
            "licence_url": LICENCE_URL, "genere_le": now().isoformat()}


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def build(campaign: Campaign, directory: Path,
          echo: Callable[[Path], None] = lambda path: None) -> list[Path]:
    """Write the campaign's files for an upload to data.gouv.fr into ``directory``: the CSV and
    JSON files, their Table Schemas and datapackage.json (relative paths). Returns them."""
    directory.mkdir(parents=True, exist_ok=True)
    metadata = export_metadata(campaign)
    written: list[Path] = []

    def write(name: str, chunks: Iterable[str]) -> None:
        path = directory / name
        with path.open("w", encoding="utf-8", newline="") as out:
            out.writelines(chunks)
        written.append(path)
        echo(path)

    scope = records.Scope(campaign=campaign)
    write(file_name("contributions", campaign),
          formats.csv_stream(records.fields(), records.published(scope)))
    write(f"contributions-{campaign.slug}.json",
          formats.json_stream(records.published(scope), metadata))
    figures = records.figures(campaign)
    write(file_name("chiffres", campaign), formats.csv_stream(records.FIGURE_FIELDS, figures))
    write(f"chiffres-{campaign.slug}.json", formats.json_stream(figures, metadata))
    write(file_name("suites", campaign),
          formats.csv_stream(follow_ups.FIELDS, follow_ups.rows(campaign)))
    write(f"suites-{campaign.slug}.json", formats.json_stream(follow_ups.rows(campaign), metadata))
    for name in TABLES:
        write(f"{name}.tableschema.json", [_dump(table_schema(name, campaign))])
    write("datapackage.json", [_dump(data_package(campaign, local=True))])
    return written
