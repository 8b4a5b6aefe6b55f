"""The synthesis workspace: dashboard of where each territory stands, editing, validation,
documents and transmission."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app import policy, storage
from app.backoffice import staff_blueprint
from app.campaigns.models import Campaign, Challenge
from app.campaigns.queries import all_campaigns, campaign_with_challenges
from app.clock import today
from app.contributions.models import Contribution, ContributionKind
from app.documents import routes as prepared
from app.documents import services as document_services
from app.documents.models import PreparationStatus
from app.extensions import db
from app.forms import plain_text
from app.press.files import clean_filename
from app.routing import database_id
from app.syntheses import figures, services
from app.syntheses import writing_help as help_module
from app.syntheses.models import Synthesis, SynthesisState, Transmission
from app.territories.models import Territory, TerritoryKind
from app.territories.queries import departement_by_code

bp = staff_blueprint("syntheses", __name__)


def _territories(campaign: Campaign) -> list[Territory]:
    """The region, then its départements: one synthesis each."""
    return [campaign.territory, *[t for t in campaign.territory.children
                                  if t.kind is TerritoryKind.DEPARTEMENT]]


def _synthesis(slug: str, code: str, action: str = "synthesis.edit") -> Synthesis:
    campaign = campaign_with_challenges(slug) or abort(404)
    territory = campaign.territory if code == "region" else departement_by_code(code)
    if territory is None or territory not in _territories(campaign):
        abort(404)
    synthesis = db.session.scalar(sa.select(Synthesis).where(
        Synthesis.campaign_id == campaign.id, Synthesis.territory_id == territory.id))
    # Permission first (on an unsaved probe), so a refused visit creates nothing.
    policy.require(current_user, action, synthesis or Synthesis(territory=territory))
    return synthesis or services.for_territory(campaign, territory)


def _code(synthesis: Synthesis) -> str:
    return "region" if synthesis.territory.kind is TerritoryKind.REGION \
        else synthesis.territory.code


@bp.get("/syntheses")
def dashboard():
    policy.require(current_user, "synthesis.edit")
    campaigns = [c for c in all_campaigns() if c.synthesis_deadline]
    existing = {(s.campaign_id, s.territory_id): s for s in db.session.scalars(
        sa.select(Synthesis))}
    rows = [(campaign, [(territory, existing.get((campaign.id, territory.id)))
                        for territory in _territories(campaign)]) for campaign in campaigns]
    return render_template("syntheses/dashboard.html", rows=rows, today=today(),
                           code_of=lambda t: "region" if t.kind is TerritoryKind.REGION
                           else t.code, probe=lambda t: Synthesis(territory=t))


TEXT_LIMIT = 50_000


@bp.get("/syntheses/<slug>/<code>")
def workspace(slug: str, code: str):
    return _workspace(_synthesis(slug, code), code)


def _workspace(synthesis: Synthesis, code: str, drafts: dict[int, str] | None = None,
               errors: dict[int, str] | None = None, status: int = 200):
    """The page; ``drafts`` are texts typed but refused, shown again with their ``errors``."""
    challenges = synthesis.campaign.challenges
    quoted = {quote.contribution_id for quote in synthesis.quotes}
    return render_template(
        "syntheses/workspace.html", synthesis=synthesis, code=code,
        figures=figures.compute(synthesis), challenges=challenges, quoted=quoted,
        proposals={c.id: figures.ranked_proposals(synthesis, c) for c in challenges},
        testimonies={c.id: figures.testimonies(synthesis, c) for c in challenges},
        editable=synthesis.state is SynthesisState.DRAFT, kinds=ContributionKind,
        drafts=drafts or {}, errors=errors or {}), status


@bp.post("/syntheses/<slug>/<code>/texte")
def save_text(slug: str, code: str):
    synthesis = _synthesis(slug, code)
    challenge = db.session.get(Challenge, request.form.get("challenge_id", 0, type=database_id))
    if challenge is not None and challenge.campaign_id != synthesis.campaign_id:
        abort(400)
    text = plain_text(request.form.get("text", ""), TEXT_LIMIT + 1)
    if len(text) > TEXT_LIMIT:
        key = challenge.id if challenge else 0
        return _workspace(synthesis, code, {key: text}, {
            key: f"Ce texte dépasse {TEXT_LIMIT:,} caractères : raccourcissez-le.".replace(
                ",", " ")}, 400)
    try:
        services.save_text(synthesis, challenge, text)
    except services.SynthesisError as error:
        flash(str(error), "error")
    else:
        flash("Le texte est enregistré.", "success")
    anchor = f"question-{challenge.id}" if challenge else "introduction"
    return redirect(url_for(".workspace", slug=slug, code=code, _anchor=anchor))


@bp.post("/syntheses/<slug>/<code>/citer/<int:contribution_id>")
def toggle_quote(slug: str, code: str, contribution_id: int):
    synthesis = _synthesis(slug, code)
    contribution = db.session.get(Contribution, contribution_id) or abort(404)
    if contribution.territory_id not in figures.scope_ids(synthesis):
        abort(404)
    try:
        quoted = services.toggle_quote(synthesis, contribution)
    except services.SynthesisError as error:
        flash(str(error), "error")
    else:
        flash(f"{contribution.reference} {'sera citée' if quoted else 'ne sera plus citée'}.",
              "success")
    return redirect(url_for(".workspace", slug=slug, code=code,
                            _anchor=f"question-{contribution.challenge_id}"))


def _change_state(slug: str, code: str, action: str,
                  change: Callable[[Synthesis, object], object],
                  success: Callable[[object], str]):
    synthesis = _synthesis(slug, code, action)
    try:
        result = change(synthesis, current_user)
    except services.SynthesisError as error:
        flash(str(error), "error")
    else:
        flash(success(result), "success")
    return redirect(url_for(".workspace", slug=slug, code=code))


@bp.post("/syntheses/<slug>/<code>/valider")
def validate(slug: str, code: str):
    return _change_state(slug, code, "synthesis.validate", services.validate,
                         lambda _: "La synthèse est validée : elle peut être transmise.")


@bp.post("/syntheses/<slug>/<code>/brouillon")
def reopen(slug: str, code: str):
    return _change_state(slug, code, "synthesis.validate", services.reopen,
                         lambda _: "La synthèse est repassée en brouillon.")


def _file_name(synthesis: Synthesis, extension: str) -> str:
    return clean_filename(f"synthese-{synthesis.campaign.slug}-{_code(synthesis)}.{extension}")


@bp.post("/syntheses/<slug>/<code>/synthese.<any(docx, pdf):extension>")
def document(slug: str, code: str, extension: str):
    """A worker writes the document; the person follows it on its page, then downloads it."""
    synthesis = _synthesis(slug, code)
    return prepared.start(f"synthesis.{extension}", synthesis.id,
                          f"Synthèse {synthesis.territory.display_name} "
                          f"({extension.upper()})", _file_name(synthesis, extension),
                          url_for(".workspace", slug=slug, code=code))


@bp.post("/syntheses/<slug>/<code>/transmettre")
def transmit(slug: str, code: str):
    """A worker builds the ZIP and records the transmission (a second click while it works
    follows the same preparation)."""
    synthesis = _synthesis(slug, code, "synthesis.transmit")
    if synthesis.state is SynthesisState.DRAFT:
        flash("La synthèse doit d’abord être validée par un administrateur.", "error")
        return redirect(url_for(".workspace", slug=slug, code=code))
    running = document_services.in_preparation("synthesis.transmission", synthesis.id)
    if running is not None:
        return prepared.follow_page(running)
    return prepared.start("synthesis.transmission", synthesis.id,
                          f"Transmission au ministère — synthèse "
                          f"{synthesis.territory.display_name}", _file_name(synthesis, "zip"),
                          url_for(".workspace", slug=slug, code=code))


@bp.get("/syntheses/<slug>/<code>/envois/<int:transmission_id>.zip")
def bundle(slug: str, code: str, transmission_id: int):
    synthesis = _synthesis(slug, code)
    sent = db.session.get(Transmission, transmission_id)
    if sent is None or sent.synthesis_id != synthesis.id:
        abort(404)
    return storage.send(sent.stored_name, _file_name(synthesis, "zip"), kind="transmission",
                        mimetype="application/zip")


def _challenge(synthesis: Synthesis, challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.campaign_id != synthesis.campaign_id:
        abort(404)
    return challenge


def _help(synthesis: Synthesis, challenge: Challenge, slug: str, code: str):
    """The question's suggestions as a worker computed them for its current contributions:
    asked for when there are none yet (or the last try failed); with their document."""
    contributions = figures.published_texts(synthesis, challenge)
    variant = help_module.variant(challenge.id, contributions)
    document = document_services.latest("synthesis.help", synthesis.id, variant)
    if document is None or document.status is PreparationStatus.FAILED:
        document = document_services.ask(
            "synthesis.help", synthesis.id, f"Aide à la rédaction — {challenge.title}",
            "aide.json", current_user, url_for(".workspace", slug=slug, code=code),
            variant=variant)
        db.session.commit()
        db.session.refresh(document)  # a worker may already have computed it (tests, eager)
    if document.status is not PreparationStatus.READY:
        return None, document
    stored = storage.get(document.stored_key, "document")
    return help_module.read_help(stored.data, contributions), document


@bp.get("/syntheses/<slug>/<code>/aide/<int:challenge_id>")
def writing_help(slug: str, code: str, challenge_id: int):
    """Suggestions computed (by a worker) from the question's published contributions."""
    synthesis = _synthesis(slug, code)
    challenge = _challenge(synthesis, challenge_id)
    suggestions, document = _help(synthesis, challenge, slug, code)
    page = render_template("syntheses/help.html", synthesis=synthesis, code=code,
                           challenge=challenge, help=suggestions, document=document,
                           how=help_module.HOW,
                           quoted={q.contribution_id for q in synthesis.quotes},
                           editable=synthesis.state is SynthesisState.DRAFT)
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/syntheses/<slug>/<code>/aide/<int:challenge_id>/etat")
def writing_help_state(slug: str, code: str, challenge_id: int):
    """For the page's script, which reloads it once the suggestions are computed."""
    synthesis = _synthesis(slug, code)
    challenge = _challenge(synthesis, challenge_id)
    contributions = figures.published_texts(synthesis, challenge)
    document = document_services.latest("synthesis.help", synthesis.id,
                                        help_module.variant(challenge.id, contributions))
    response = jsonify(status=document.status.value if document else "preparing")
    response.cache_control.no_store = True
    return response


@bp.post("/syntheses/<slug>/<code>/aide/<int:challenge_id>/ajouter")
def accept_suggestion(slug: str, code: str, challenge_id: int):
    """Add a suggested line to the question's text, where the organiser then edits it."""
    synthesis = _synthesis(slug, code)
    challenge = _challenge(synthesis, challenge_id)
    line = plain_text(request.form.get("line", ""), 1000)
    section = synthesis.section_for(challenge)
    current = section.text if section else ""
    try:
        services.save_text(synthesis, challenge, f"{current.rstrip()}\n{line}".strip())
    except services.SynthesisError as error:
        flash(str(error), "error")
    else:
        flash("La suggestion est ajoutée au texte : relisez-la et modifiez-la.", "success")
    return redirect(url_for(".workspace", slug=slug, code=code,
                            _anchor=f"question-{challenge.id}"))
