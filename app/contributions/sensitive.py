"""What, in a contribution, may let someone be recognised: a name, a phone number, an email
address, a health detail. Written once here, used by the redaction form (the text shown with
these passages marked, and the list of them above the field) and by the moderation queue.

Patterns and a French word list, not a language model: a moderator reads every text anyway,
the marks only point at what to look at twice. A false alarm costs a glance; so the rules lean
towards marking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.contributions.similarity import stop_words
from app.french import fold

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# French numbers (06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78, 0612345678).
PHONE = re.compile(r"(?<![\d+])(?:\+33\s?|0033\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
# A civility or a title followed by a capitalised word: « Mme Durand », « docteur Martin ».
CIVILITY = (r"(?:M\.|Mme|Mlle|Mr|Monsieur|Madame|Mademoiselle|Dr\.?|Docteur|docteur|"
            r"Pr\.?|Professeur|professeur|Maître|Me)")
NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’-]+"
NAMED = re.compile(rf"\b{CIVILITY}\s+{NAME_WORD}(?:\s+{NAME_WORD})?")
# Someone introducing themselves or another: « je m’appelle Julie », « mon fils Lucas ».
INTRODUCED = re.compile(
    rf"(?i:je\s+m['’]appelle|je\s+suis|mon\s+nom\s+est|(?:mon|ma)\s+(?:fils|fille|mari|"
    rf"femme|épouse|époux|mère|père|frère|sœur|soeur|voisin|voisine|compagnon|compagne))"
    rf"\s+({NAME_WORD}(?:\s+{NAME_WORD})?)")
# « Jean DUPONT »: a first name then a surname in capitals, how forms and letters write it.
FIRST_LAST = re.compile(r"\b[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?"
                        r"\s+[A-ZÀ-Þ]{2,}(?:-[A-ZÀ-Þ]{2,})?\b")

# Illnesses, treatments and conditions that, next to a village or an age, point at a person.
# Folded (no accents, lower case); a word matches at its start, so « diabète » covers
# « diabétique » only if listed: keep both forms where they differ.
HEALTH_WORDS = (
    "cancer", "cancereux", "tumeur", "leucemie", "lymphome", "chimiotherapie", "chimio",
    "radiotherapie", "metastase", "diabete", "diabetique", "insuline", "dialyse", "dialyse",
    "insuffisance renale", "greffe", "vih", "sida", "seropositif", "seropositive", "hepatite",
    "depression", "depressif", "depressive", "burn-out", "burn out", "suicide", "suicidaire",
    "tentative de suicide", "schizophrene", "schizophrenie", "bipolaire", "anorexie",
    "boulimie", "psychiatrie", "psychiatrique", "interne en psychiatrie", "alzheimer",
    "parkinson", "sclerose en plaques", "epilepsie", "epileptique", "autisme", "autiste",
    "handicap", "handicape", "handicapee", "trisomie", "paralyse", "paralysee", "fauteuil roulant",
    "avc", "infarctus", "crise cardiaque", "pacemaker", "enceinte", "grossesse", "ivg",
    "fausse couche", "avortement", "accouchement", "fiv", "infertilite", "sterilite",
    "addiction", "alcoolique", "alcoolisme", "toxicomane", "toxicomanie", "methadone",
    "hospitalise", "hospitalisee", "hospitalisation", "operation", "opere", "operee",
    "amputation", "ampute", "amputee", "covid long", "mucoviscidose", "myopathie",
    "maladie de crohn", "endometriose", "fibromyalgie", "asthme", "obesite", "cecite",
    "aveugle", "sourd", "sourde", "surdite", "soins palliatifs", "fin de vie",
)
_HEALTH = re.compile(r"\b(?:" + "|".join(
    re.escape(word).replace(r"\ ", r"\s+") for word in sorted(set(HEALTH_WORDS), key=len,
                                                              reverse=True)) + r")\w*",
    re.IGNORECASE)

KINDS = {"name": "Nom", "phone": "Numéro de téléphone", "email": "Adresse électronique",
         "health": "Détail de santé"}


@dataclass(frozen=True)
class Finding:
    """A passage of the text, by position, and what it looks like."""

    start: int
    end: int
    kind: str  # a key of KINDS
    text: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def _folded_health(text: str) -> list[tuple[int, int]]:
    """Health words found without regard to accents. Folding keeps one character per
    character for French letters (é → e), so positions in the folded text are the text's."""
    folded = fold(text)
    if len(folded) != len(text):  # a letter that folds to nothing: look at the text as is
        folded = text
    return [match.span() for match in _HEALTH.finditer(folded)]


def find(text: str) -> list[Finding]:
    """The passages of ``text`` that look personal, in the order of the text, without
    overlaps (an email wins over the name inside it, the longer passage over the shorter)."""
    spans: list[tuple[int, int, str]] = []
    spans += [(*m.span(), "email") for m in EMAIL.finditer(text)]
    spans += [(*m.span(), "phone") for m in PHONE.finditer(text)]
    spans += [(*m.span(), "name") for m in NAMED.finditer(text)]
    spans += [(*m.span(1), "name") for m in INTRODUCED.finditer(text)]
    # « Les CPTS », « Pour ARS »: a capitalised stop word then an acronym is no name.
    spans += [(*m.span(), "name") for m in FIRST_LAST.finditer(text)
              if fold(m.group().split()[0]) not in stop_words()]
    spans += [(start, end, "health") for start, end in _folded_health(text)]
    priority = {"email": 0, "phone": 1, "name": 2, "health": 3}
    spans.sort(key=lambda s: (priority[s[2]], -(s[1] - s[0]), s[0]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if all(end <= k_start or start >= k_end for k_start, k_end, _ in kept):
            kept.append((start, end, kind))
    return [Finding(start, end, kind, text[start:end]) for start, end, kind in sorted(kept)]


def highlight(text: str) -> Markup:
    """The text, escaped, with each finding in a ``<mark>`` that says what it looks like
    (its title, and hidden words for screen readers)."""
    parts: list[str] = []
    position = 0
    for finding in find(text):
        parts.append(escape(text[position:finding.start]))
        parts.append(Markup('<mark class="concerto-sensitive concerto-sensitive--{}" '
                            'title="{}"><span class="fr-sr-only">{} : </span>{}</mark>')
                     .format(finding.kind, finding.label, finding.label, finding.text))
        position = finding.end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)
