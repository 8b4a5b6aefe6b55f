"""Contributions captured by facilitators (batch entry in the room, files transcribed from
paper) and official answers imported in bulk. Imports are all or nothing: one bad row and
nothing is saved."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import segno
import sqlalchemy as sa
from markupsafe import Markup

from app import audit
from app.accounts.models import User
from app.campaigns.models import AgendaKind, Campaign, Step
from app.clock import now
from app.contributions import curation, question_suggestion
from app.contributions.imports import Checked, column_key
from app.contributions.models import (
    AGE_RANGES,
    AnswerState,
    Contribution,
    ContributionKind,
    ContributionSource,
    ContributionStatus,
)
from app.contributions.question_suggestion import Suggestion
from app.extensions import db
from app.participants import CATEGORIES
from app.territories.models import Territory
from app.territories.places import named_departement
from app.territories.queries import departements

BODY_LIMITS = (2, 5000)
WORKSHOP = re.compile(r"\s*atelier\b\s*:?\s*", re.IGNORECASE)


def qr_svg(url: str, title: str) -> Markup:
    """An inline SVG QR code of ``url`` (segno escapes the title): the « Codes QR » page and
    the room's wall."""
    svg = segno.make(url, error="m").svg_inline(scale=4, title=title, omitsize=True)
    return Markup(svg)  # noqa: S704 -- segno writes the SVG itself and escapes the title  # nosec B704


def workshop_label(title: str) -> str:
    """« Atelier : l’accès aux soins », whether or not the programme's title already says
    « Atelier » (the demo's do: the QR page said « Atelier : Atelier : … »)."""
    return f"Atelier : {WORKSHOP.sub('', title, count=1) if WORKSHOP.match(title) else title}"


def capture(step: Step, values: dict, user: User, source: ContributionSource) -> Contribution:
    """Save what a facilitator typed; published at once, since staff typed it."""
    contribution = _captured(step, values, source)
    db.session.add(contribution)
    db.session.flush()  # the reference needs the id
    audit.record("contribution.capture", contribution,
                 f"{contribution.reference} saisie ({source.label.lower()})", user=user)
    db.session.commit()
    return contribution


def _captured(step: Step, values: dict, source: ContributionSource) -> Contribution:
    return Contribution(campaign_id=step.campaign_id, step_id=step.id, source=source,
                        status=ContributionStatus.PUBLISHED, published_at=now(),
                        territory_id=values.pop("territory_id", None) or step.territory_id,
                        **values)


def import_rows(step: Step, rows: list[dict], user: User) -> int:
    """Save the checked rows of a file in one transaction (none: nothing to do)."""
    if not rows:
        return 0
    contributions = [_captured(step, dict(values), ContributionSource.IMPORT) for values in rows]
    db.session.add_all(contributions)
    db.session.flush()
    audit.record("contribution.import", step,
                 f"{len(contributions)} contributions importées ({contributions[0].reference} à "
                 f"{contributions[-1].reference})", user=user)
    db.session.commit()
    return len(contributions)


def _lookup(text: str, options: dict[str, object]) -> object | None:
    """Match a cell against codes and labels, ignoring case, accents and punctuation."""
    return options.get(column_key(text)) if text else None


def _options(pairs: list[tuple[list[str], object]]) -> dict[str, object]:
    return {column_key(name): value for names, value in pairs for name in names if name}


KINDS = _options([(["proposition", "proposal", "p"], ContributionKind.PROPOSAL),
                  (["parole", "parole de citoyen", "temoignage", "testimony", "t"],
                   ContributionKind.TESTIMONY)])


def _question_of(row: dict[str, str], line: int, campaign: Campaign, chosen: dict[int, int],
                 ) -> tuple[object | None, Suggestion | None]:
    """A row without a question: the one the person chose for its line, else the one
    suggested from its text (shown in the preview, to be accepted or corrected)."""
    by_id = {challenge.id: challenge for challenge in campaign.challenges}
    if line in chosen and chosen[line] in by_id:
        return by_id[chosen[line]], None
    suggestion = question_suggestion.model_for(campaign).suggest(
        f"{row.get('titre', '')} {row.get('texte', '')}")
    return (by_id[suggestion.question], suggestion) if suggestion else (None, None)


def _place_of(text: str, line: int, step: Step, places: list, chosen: dict[int, int]
              ) -> tuple[object | None, bool]:
    """A row without a département: the one the person chose for its line, else the one its
    text names when it is not the step's (and whether it was named)."""
    by_id = {place.id: place for place in places}
    if line in chosen and chosen[line] in by_id:
        return by_id[chosen[line]], False
    named = named_departement(text, places)
    if named is None or named.id == step.territory_id:
        return None, False
    return named, True


@dataclass(frozen=True)
class Problem:
    """What is wrong with a cell, as the row's error lists it."""

    message: str


@dataclass(frozen=True)
class _Vocabulary:
    """What the cells of a step's file may name; and, by line, what the person chose in the
    preview for a row without a question (``chosen``) or a département (``chosen_places``)."""

    step: Step
    places: list[Territory]
    challenges: dict[str, object]
    workshops: dict[str, object]
    territories: dict[str, object]
    categories: dict[str, object]
    ages: dict[str, object]
    chosen: dict[int, int]
    chosen_places: dict[int, int]

    @classmethod
    def of(cls, step: Step, chosen: dict[int, int], chosen_places: dict[int, int]
           ) -> _Vocabulary:
        places = departements()
        return cls(
            step=step, places=places, chosen=chosen, chosen_places=chosen_places,
            challenges=_options([([c.code, c.title, str(number)], c)
                                 for number, c in enumerate(step.campaign.challenges, start=1)]),
            workshops=_options([([item.title], item) for item in step.agenda_items
                                if item.kind is AgendaKind.WORKSHOP]),
            territories=_options([([t.code, t.name, t.display_name], t) for t in places]),
            categories=_options([([code, label], code) for code, label in CATEGORIES.items()]),
            ages=_options([([code, label], code) for code, label in AGE_RANGES.items()]))


@dataclass(frozen=True)
class _Row:
    line: int
    cells: dict[str, str]
    words: _Vocabulary


# A column's check: its cell ("" when absent) and its row give the value kept, or a Problem.
CellCheck = Callable[[str, _Row], Any]


def _kind(cell: str, row: _Row) -> ContributionKind | Problem:
    kind = _lookup(cell, KINDS)
    return kind if isinstance(kind, ContributionKind) \
        else Problem("type inconnu (« proposition » ou « parole »)")


def _body(cell: str, row: _Row) -> str | Problem:
    if not BODY_LIMITS[0] <= len(cell) <= BODY_LIMITS[1]:
        return Problem("texte vide ou trop long (5 000 caractères au plus)")
    return cell


def _title(cell: str, row: _Row) -> str | Problem:
    return Problem("titre trop long (200 caractères au plus)") if len(cell) > 200 else cell


def _question(cell: str, row: _Row) -> tuple[Any, Suggestion | None] | Problem:
    """The question the cell names; an empty cell, the one chosen for the line or suggested
    from the text (with the suggestion, None once chosen)."""
    count = len(row.words.step.campaign.challenges)
    if cell:
        challenge = _lookup(cell, row.words.challenges)
        return (challenge, None) if challenge is not None else Problem(
            f"question « {cell} » inconnue (numéro 1 à {count} ou intitulé)")
    challenge, suggestion = _question_of(row.cells, row.line, row.words.step.campaign,
                                         row.words.chosen)
    return (challenge, suggestion) if challenge is not None else Problem(
        f"question absente, et le texte ne permet pas d’en suggérer une (numéro 1 à {count} "
        "ou intitulé)")


def _departement(cell: str, row: _Row) -> tuple[Any, bool] | Problem:
    """The département the cell names; an empty cell, the one chosen for the line, else the
    one the text names (True: named there), else None (the step's)."""
    if cell:
        territory = _lookup(cell, row.words.territories)
        return (territory, False) if territory is not None else Problem(
            f"département « {cell} » inconnu")
    return _place_of(f"{row.cells.get('titre', '')} {row.cells.get('texte', '')}", row.line,
                     row.words.step, row.words.places, row.words.chosen_places)


def _named(options: Callable[[_Vocabulary], dict[str, object]], unknown: str) -> CellCheck:
    """An optional cell naming one of ``options``: what it names, None when empty."""
    def check(cell: str, row: _Row) -> object:
        found = _lookup(cell, options(row.words))
        return Problem(unknown.format(cell)) if cell and found is None else found
    return check


def _pseudonym(cell: str, row: _Row) -> str:
    return cell[:80]


# The columns of a transcribed file and their checks, in the order a row's errors list them.
CONTRIBUTION_COLUMNS: tuple[tuple[str, CellCheck], ...] = (
    ("type", _kind), ("texte", _body), ("titre", _title), ("question", _question),
    ("atelier", _named(attrgetter("workshops"), "atelier « {} » absent du programme de l’étape")),
    ("departement", _departement),
    ("categorie", _named(attrgetter("categories"), "catégorie « {} » inconnue")),
    ("age", _named(attrgetter("ages"), "tranche d’âge « {} » inconnue")),
    ("pseudonyme", _pseudonym))


def check_contribution_rows(step: Step, rows: list[tuple[int, dict[str, str]]],
                            chosen: dict[int, int] | None = None,
                            chosen_places: dict[int, int] | None = None) -> Checked:
    """Turn the rows of a transcribed file into contribution values, or say what is wrong
    with each row, in French. A row without a question gets the one ``chosen`` gives for its
    line, else a suggested one (``checked.suggested``); a row without a département, the one
    ``chosen_places`` gives, else the one its text names (``checked.places``), else the
    step's."""
    words = _Vocabulary.of(step, chosen or {}, chosen_places or {})
    checked = Checked(columns=["Type", "Question", "Atelier", "Département", "Titre", "Texte"])
    for line, cells in rows:
        row = _Row(line, cells, words)
        values = {column: check(cells.get(column, ""), row)
                  for column, check in CONTRIBUTION_COLUMNS}
        problems = [value.message for value in values.values() if isinstance(value, Problem)]
        if problems:
            checked.errors.append((line, "Ligne {} : {}.".format(line, " ; ".join(problems))))
        else:
            _keep(checked, row, values)
    checked.already = already_saved(step, [item["body"] for item in checked.items])
    return checked


def _keep(checked: Checked, row: _Row, values: dict[str, Any]) -> None:
    """A row without problems: its contribution's values, its line of the preview, and what
    the preview asks to confirm (a suggested question, a département named in the text)."""
    step = row.words.step
    (challenge, suggestion), (territory, named) = values["question"], values["departement"]
    kind, workshop = values["type"], values["atelier"]
    title, body = values["titre"], values["texte"]
    checked.items.append({
        "kind": kind, "title": title, "body": body, "challenge_id": challenge.id,
        "workshop_id": workshop.id if workshop else None,
        "territory_id": territory.id if territory else step.territory_id,
        "category": values["categorie"] or "", "age_range": values["age"] or "",
        "pseudonym": values["pseudonyme"]})
    index = len(checked.items) - 1
    if suggestion is not None or row.line in row.words.chosen:
        checked.suggested[index] = suggestion
    if named or row.line in row.words.chosen_places:
        checked.places[index] = named
    checked.preview.append([row.line, kind.label, challenge.title
                            + (" (suggérée)" if suggestion is not None else ""),
                            workshop.title if workshop else "",
                            (territory or step.territory).display_name
                            + (" (nommé dans le texte)" if named else ""), title, body])


def _same_text(body: str) -> str:
    """A text as compared with those already saved: blanks and case do not count (a file
    saved again by a spreadsheet may change them)."""
    return " ".join(body.split()).casefold()


def already_saved(step: Step, bodies: list[str]) -> set[int]:
    """The indexes of ``bodies`` whose text the step already has: rows of a file imported
    before."""
    if not bodies:
        return set()
    saved = {_same_text(body) for body in db.session.scalars(
        sa.select(Contribution.body).where(Contribution.step_id == step.id))}
    return {index for index, body in enumerate(bodies) if _same_text(body) in saved}


REFERENCE = re.compile(r"\s*(?:C-?)?0*(\d{1,9})\s*", re.IGNORECASE)


def check_answer_rows(campaign: Campaign, rows: list[tuple[int, dict[str, str]]],
                      may_answer: Callable[[Contribution], bool]) -> Checked:
    """Rows « référence ; état ; réponse » → (contribution, state, answer), checked against the
    campaign and what the organiser may answer (``may_answer(contribution)``)."""
    ids = {int(match.group(1)) for _, row in rows
           if (match := REFERENCE.fullmatch(row.get("reference", "")))}
    found = {c.id: c for c in db.session.scalars(sa.select(Contribution).where(
        Contribution.id.in_(ids), Contribution.campaign_id == campaign.id))} if ids else {}
    checked, seen = Checked(columns=["Proposition", "État", "Réponse"]), set()
    for line, row in rows:
        match = REFERENCE.fullmatch(row.get("reference", ""))
        contribution = found.get(int(match.group(1))) if match else None
        state = AnswerState.from_label(row.get("etat", ""))
        text = row.get("reponse", "")
        problems = []
        if contribution is None:
            problems.append(f"référence « {row.get('reference', '')} » inconnue dans cette "
                            "démarche")
        elif contribution.kind is not ContributionKind.PROPOSAL:
            problems.append(f"{contribution.reference} n’est pas une proposition")
        elif not may_answer(contribution):
            problems.append(f"{contribution.reference} ne relève pas de vos territoires")
        elif contribution.id in seen:
            problems.append(f"{contribution.reference} figure deux fois dans le fichier")
        if state is None:
            problems.append("état inconnu (" + ", ".join(s.label for s in AnswerState) + ")")
        if len(text) > 5000:
            problems.append("réponse trop longue (5 000 caractères au plus)")
        if problems or contribution is None or state is None:  # None: a problem said so
            checked.errors.append((line, "Ligne {} : {}.".format(line, " ; ".join(problems))))
            continue
        seen.add(contribution.id)
        checked.items.append((contribution, state, text))
        checked.preview.append([line, f"{contribution.reference} — {contribution.body}",
                                state.label, text])
    return checked


def import_answers(items: list[tuple[Contribution, AnswerState, str]], user: User) -> int:
    changed = sum(curation.answer(contribution, state, text, user, commit=False)
                  for contribution, state, text in items)
    db.session.commit()
    return changed
