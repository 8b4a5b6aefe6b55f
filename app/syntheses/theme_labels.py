"""Readable names for the themes of the writing help: each theme is named by a French noun
phrase taken word for word from one of its contributions (« soins non programmés », « maisons
de santé pluriprofessionnelles »), never by key phrases glued together.

Candidates are the contiguous spans of a text that match, with a small hand-written
part-of-speech heuristic (simplemma lemmas and word lists, no tagger to download), the pattern

    W+ ((de|du|des|d’|à|au|aux|en) (la|l’|les)? W+)*      W = noun, adjective or participle

of at most MAX_WORDS words, never opening on a participle nor ending on a function word or on a
noun that needs its complement (« au niveau »). Each candidate is scored per theme by c-TF-IDF
on its lemmas (share of the theme's contributions that hold it, share of its holders that are
in the theme, rarity overall), with a bonus for two to four content words, which name a topic
better than one word and read better than eight. The label is the candidate's commonest
verbatim form; two themes never get the same one.

Pure Python and simplemma (imported on first use): it runs in the worker, next to the
clustering, but needs neither numpy nor scikit-learn.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.contributions.health_terms import PROPOSAL_WORDS
from app.contributions.similarity import stop_words
from app.french import fold

MAX_WORDS = 8
LETTERS = "0-9A-Za-zÀ-ÖØ-öø-ÿŒœÆæ"
# A word (inner hyphens kept: « médico-social »), its elided form (« l’ », « d’ »), or any
# other single character (punctuation ends a span).
TOKEN = re.compile(rf"[{LETTERS}]+(?:-[{LETTERS}]+)*’?|\S")
# Same length in and out, so that offsets found in the normalised text cut the original one:
# labels stay verbatim, with the author's own apostrophes.
_SAME_LENGTH = str.maketrans({"'": "’", "`": "’", "´": "’", "\u202f": " ", "\u00a0": " "})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


LINKS = _words("de du des d’ à au aux en")
LINK_ARTICLES = _words("la l’ les")
INNER = _words("non")  # « soins non programmés »: inside a phrase, never at its ends
# Grammar, not vocabulary: the function words, auxiliaries and adverbs a noun phrase cannot
# hold. (The stop-word list of app.contributions.similarity also ends a span, but it lacks
# elided forms and conjugated auxiliaries.)
BREAK_WORDS = _words(
    """le la les l’ un une des du de d’ au aux à en et ou ni mais car donc or que qu’ qui quoi
    dont où ce cet cette ces son sa ses leur leurs notre nos votre vos mon ma mes ton ta tes
    il ils elle elles on nous vous je tu se s’ y lui eux pour par sur sous dans avec sans entre
    vers chez selon afin ainsi comme plus moins très tout tous toute toutes chaque même aussi
    notamment etc est sont a ont été être avoir peut peuvent doit doivent fait faire permet
    permettent permettant cela ceci celui celle ceux celles autre autres plusieurs certains
    certaines ex via voire dès lors tant puis alors ne pas n’ c’ j’ m’ t’ jusqu’ lorsqu’ puisqu’
    quelqu’ presqu’ autour auprès face grâce depuis pendant durant contre parmi hors près loin
    jusque avant après malgré suite concernant actuellement également"""
)
# Nouns of YAKE's stop-word list that do belong in a health phrase (« personnes âgées »,
# « proches aidants »): they do not end a span.
KEPT_STOP_WORDS = _words("personne proche premier premiere particulier effet gens plein")
# Proposals' opening words that are also nouns inside a phrase (« mise en place »).
KEPT_OPENING_WORDS = _words("place ensemble")
# Words ending like an infinitive (-er, -ir, -oir, -re) that are nouns or adjectives here.
NOT_VERBS = _words(
    """métier métiers premier premiers première dernier derniers hospitalier hospitaliers
    hospitalière hospitalières infirmier infirmiers infirmière infirmières particulier
    particuliers régulier réguliers financier financiers financière quartier quartiers dossier
    dossiers fichier calendrier levier leviers chantier atelier ateliers cahier panier papier
    courrier entier journalier familier foyer foyers loyer hiver fer mer cancer cancers laser
    conseiller conseillers usager usagers danger dangers avenir loisir loisirs plaisir désir
    souvenir pouvoir savoir devoir espoir territoire territoires trottoir terroir offre offres
    centre centres cadre cadres ordre nombre membre membres titre lettre registre ministre libre
    autre propre chiffre filière filières mère père frère ambulatoire sanitaire sanitaires
    secondaire primaire primaires prise prises mise mises"""
)
IRREGULAR_VERBS = _words(
    """mettre permettre remettre prendre reprendre apprendre comprendre entreprendre rendre
    étendre attendre entendre répondre construire réduire produire introduire conduire suivre
    poursuivre vivre connaître reconnaître paraître faire dire lire écrire inscrire décrire
    combattre être promouvoir prévoir recevoir concevoir percevoir voir avoir"""
)
MODALS = _words("pouvoir devoir vouloir falloir savoir")
# Nouns a phrase cannot end on: they need their complement (« au niveau | du territoire »).
NEEDS_COMPLEMENT = _words(
    """niveau cadre sein matière terme titre lieu faveur part regard égard mesure vue lien place
    charge moyen biais besoin objet profit compte prise prises mise mises"""
)
# Alone, these words name every health contribution, hence no theme (folded lemmas).
GENERIC = frozenset(fold(word) for word in _words(
    """santé soin professionnel offre action dispositif territoire département personne acteur
    projet structure besoin place usage prise charge outil cadre niveau lien ensemble mise
    développement accompagnement programme démarche secteur service population usager
    établissement question partenaire déploiement site"""))
GENERIC_PHRASES = ("prise en charge", "mise en place", "mise en œuvre", "professionnels de santé",
                   "établissements de santé", "acteurs de santé")
ADJECTIVE_ENDINGS = ("al", "el", "if", "ien", "ain", "aire", "ique", "eux", "ier", "é")
NOUNS_LIKE_ADJECTIVES = frozenset(fold(word) for word in _words(
    """hôpital personnel logiciel appel signal journal matériel dispositif objectif motif tarif
    partenaire aidant médecin infirmier métier calendrier levier dossier santé qualité sécurité
    proximité activité communauté spécialité société numérique pratique clinique politique
    thématique technique"""))
# A phrase of one contribution only names that one: worth half as much in a bigger theme.
LONE_PENALTY = 0.5
LENGTH_BONUS = {1: 1.0, 2: 1.6, 3: 1.8, 4: 1.8}  # by content words; longer: 1.5


@dataclass(frozen=True)
class Phrase:
    surface: str  # the span as written in the contribution
    key: tuple[str, ...]  # folded lemmas of its words, links as "de"/"a"/"en", "" for la/l’
    content_words: int
    head: str  # the first word's lemma, accents kept (« -é » tells an adjective)
    # « département de l’Ariège », « site de Lavelanet »: a common noun then a proper name
    # names a place, which every theme of that place shares, not a subject.
    place: bool = False


@lru_cache(maxsize=100_000)
def _accented_lemma(word: str) -> str:
    """« soins » stays « soin » and « aidants » « aidant » (simplemma reads them as verbs
    otherwise)."""
    low = word.lower().rstrip("’")
    if low in {"soins", "aidants", "aidant"}:
        return "soin" if low == "soins" else "aidant"
    import simplemma

    lemma = simplemma.lemmatize(low, lang="fr")
    if lemma == low and len(low) > 4 and not simplemma.is_known(low, lang="fr"):
        # A word simplemma does not know (« pluriprofessionnelles »): its plural and feminine
        # endings dropped, so that the singular and the plural make one candidate.
        lemma = re.sub(r"(?<=el)le$|(?<=é)e$", "", low.removesuffix("s"))
    return lemma


def _lemma(word: str) -> str:
    """Folded, so that « sante » typed without its accent meets « santé »."""
    return fold(_accented_lemma(word))


@lru_cache(maxsize=1)
def _span_stops() -> frozenset[str]:
    """Folded words and lemmas that end a span: YAKE's stop words (as everywhere else in the
    comparisons of texts) and the verbs proposals open with (« Développer… »)."""
    return ((stop_words() - KEPT_STOP_WORDS)
            | (PROPOSAL_WORDS - KEPT_OPENING_WORDS))


@lru_cache(maxsize=100_000)
def _is_verb(word: str) -> bool:
    low = word.lower()
    if low in NOT_VERBS or "-" in low:
        return False
    lemma = _accented_lemma(low)
    if low in IRREGULAR_VERBS or lemma in IRREGULAR_VERBS:
        return True
    if lemma in MODALS and low != lemma:
        return True  # « pourraient », « doivent »
    if (lemma != low and lemma.endswith(("er", "ir", "oir")) and lemma not in NOT_VERBS
            and not low.endswith(("é", "ée", "és", "ées"))):
        return True  # conjugated, or present participle (« permettant », « assurent »)
    return low == lemma and low.endswith(("er", "ir", "oir"))  # infinitive


@lru_cache(maxsize=100_000)
def _is_participle(word: str) -> bool:
    """« programmés », « coordonnée »: adjectives that follow their noun, so never open a
    phrase."""
    match = re.match(r"^(.+)é(e?s?)$", word.lower())
    if not match:
        return False
    import simplemma

    return simplemma.is_known(match.group(1) + "er", lang="fr")


def _kind(token: str) -> str:
    low = token.lower()
    if not re.match(f"[{LETTERS}]", token):
        return "punct"
    if low in LINKS:
        return "link"
    if low in LINK_ARTICLES:
        return "article"
    if low in INNER:
        return "inner"
    folded = fold(low)
    if (low in BREAK_WORDS or folded in _span_stops() or _lemma(low) in _span_stops()
            or low.isdigit() or len(low) < 2):
        return "break"
    return "verb" if _is_verb(token) else "word"


def _capitalised(token: str) -> bool:
    return token[:1].isupper()


def _cuts_name(tokens: list[str], kinds: list[str], j: int) -> bool:
    """Would a phrase ending on token j cut a proper name (« …Territoriales | de Santé »)?"""
    if not _capitalised(tokens[j]) or j + 1 >= len(tokens):
        return False
    if kinds[j + 1] == "word" and _capitalised(tokens[j + 1]):
        return True
    return kinds[j + 1] == "link" and j + 2 < len(tokens) and _capitalised(tokens[j + 2])


def _may_open(tokens: list[str], kinds: list[str], i: int) -> bool:
    if kinds[i] != "word" or _is_participle(tokens[i]):
        return False
    if i > 0 and tokens[i - 1].lower() == "en":  # « prise en | charge », « mise en | œuvre »
        return False
    # Not from inside a proper name: « Communautés | Professionnelles Territoriales… »
    return not (i > 0 and kinds[i - 1] == "word" and _capitalised(tokens[i])
                and _capitalised(tokens[i - 1]))


def candidate_phrases(text: str) -> list[Phrase]:
    """Every span of ``text`` that matches the noun-phrase pattern, shorter spans included
    (« maisons de santé » and « maisons de santé pluriprofessionnelles »)."""
    matches = list(TOKEN.finditer(text.translate(_SAME_LENGTH)))
    tokens = [match.group(0) for match in matches]
    kinds = [_kind(token) for token in tokens]
    found: list[Phrase] = []
    for i in range(len(tokens)):
        if not _may_open(tokens, kinds, i):
            continue
        key: list[str] = []
        pending: list[str] = []  # a link (and its article) waiting for the next word
        content = 0
        place = False
        for j in range(i, min(len(tokens), i + MAX_WORDS)):
            kind, low = kinds[j], tokens[j].lower()
            if kind == "word":
                place = place or bool(pending and _capitalised(tokens[j])
                                      and not _capitalised(tokens[i]))
                key += [*pending, _lemma(tokens[j])]
                pending = []
                content += 1
                if not _cuts_name(tokens, kinds, j) and low not in NEEDS_COMPLEMENT:
                    found.append(Phrase(text[matches[i].start():matches[j].end()],
                                        tuple(key), content, _accented_lemma(tokens[i]),
                                        place))
            elif kind == "link" and not pending:
                pending = ["de" if low in {"de", "du", "des", "d’"} else fold(low)]
            elif kind == "article" and pending in (["de"], ["a"], ["en"]):
                pending.append("")  # « de la », « à l’ »
            elif kind == "inner" and not pending:
                pending = [low]
            else:
                break
    return found


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(word if word in LINKS else _lemma(word) for word in phrase.split())


@lru_cache(maxsize=1)
def _generic_starts() -> frozenset[str]:
    # simplemma reads « prise » as « prendre », « mise » as « mettre »: compare lemmas.
    return frozenset(_lemma(word) for word in ("prise", "prises", "mise", "mises"))


@lru_cache(maxsize=1)
def _generic_keys() -> frozenset[tuple[str, ...]]:
    return frozenset(_phrase_key(phrase) for phrase in GENERIC_PHRASES)


def _generic(phrase: Phrase, places: frozenset[str]) -> bool:
    """Too vague to name a theme: « prise en charge », « santé », an adjective alone, a
    place (the contributions' own territories, or a noun then a proper name)."""
    key = phrase.key
    if key in _generic_keys() or key[0] in _generic_starts():
        return True
    if phrase.place or places.intersection(key):
        return True
    if phrase.content_words == 1:
        return key[0] in GENERIC or (phrase.head.endswith(ADJECTIVE_ENDINGS)
                                     and key[0] not in NOUNS_LIKE_ADJECTIVES)
    return False


def _commonest_form(forms: Counter[str]) -> str:
    """The verbatim form most contributions use, lower case first (« accès aux soins » rather
    than « Accès aux soins » at the start of a sentence), the shortest when tied."""
    return min(forms.items(), key=lambda item: (not item[0][:1].islower(), -item[1],
                                                len(item[0])))[0]


def _ranked(members: list[int], phrases: list[list[Phrase]], frequency: Counter,
            total: int, places: frozenset[str]) -> list[tuple[float, str, tuple[str, ...]]]:
    """The theme's candidates, best first: (score, verbatim form, key)."""
    in_theme: Counter[tuple[str, ...]] = Counter()
    forms: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    sample: dict[tuple[str, ...], Phrase] = {}
    for index in members:
        for phrase in phrases[index]:
            forms[phrase.key][phrase.surface] += 1
            sample[phrase.key] = phrase
        in_theme.update({phrase.key for phrase in phrases[index]})
    ranked = []
    for key, held in in_theme.items():
        phrase = sample[key]
        weight = LENGTH_BONUS.get(phrase.content_words, 1.5)
        if held == 1 and len(members) > 2:
            weight *= LONE_PENALTY
        if _generic(phrase, places):
            weight *= 0.01  # kept as a last resort: a vague name beats none
        score = ((held / len(members)) * (held / frequency[key])
                 * math.log(1 + total / frequency[key]) * weight)
        ranked.append((score, _commonest_form(forms[key]), key))
    ranked.sort(key=lambda item: (-item[0], len(item[1])))
    return ranked


def label_themes(texts: Sequence[str], themes: Sequence[Sequence[int]],
                 places: Iterable[str] = ()) -> list[str]:
    """A label for each theme (lists of indexes in ``texts``), in the order given: the best
    candidate no earlier theme took, so give the biggest themes first. "" when a theme's texts
    hold no noun phrase at all. ``places``: names of the territories the texts come from,
    which name no subject (« Ariège »)."""
    folded_places = frozenset(_lemma(word) for place in places
                              for word in TOKEN.findall(place.translate(_SAME_LENGTH))
                              if len(word) > 2)
    phrases = [candidate_phrases(text) for text in texts]
    frequency: Counter[tuple[str, ...]] = Counter()
    for found in phrases:
        frequency.update({phrase.key for phrase in found})
    taken: set[tuple[str, ...]] = set()
    labels = []
    for members in themes:
        ranked = _ranked(list(members), phrases, frequency, len(texts), folded_places)
        best = next(((form, key) for _score, form, key in ranked if key not in taken), None)
        if best is None:
            labels.append("")
            continue
        taken.add(best[1])
        labels.append(best[0])
    return labels
