"""Synthesis rules: one per campaign and territory; written in draft, validated by an admin,
then transmitted. Every change of state is audited."""

from __future__ import annotations

import sqlalchemy as sa

from app import audit
from app.accounts.models import User
from app.campaigns.models import Campaign
from app.clock import now
from app.contributions.models import Contribution, ContributionKind, ContributionStatus
from app.extensions import db
from app.syntheses import help_changes
from app.syntheses.models import Synthesis, SynthesisQuote, SynthesisState
from app.territories.models import Territory


class SynthesisError(ValueError):
    """The message is for the person acting."""


def unsaved(campaign: Campaign, territory: Territory) -> Synthesis:
    """The empty draft a territory's workspace shows before its first save: never added to the
    session, so opening the workspace writes nothing (the first save calls for_territory).
    Column defaults apply only at INSERT, hence set here as the page reads them."""
    return Synthesis(campaign=campaign, campaign_id=campaign.id, territory=territory,
                     territory_id=territory.id, state=SynthesisState.DRAFT, introduction="",
                     introduction_version=0)


def for_territory(campaign: Campaign, territory: Territory) -> Synthesis:
    """The campaign's synthesis for the territory, created (as a draft) on first use."""
    synthesis = db.session.scalar(sa.select(Synthesis).where(
        Synthesis.campaign_id == campaign.id, Synthesis.territory_id == territory.id))
    if synthesis is None:
        synthesis = Synthesis(campaign=campaign, territory=territory)
        db.session.add(synthesis)
        db.session.commit()
    return synthesis


def editable(synthesis: Synthesis) -> None:
    """Raise SynthesisError unless the synthesis is a draft (its texts and quotes can change)."""
    if synthesis.state is not SynthesisState.DRAFT:
        raise SynthesisError("Cette synthèse est validée : repassez-la en brouillon pour la "
                             "modifier.")


def toggle_quote(synthesis: Synthesis, contribution: Contribution) -> bool:
    """Quote a published testimony of the synthesis, or stop quoting it; True if quoted."""
    editable(synthesis)
    if (contribution.kind is not ContributionKind.TESTIMONY
            or contribution.status is not ContributionStatus.PUBLISHED
            or contribution.campaign_id != synthesis.campaign_id):
        raise SynthesisError("Seules les paroles de citoyen publiées de la démarche peuvent "
                             "être citées.")
    existing = next((q for q in synthesis.quotes if q.contribution_id == contribution.id), None)
    if existing is not None:
        synthesis.quotes.remove(existing)
    else:
        synthesis.quotes.append(SynthesisQuote(contribution=contribution))
    db.session.commit()
    return existing is None


def validate(synthesis: Synthesis, user: User) -> None:
    """Validated; each question keeps what its writing help says now, for the help page to
    mark what grows since (read from the stored help, or queued: never computed here)."""
    editable(synthesis)
    synthesis.state, synthesis.validated_at, synthesis.validated_by = (
        SynthesisState.VALIDATED, now(), user)
    help_changes.keep(synthesis, user, synthesis.validated_at)
    audit.record("synthesis.validate", synthesis,
                 f"Synthèse {synthesis.territory.display_name} validée", user=user)
    db.session.commit()


def reopen(synthesis: Synthesis, user: User) -> None:
    """Back to a draft; what the writing help said at the validation is kept (help_changes)."""
    if synthesis.state is not SynthesisState.VALIDATED:
        raise SynthesisError("Seule une synthèse validée, pas encore transmise, peut repasser "
                             "en brouillon.")
    synthesis.state, synthesis.validated_at, synthesis.validated_by = (
        SynthesisState.DRAFT, None, None)
    audit.record("synthesis.reopen", synthesis,
                 f"Synthèse {synthesis.territory.display_name} repassée en brouillon", user=user)
    db.session.commit()
