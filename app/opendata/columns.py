"""The open-data files' columns, described once.

The CSV, JSON and XLSX columns (app.opendata.records), the JSON Schema of a contribution
(/donnees/contribution.schema.json, also the API's) and the Table Schemas (Frictionless, for
data.gouv.fr: app.opendata.tableschema) are all built from these descriptions, so that they
cannot drift apart. Titles and descriptions are French: data.gouv.fr shows them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from app.contributions.models import AGE_RANGES, AnswerState, ContributionKind, ContributionSource
from app.followups.models import FollowUpStatus
from app.participants import CATEGORIES
from app.spreadsheets import neutralise

# Table Schema type → JSON Schema type and format.
_JSON_TYPES = {"string": ("string", None), "integer": ("integer", None),
               "number": ("number", None), "datetime": ("string", "date-time"),
               "date": ("string", "date")}
# A département's INSEE code (2A and 2B for Corsica, three digits overseas); a région's code
# has two digits too. Unanchored: Table Schema anchors a pattern itself.
INSEE_CODE = "([0-9]{2}|2A|2B|[0-9]{3})"


@dataclass(frozen=True)
class Column:
    """One column: its Table Schema type and constraints, and its French title and description.

    ``nullable``: the value may be absent (JSON ``null``, an empty CSV cell). ``may_be_empty``:
    a string that may be empty, never ``null`` in JSON but an empty cell all the same in CSV —
    so neither is ``required`` in the Table Schema."""

    name: str
    type: str
    title: str
    description: str
    nullable: bool = False
    may_be_empty: bool = False
    format: str | None = None
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] = ()
    unique: bool = False
    example: str | int | None = None

    def table_field(self, enum: Sequence[str] | None = None) -> dict[str, Any]:
        """The Table Schema field; ``enum`` replaces the fixed values (and the pattern) with a
        campaign's own (its questions, the territories it may name)."""
        field: dict[str, Any] = {"name": self.name, "title": self.title,
                                 "description": self.description, "type": self.type}
        if self.format:
            field["format"] = self.format
        if self.example is not None:
            field["example"] = self.example
        constraints: dict[str, Any] = {"required": not (self.nullable or self.may_be_empty)}
        if self.unique:
            constraints["unique"] = True
        if self.minimum is not None:
            constraints["minimum"] = self.minimum
        if self.maximum is not None:
            constraints["maximum"] = self.maximum
        values = self.enum if enum is None else enum
        if values:
            # As the CSV writes them: a value a spreadsheet would evaluate gets its apostrophe.
            constraints["enum"] = [neutralise(value) for value in values]
        elif self.pattern:
            constraints["pattern"] = self.pattern
        field["constraints"] = constraints
        return field

    def json_property(self) -> dict[str, Any]:
        """The JSON Schema property of a record (an API answer, a JSON download)."""
        kind, format_ = _JSON_TYPES[self.type]
        prop: dict[str, Any] = {"type": [kind, "null"] if self.nullable else kind,
                                "title": self.title, "description": self.description}
        if self.format or format_:
            prop["format"] = self.format or format_
        if self.pattern:
            prop["pattern"] = f"^{self.pattern}$"
        if self.minimum is not None:
            prop["minimum"] = self.minimum
        if self.maximum is not None:
            prop["maximum"] = self.maximum
        if self.enum:
            prop["enum"] = [*self.enum, None] if self.nullable else list(self.enum)
        return prop


QUESTION_CODE = Column(
    "question_code", "string", "Code de la question",
    "Code de la question (défi) de la démarche, par exemple acces-aux-soins ; vide si la "
    "contribution ne répond à aucune question.", nullable=True, example="acces-aux-soins")
QUESTION = Column("question", "string", "Question", "Intitulé de la question.", nullable=True)
DEPARTEMENT_CODE = Column(
    "departement_code", "string", "Code INSEE du département",
    "Code INSEE du département concerné (09, 12, 2A…) ; celui de la région pour une "
    "contribution faite lors d’une étape régionale.", pattern=INSEE_CODE, example="12")
DEPARTEMENT = Column("departement", "string", "Département", "Nom du département.",
                     example="Aveyron")
KIND = Column("type", "string", "Type",
              "proposal : proposition ; testimony : parole de citoyen (témoignage).",
              enum=tuple(kind.value for kind in ContributionKind), example="proposal")
CATEGORY = Column(
    "categorie_auteur", "string", "Catégorie de l’auteur",
    "Catégorie déclarée par l’auteur (collège du conseil territorial de santé, citoyen…) ; "
    "vide si l’auteur n’en a pas déclaré.", nullable=True, enum=tuple(CATEGORIES.values()))
SUPPORTS = Column("soutiens", "integer", "Soutiens",
                  "Nombre de personnes qui soutiennent la proposition.", minimum=0, example=4)

REFERENCE = Column("reference", "string", "Référence",
                   "Référence affichée sur le site, par exemple C-000123.",
                   pattern="C-[0-9]{6,}", unique=True, example="C-000123")
URL = Column("url", "string", "Adresse de la page",
             "Adresse de la page publique de la contribution (texte, réponse des organisateurs, "
             "soutiens), à citer comme source.",
             format="uri", pattern="https?://.+/contributions/C-[0-9]{6,}")

CONTRIBUTION_COLUMNS: tuple[Column, ...] = (
    Column("id", "integer", "Identifiant", "Identifiant stable de la contribution.",
           minimum=1, unique=True, example=123),
    REFERENCE,
    URL,
    KIND,
    Column("type_libelle", "string", "Type (libellé)",
           "Le type en français : « Proposition » ou « Parole de citoyen ».",
           enum=tuple(kind.label for kind in ContributionKind), example="Proposition"),
    Column("titre", "string", "Titre",
           "Titre donné par l’auteur (chaîne vide s’il n’y en a pas).", may_be_empty=True),
    Column("texte", "string", "Texte",
           "Le texte, tel que publié (après retrait éventuel de données personnelles par la "
           "modération)."),
    QUESTION_CODE,
    QUESTION,
    DEPARTEMENT_CODE,
    DEPARTEMENT,
    Column("etape_id", "integer", "Identifiant de l’étape",
           "Identifiant de l’étape (réunion) où la contribution a été faite, le cas échéant.",
           nullable=True, minimum=1),
    Column("etape", "string", "Étape", "Titre de l’étape.", nullable=True),
    Column("atelier", "string", "Atelier", "Atelier de l’étape.", nullable=True),
    CATEGORY,
    Column("tranche_age", "string", "Tranche d’âge", "Tranche d’âge déclarée par l’auteur.",
           nullable=True, enum=tuple(AGE_RANGES.values())),
    Column("pseudonyme", "string", "Pseudonyme",
           "Pseudonyme choisi par l’auteur pour être affiché ; absent pour une contribution "
           "anonyme (cellule vide, null en JSON).", nullable=True),
    Column("origine", "string", "Origine",
           "En ligne, saisie en séance ou import de fichier (transcription du papier).",
           enum=tuple(source.label for source in ContributionSource), example="En ligne"),
    Column("cree_le", "datetime", "Déposée le", "Date et heure de dépôt (UTC, ISO 8601).",
           example="2022-11-04T18:30:00Z"),
    Column("publiee_le", "datetime", "Publiée le",
           "Date et heure de publication (UTC, ISO 8601).", nullable=True),
    Column("etat", "string", "État de la proposition",
           "État donné à la proposition par les organisateurs (réponse officielle).",
           nullable=True, enum=tuple(state.label for state in AnswerState)),
    Column("reponse", "string", "Réponse des organisateurs",
           "Réponse publique des organisateurs.", nullable=True),
    Column("reponse_le", "datetime", "Date de la réponse",
           "Date de la réponse (UTC, ISO 8601).", nullable=True),
    SUPPORTS,
)

FIGURE_COLUMNS: tuple[Column, ...] = (
    DEPARTEMENT_CODE,
    DEPARTEMENT,
    QUESTION_CODE,
    QUESTION,
    KIND,
    CATEGORY,
    Column("contributions", "integer", "Contributions",
           "Nombre de contributions publiées pour cette combinaison de département, question, "
           "type et catégorie.", minimum=1, example=12),
    replace(SUPPORTS, description="Total des soutiens reçus par ces contributions."),
)

# The follow-ups of retained proposals (app.opendata.follow_ups, « Suites données »).
FOLLOW_UP_COLUMNS: tuple[Column, ...] = (
    replace(REFERENCE, description="Référence de la proposition suivie, par exemple C-000123 "
                                   "(une ligne par proposition)."),
    replace(URL, description="Adresse de la page publique de la proposition, où figurent ses "
                             "suites et leurs mises à jour datées."),
    Column("titre", "string", "Titre", "Titre de la proposition ; vide s’il n’y en a pas.",
           nullable=True),
    QUESTION_CODE,
    QUESTION,
    DEPARTEMENT_CODE,
    DEPARTEMENT,
    Column("statut", "string", "Statut",
           "Où en est la proposition retenue : studying (à l’étude), committed (engagée), "
           "done (réalisée), abandoned (abandonnée).",
           enum=tuple(status.value for status in FollowUpStatus), example="committed"),
    Column("statut_libelle", "string", "Statut (libellé)", "Le statut en français.",
           enum=tuple(status.label for status in FollowUpStatus), example="Engagée"),
    Column("avancement", "integer", "Avancement",
           "Avancement de la mise en œuvre, en pour cent (de 0 à 100).", minimum=0,
           maximum=100, example=40),
    Column("mesure", "string", "Mesure",
           "La mesure que la proposition est devenue, par exemple un objectif du projet "
           "régional de santé ; vide s’il n’y en a pas encore.", nullable=True),
    Column("derniere_mise_a_jour", "date", "Dernière mise à jour",
           "Date de la dernière mise à jour publiée par les organisateurs (ISO 8601) ; vide "
           "s’il n’y en a pas encore.", nullable=True, example="2023-06-30"),
)


def names(columns: Sequence[Column]) -> list[str]:
    return [column.name for column in columns]


def contribution_json_schema() -> dict[str, Any]:
    """The JSON Schema of one published contribution: every key always present."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "contribution.schema.json",
        "title": "Contribution publiée",
        "description": "Une contribution publiée d’une démarche de concertation (parole de "
                       "citoyen ou proposition). Aucune donnée personnelle : pas d’adresse "
                       "électronique ni de nom ; le pseudonyme seulement si son auteur l’a "
                       "choisi. Licence Ouverte 2.0 (Etalab).",
        "type": "object",
        "additionalProperties": False,
        "required": names(CONTRIBUTION_COLUMNS),
        "properties": {column.name: column.json_property() for column in CONTRIBUTION_COLUMNS},
    }
