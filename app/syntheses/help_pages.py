"""What the writing help's page and its state answer (for app.syntheses.routes): the
suggestions a worker computed for the question's current contributions, asked for when there
are none yet; how far their computation is; what changed since the latest validation."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.models import User
from app.campaigns.models import Challenge
from app.documents import services as document_services
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db
from app.syntheses import figures, help_changes
from app.syntheses import writing_help as help_module
from app.syntheses.models import Synthesis


@dataclass
class HelpPage:
    suggestions: help_module.Help | None  # None while a worker computes them
    document: PreparedDocument  # the computed help, or its computation
    changes: help_changes.Changes | None  # None before any validation, or while computing


def help_page(synthesis: Synthesis, challenge: Challenge, user: User,
              back_url: str) -> HelpPage:
    """The question's suggestions as a worker computed them for its current contributions:
    asked for when there are none yet (or the last try failed); with their document."""
    contributions = figures.published_texts(synthesis, challenge)
    variant = help_module.variant(challenge.id, contributions)
    document = document_services.latest(help_changes.KIND, synthesis.id, variant)
    if document is None or document.status is PreparationStatus.FAILED:
        document = document_services.ask(
            help_changes.KIND, synthesis.id, f"Aide à la rédaction — {challenge.title}",
            "aide.json", user, back_url, variant=variant)
        db.session.commit()
        db.session.refresh(document)  # a worker may already have computed it (tests, eager)
    if document.status is not PreparationStatus.READY:
        return HelpPage(None, document, None)
    suggestions = help_module.read_help(document_services.ready_data(document), contributions)
    return HelpPage(suggestions, document, help_changes.since_validation(
        synthesis, challenge.id, suggestions, contributions))


def help_state(synthesis: Synthesis, challenge: Challenge) -> dict:
    """The computation's status, and how far it is while a worker computes it."""
    contributions = figures.published_texts(synthesis, challenge)
    document = document_services.latest(help_changes.KIND, synthesis.id,
                                        help_module.variant(challenge.id, contributions))
    return document_services.state(document) if document else {"status": "preparing"}
