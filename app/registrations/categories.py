"""Who registers: the five colleges of a Conseil territorial de santé (art. R1434-33 of the Code
de la santé publique), and those the widened CNR meetings also invite."""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "professionnels": "Professionnels et offreurs des services de santé",
    "usagers": "Usagers et associations d’usagers",
    "collectivites": "Collectivités territoriales",
    "etat": "État et organismes de sécurité sociale",
    "personnalites": "Personnalités qualifiées",
    "elus": "Élu ou parlementaire (hors CTS)",
    "syndicats": "Organisation syndicale",
    "citoyens": "Citoyen ou citoyenne",
    "presse": "Presse",
}

# Sub-types of the first college.
PROFESSIONAL_TYPES: dict[str, str] = {
    "etablissement_sante": "Établissement de santé",
    "medico_social": "Établissement ou service médico-social",
    "prevention_precarite": "Prévention et précarité",
    "liberal": "Professionnel libéral",
    "interne": "Interne",
    "exercice_coordonne": "Exercice coordonné",
}


def category_label(code: str) -> str:
    return CATEGORIES.get(code, code)
