"""Who takes part: the five colleges of a Conseil territorial de santé (art. R1434-33 of the
Code de la santé publique), and those the widened CNR meetings also invite. Shared by
registrations, contributions, syntheses, open data and privacy, hence not in one of them."""

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
    # Journalists ask for a press accreditation (app.press) instead: no longer offered at
    # registration, but older registrations, attendance counts and contributions keep it.
    "presse": "Presse",
}
NOT_OFFERED_AT_REGISTRATION = frozenset({"presse"})

# Sub-types of the first college, asked of it only (« Type de structure »).
PROFESSIONAL_TYPES: dict[str, str] = {
    "etablissement_sante": "Établissement de santé",
    "medico_social": "Établissement ou service médico-social",
    "prevention_precarite": "Prévention et précarité",
    "liberal": "Professionnel libéral",
    "interne": "Interne",
    "exercice_coordonne": "Exercice coordonné",
}


CATEGORIES_WITH_TYPES = frozenset({"professionnels"})


def registration_categories() -> dict[str, str]:
    """The categories a person may choose when registering for a step."""
    return {code: label for code, label in CATEGORIES.items()
            if code not in NOT_OFFERED_AT_REGISTRATION}


def takes_professional_type(category: str) -> bool:
    return category in CATEGORIES_WITH_TYPES


def category_label(code: str) -> str:
    return CATEGORIES.get(code, code)
