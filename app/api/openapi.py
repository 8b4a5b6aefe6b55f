"""The OpenAPI 3.1 description of /api/v1. The contribution schema is the open-data JSON
Schema itself, so the API and the downloads cannot drift apart."""

from __future__ import annotations

from functools import cache
from typing import Any

from app.opendata.records import contribution_schema


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _list_of(reference: str) -> dict[str, Any]:
    return {"type": "object", "required": ["donnees"], "additionalProperties": False,
            "properties": {"donnees": {"type": "array",
                                       "items": {"$ref": f"#/components/schemas/{reference}"}}}}


def _json(reference: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{reference}"}}}}


ERRORS = {"400": _json("Erreur", "Paramètre invalide"),
          "404": _json("Erreur", "Introuvable")}


# Text parameters may hold any character but NUL, which the app refuses (400).
TEXT = {"type": "string", "pattern": "^[^\u0000]*$"}


def _parameter(name: str, where: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path",
            "description": description, "schema": schema or TEXT}


SLUG = _parameter("slug", "path", "Identifiant de la démarche, par exemple "
                  "cnr-sante-occitanie-2022.")
DEPARTEMENT = _parameter("departement", "query", "Code INSEE d’un département.")

STEP = {"type": "object", "additionalProperties": False, "required": [
    "id", "titre", "demarche", "departement_code", "departement", "ville", "lieu", "date",
    "debut", "fin", "etat", "url", "ics"], "properties": {
    "id": {"type": "integer"}, "titre": {"type": "string"}, "demarche": {"type": "string"},
    "departement_code": {"type": "string"}, "departement": {"type": "string"},
    "ville": {"type": "string"}, "lieu": {"type": "string"},
    "date": _nullable("string", format="date", description="null : date en cours de "
                                                           "programmation"),
    "debut": _nullable("string", pattern="^[0-2][0-9]:[0-5][0-9]$"),
    "fin": _nullable("string", pattern="^[0-2][0-9]:[0-5][0-9]$"),
    "etat": {"type": "string", "enum": ["upcoming", "unscheduled", "held", "cancelled"]},
    "url": {"type": "string", "format": "uri"}, "ics": {"type": "string", "format": "uri"}}}

SCHEMAS = {
    "Erreur": {"type": "object", "required": ["error", "message"],
               "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
    "Territoire": {"type": "object", "additionalProperties": False,
                   "required": ["code", "nom", "type", "parent_code"], "properties": {
                       "code": {"type": "string"}, "nom": {"type": "string"},
                       "type": {"type": "string", "enum": ["region", "departement",
                                                          "proximite"]},
                       "parent_code": _nullable("string")}},
    "Demarche": {"type": "object", "additionalProperties": False, "required": [
        "slug", "titre", "resume", "debut", "fin", "date_limite_synthese",
        "contributions_ouvertes", "url"], "properties": {
        "slug": {"type": "string"}, "titre": {"type": "string"}, "resume": {"type": "string"},
        "debut": _nullable("string", format="date"), "fin": _nullable("string", format="date"),
        "date_limite_synthese": _nullable("string", format="date"),
        "contributions_ouvertes": {"type": "boolean"},
        "url": {"type": "string", "format": "uri"}}},
    "Question": {"type": "object", "additionalProperties": False,
                 "required": ["code", "titre", "description", "position"], "properties": {
                     "code": {"type": "string"}, "titre": {"type": "string"},
                     "description": {"type": "string"}, "position": {"type": "integer"}}},
    "Etape": STEP,
    "PageContributions": {"type": "object", "additionalProperties": False,
                          "required": ["donnees", "suivant"], "properties": {
                              "donnees": {"type": "array", "items": {
                                  "$ref": "#/components/schemas/Contribution"}},
                              "suivant": _nullable("string", format="uri")}},
}


def _get(summary: str, response: dict[str, Any], parameters: list | None = None,
         errors: tuple[str, ...] = ()) -> dict[str, Any]:
    # Any request may be refused as malformed (a NUL character, for one).
    codes = sorted({"400", *errors})
    operation = {"summary": summary, "responses": {"200": response,
                                                   **{code: ERRORS[code] for code in codes}}}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


@cache
def document() -> dict[str, Any]:
    contribution = {key: value for key, value in contribution_schema().items()
                    if key not in ("$schema", "$id")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "API Concerto", "version": "1.0.0",
                 "description": "Données publiques des concertations : territoires, démarches, "
                                "questions, étapes et contributions publiées. Lecture seule, "
                                "sans authentification. Licence Ouverte 2.0 (Etalab).",
                 "license": {"name": "Licence Ouverte 2.0",
                             "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/territoires": _get("Région et départements", {
                "description": "Territoires", "content": {"application/json": {
                    "schema": _list_of("Territoire")}}}),
            "/demarches": _get("Démarches de concertation", {
                "description": "Démarches", "content": {"application/json": {
                    "schema": _list_of("Demarche")}}}),
            "/demarches/{slug}/questions": _get("Questions (défis) d’une démarche", {
                "description": "Questions", "content": {"application/json": {
                    "schema": _list_of("Question")}}}, [SLUG], ("404",)),
            "/etapes": _get("Étapes publiées (réunions)", {
                "description": "Étapes", "content": {"application/json": {
                    "schema": _list_of("Etape")}}},
                [_parameter("demarche", "query", "Identifiant d’une démarche."), DEPARTEMENT],
                ("404",)),
            "/etapes/{step_id}": _get("Une étape", _json("Etape", "Étape"), [
                _parameter("step_id", "path", "Identifiant de l’étape.", type="integer",
                           minimum=1, maximum=2**31 - 1)], ("404",)),
            "/demarches/{slug}/contributions": _get(
                "Contributions publiées, des plus anciennes aux plus récentes",
                _json("PageContributions", "Une page de contributions"), [
                    SLUG, DEPARTEMENT,
                    _parameter("question", "query", "Code d’une question de la démarche."),
                    _parameter("type", "query", "Type de contribution.", type="string",
                               enum=["proposal", "testimony"]),
                    _parameter("apres", "query", "Identifiant après lequel reprendre (le "
                               "lien « suivant » le donne).", type="integer", minimum=0,
                               maximum=2**31 - 1),
                    _parameter("limite", "query", "Taille de la page.", type="integer",
                               minimum=1, maximum=100)], ("400", "404")),
        },
        "components": {"schemas": {**SCHEMAS, "Contribution": contribution}},
    }
