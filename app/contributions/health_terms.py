"""Words of French health policy that text comparisons must read alike: acronyms written out
(« SAS » and « service d’accès aux soins » then meet), and the verbs nearly every proposal
opens with (« Développer… », « Renforcer… »), which say nothing about what it proposes.
National terms only, nothing tuned to one département."""

from __future__ import annotations

import re

ACRONYMS: dict[str, str] = {
    "sas": "service d’accès aux soins",
    "snp": "soins non programmés",
    "pdsa": "permanence des soins ambulatoires",
    "pdses": "permanence des soins en établissement de santé",
    "samu": "service d’aide médicale urgente urgences",
    "smur": "structure mobile d’urgence et de réanimation urgences",
    "cpts": "communauté professionnelle territoriale de santé exercice coordonné",
    "msp": "maison de santé pluriprofessionnelle exercice coordonné",
    "esp": "équipe de soins primaires exercice coordonné",
    "ipa": "infirmier en pratique avancée",
    "idel": "infirmier libéral",
    "ide": "infirmier",
    "qvt": "qualité de vie au travail",
    "etp": "éducation thérapeutique du patient",
    "cls": "contrat local de santé",
    "clsm": "conseil local de santé mentale",
    "dac": "dispositif d’appui à la coordination",
    "had": "hospitalisation à domicile",
    "ssiad": "service de soins infirmiers à domicile",
    "ehpad": "établissement d’hébergement pour personnes âgées dépendantes",
    "esms": "établissements et services médico-sociaux",
    "avc": "accident vasculaire cérébral",
    "mda": "maison des adolescents",
    "pmi": "protection maternelle et infantile",
    "cpam": "caisse primaire d’assurance maladie",
    "ars": "agence régionale de santé",
}

# Folded lemmas (app.contributions.similarity.lemmas) of the verbs and adverbs proposals open
# with: dropped when comparing what texts are about.
_OPENING_WORDS = (
    "developper renforcer ameliorer favoriser mettre place permettre poursuivre promouvoir "
    "deployer assurer soutenir organiser accompagner faciliter structurer consolider garantir "
    "valoriser disposer creer mobiliser proposer adapter identifier encourager rendre mieux "
    "davantage nouveau ensemble notamment")
PROPOSAL_WORDS: frozenset[str] = frozenset(_OPENING_WORDS.split())

_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿŒœÆæ]+")


def with_acronyms_spelled_out(text: str) -> str:
    """« Finaliser le SAS » → « Finaliser le SAS service d’accès aux soins »: an acronym in
    capitals (or longer than three letters) is followed by what it stands for."""
    def spell(match: re.Match[str]) -> str:
        word = match.group(0)
        meaning = ACRONYMS.get(word.lower())
        return f"{word} {meaning}" if meaning and (word.isupper() or len(word) > 3) else word

    return _WORD.sub(spell, text)
