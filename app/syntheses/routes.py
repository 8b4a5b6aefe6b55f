"""The synthesis workspace: dashboard of where each territory stands, editing, validation,
documents and transmission."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import audit, policy, storage
from app.accounts.models import User
from app.backoffice import staff_blueprint
from app.campaigns.models import Campaign, Challenge
from app.campaigns.queries import all_campaigns, campaign_with_challenges
from app.clock import today
from app.contributions.models import Contribution, ContributionKind
from app.documents import routes as prepared
from app.documents import services as document_services
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token, token_expired
from app.forms import EXPIRED_PAGE, plain_text
from app.routing import database_id
from app.syntheses import citations, editing, figures, help_pages, services, text_fields
from app.syntheses import writing_help as help_module
from app.syntheses.forms import TextsForm
from app.syntheses.models import Synthesis, SynthesisState, Transmission
from app.territories.models import Territory, TerritoryKind
from app.territories.queries import departement_by_code
from app.uploads import clean_filename

bp = staff_blueprint("syntheses", __name__)


def _territories(campaign: Campaign) -> list[Territory]:
    """The region, then its départements: one synthesis each."""
    return [campaign.territory, *[t for t in campaign.territory.children
                                  if t.kind is TerritoryKind.DEPARTEMENT]]


def _synthesis(slug: str, code: str, action: str = "synthesis.edit", *,
               create: bool = False) -> Synthesis:
    """The territory's synthesis; before its first save, an unsaved draft (reading writes
    nothing), created only by a request that changes it (``create``)."""
    campaign = campaign_with_challenges(slug) or abort(404)
    territory = campaign.territory if code == "region" else departement_by_code(code)
    if territory is None or territory not in _territories(campaign):
        abort(404)
    synthesis = db.session.scalar(sa.select(Synthesis).where(
        Synthesis.campaign_id == campaign.id, Synthesis.territory_id == territory.id))
    synthesis = synthesis or services.unsaved(campaign, territory)
    # Permission first, so a refused request creates nothing.
    policy.require(current_user, action, synthesis)
    if create and synthesis.id is None:
        synthesis = services.for_territory(campaign, territory)
    return synthesis


def _code(synthesis: Synthesis) -> str:
    return "region" if synthesis.territory.kind is TerritoryKind.REGION \
        else synthesis.territory.code


@bp.get("/syntheses")
def dashboard() -> ResponseReturnValue:
    policy.require(current_user, "synthesis.edit")
    campaigns = [c for c in all_campaigns() if c.synthesis_deadline]
    existing = {(s.campaign_id, s.territory_id): s for s in db.session.scalars(
        sa.select(Synthesis))}
    rows = [(campaign, [(territory, existing.get((campaign.id, territory.id)))
                        for territory in _territories(campaign)]) for campaign in campaigns]
    return render_template("syntheses/dashboard.html", rows=rows, today=today(),
                           code_of=lambda t: "region" if t.kind is TerritoryKind.REGION
                           else t.code, probe=lambda t: Synthesis(territory=t))


@bp.get("/syntheses/<slug>/<code>")
def workspace(slug: str, code: str) -> ResponseReturnValue:
    return _workspace(_synthesis(slug, code), code)


def _workspace(synthesis: Synthesis, code: str, edits: dict[int, editing.Edit] | None = None,
               errors: dict[int, str] | None = None,
               conflicts: dict[int, editing.Stored] | None = None,
               refused: str | None = None, status: int = 200):
    """The page; ``edits`` are texts sent but not (all) saved, shown again as typed, with their
    ``errors``, their ``conflicts`` (the colleague's text) or why the save was ``refused``."""
    challenges = synthesis.campaign.challenges
    quoted = {quote.contribution_id for quote in synthesis.quotes}
    texts = {key: text_fields.shown(synthesis, key, (edits or {}).get(key), conflicts or {})
             for key in editing.keys(synthesis)}
    return render_template(
        "syntheses/workspace.html", synthesis=synthesis, code=code,
        figures=figures.compute(synthesis), challenges=challenges, quoted=quoted,
        proposals={c.id: figures.ranked_proposals(synthesis, c) for c in challenges},
        testimonies={c.id: figures.testimonies(synthesis, c) for c in challenges},
        editable=synthesis.state is SynthesisState.DRAFT, kinds=ContributionKind,
        texts=texts, errors=errors or {}, conflicts=conflicts or {}, refused=refused,
        expired=token_expired(), expired_message=EXPIRED_PAGE,
        editor_label=text_fields.editor_label,
        conflict_message=text_fields.conflict_message), status


def _posted_edits(synthesis: Synthesis) -> dict[int, editing.Edit]:
    """The texts the workspace form carried (« texte-<key> », with the version and digest of
    the text the page was given); a text the form did not carry is left as it is."""
    edits = {}
    for key in editing.keys(synthesis):
        if f"texte-{key}" in request.form:
            edits[key] = text_fields.edit(key, request.form.get(f"texte-{key}", ""),
                                          request.form.get(f"version-{key}"),
                                          request.form.get(f"base-{key}"))
    return edits


def _texts_first(synthesis: Synthesis, code: str):
    """Save the texts the workspace form carried before the action its button asks for (save,
    quote, validate, document): None once they are saved (or when there were none), else the
    page to show instead, every text as typed: expired token, text too long, conflict."""
    form = TextsForm()
    edits = _posted_edits(synthesis)
    if not form.validate_on_submit():  # expired token: replayed by app.form_recovery
        return _workspace(synthesis, code, edits, status=200 if token_expired() else 400)
    errors = {key: text_fields.TOO_LONG for key, edit in edits.items()
              if len(edit.text) > editing.TEXT_LIMIT}
    if errors:
        return _workspace(synthesis, code, edits, errors=errors, status=400)
    if not edits:
        return None
    try:
        outcome = editing.save(synthesis, list(edits.values()), current_user)
    except services.SynthesisError as error:
        return _workspace(synthesis, code, edits, refused=str(error), status=409)
    if outcome.conflicts:
        return _workspace(synthesis, code, edits, conflicts=outcome.conflicts, status=409)
    g.texts_saved = len(outcome.saved)
    return None


def _back(slug: str, code: str, anchor: str | None = None):
    return redirect(url_for(".workspace", slug=slug, code=code, _anchor=anchor))


@bp.post("/syntheses/<slug>/<code>/textes")
@keeps_form_on_expired_token
def save_texts(slug: str, code: str) -> ResponseReturnValue:
    """The workspace's one form: every text, saved at once (nothing typed is lost)."""
    synthesis = _synthesis(slug, code, create=True)
    page = _texts_first(synthesis, code)
    if page is not None:
        return page
    saved = g.get("texts_saved", 0)
    flash("Vos textes étaient déjà enregistrés." if saved == 0 else
          "Le texte est enregistré." if saved == 1 else
          f"Les {saved} textes sont enregistrés.", "success")
    return _back(slug, code)  # the top of the page, where the message is


@bp.post("/syntheses/<slug>/<code>/texte")
def save_text(slug: str, code: str) -> ResponseReturnValue:
    """One text, as the page's script saves it while the person types (JSON), or as a plain
    form posts it (``challenge_id``: 0 for the introduction, and ``text``)."""
    synthesis = _synthesis(slug, code, create=True)
    key = request.form.get("challenge_id", 0, type=database_id)
    if key not in editing.keys(synthesis):
        abort(400)
    edit = text_fields.edit(key, request.form.get("text", ""), request.form.get("version"),
                            request.form.get("base"))
    script = request.accept_mimetypes.best == "application/json"
    if len(edit.text) > editing.TEXT_LIMIT:
        if script:
            return text_fields.answer("error", 400, message=text_fields.TOO_LONG)
        return _workspace(synthesis, code, {key: edit}, errors={key: text_fields.TOO_LONG},
                          status=400)
    try:
        outcome = editing.save(synthesis, [edit], current_user)
    except services.SynthesisError as error:
        if script:
            return text_fields.answer("error", 409, message=str(error))
        return _workspace(synthesis, code, {key: edit}, refused=str(error), status=409)
    if key in outcome.conflicts:
        if script:
            return text_fields.conflict_answer(outcome.conflicts[key])
        return _workspace(synthesis, code, {key: edit}, conflicts=outcome.conflicts,
                          status=409)
    if script:
        return text_fields.saved_answer(editing.stored(synthesis, key), edit)
    flash("Le texte est enregistré.", "success")
    return _back(slug, code, f"question-{key}" if key else "introduction")


@bp.post("/syntheses/<slug>/<code>/citer/<int:contribution_id>")
@keeps_form_on_expired_token
def toggle_quote(slug: str, code: str, contribution_id: int) -> ResponseReturnValue:
    """« Citer » is a button of the workspace's form: the texts are saved first."""
    synthesis = _synthesis(slug, code, create=True)
    contribution = db.session.get(Contribution, contribution_id) or abort(404)
    if contribution.territory_id not in figures.scope_ids(synthesis):
        abort(404)
    page = _texts_first(synthesis, code)
    if page is not None:
        return page
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
                  change: Callable[[Synthesis, User], object],
                  success: Callable[[object], str]):
    synthesis = _synthesis(slug, code, action, create=True)
    page = _texts_first(synthesis, code)
    if page is not None:
        return page
    try:
        result = change(synthesis, current_user)
    except services.SynthesisError as error:
        flash(str(error), "error")
    else:
        flash(success(result), "success")
    return _back(slug, code)


@bp.post("/syntheses/<slug>/<code>/valider")
@keeps_form_on_expired_token
def validate(slug: str, code: str) -> ResponseReturnValue:
    return _change_state(slug, code, "synthesis.validate", services.validate,
                         lambda _: "La synthèse est validée : elle peut être transmise.")


@bp.post("/syntheses/<slug>/<code>/brouillon")
def reopen(slug: str, code: str) -> ResponseReturnValue:
    return _change_state(slug, code, "synthesis.validate", services.reopen,
                         lambda _: "La synthèse est repassée en brouillon.")


def _file_name(synthesis: Synthesis, extension: str) -> str:
    return clean_filename(f"synthese-{synthesis.campaign.slug}-{_code(synthesis)}.{extension}")


@bp.post("/syntheses/<slug>/<code>/synthese.<any(docx, pdf):extension>")
@keeps_form_on_expired_token
def document(slug: str, code: str, extension: str) -> ResponseReturnValue:
    """A worker writes the document (from the texts the form carried, saved first); the
    person follows it on its page, then downloads it."""
    synthesis = _synthesis(slug, code, create=True)
    page = _texts_first(synthesis, code)
    if page is not None:
        return page
    return prepared.start(f"synthesis.{extension}", synthesis.id,
                          f"Synthèse {synthesis.territory.display_name} "
                          f"({extension.upper()})", _file_name(synthesis, extension),
                          url_for(".workspace", slug=slug, code=code))


@bp.post("/syntheses/<slug>/<code>/transmettre")
def transmit(slug: str, code: str) -> ResponseReturnValue:
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
def bundle(slug: str, code: str, transmission_id: int) -> ResponseReturnValue:
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


@bp.get("/syntheses/<slug>/<code>/aide/<int:challenge_id>")
def writing_help(slug: str, code: str, challenge_id: int) -> ResponseReturnValue:
    """Suggestions computed (by a worker) from the question's published contributions."""
    # The computation it asks for is filed under the synthesis: it needs the row.
    synthesis = _synthesis(slug, code, create=True)
    challenge = _challenge(synthesis, challenge_id)
    shown = help_pages.help_page(synthesis, challenge, current_user,
                                 url_for(".workspace", slug=slug, code=code))
    page = render_template("syntheses/help.html", synthesis=synthesis, code=code,
                           challenge=challenge, help=shown.suggestions,
                           document=shown.document, changes=shown.changes,
                           how=help_module.HOW,
                           quoted={q.contribution_id for q in synthesis.quotes},
                           editable=synthesis.state is SynthesisState.DRAFT)
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/syntheses/<slug>/<code>/aide/<int:challenge_id>/etat")
def writing_help_state(slug: str, code: str, challenge_id: int) -> ResponseReturnValue:
    """For the page's script, which shows how far the computation is and reloads the page
    once the suggestions are computed."""
    synthesis = _synthesis(slug, code)
    response = jsonify(help_pages.help_state(synthesis, _challenge(synthesis, challenge_id)))
    response.cache_control.no_store = True
    return response


@bp.post("/syntheses/<slug>/<code>/aide/<int:challenge_id>/ajouter")
def accept_suggestion(slug: str, code: str, challenge_id: int) -> ResponseReturnValue:
    """Add a suggested line to the question's text, where the organiser then edits it. The
    journal says who accepted which suggestion, in the transaction that saves the text: no
    text added without its entry, nor an entry without its text."""
    synthesis = _synthesis(slug, code, create=True)
    challenge = _challenge(synthesis, challenge_id)
    line = plain_text(request.form.get("line", ""), 1000).strip()
    back = redirect(url_for(".workspace", slug=slug, code=code,
                            _anchor=f"question-{challenge.id}"))
    if not line:
        flash("Aucune suggestion à ajouter.", "error")
        return back
    current = editing.stored(synthesis, challenge.id).text
    references = ", ".join(f"C-{number:06d}" for number in citations.referenced_ids([line])) \
        or "sans référence"
    computation = request.form.get("computation", "")
    # Which computation proposed it: the help's prepared document (app.documents), by number.
    source = f", calcul n° {computation}" if computation.isdigit() and len(computation) < 12 \
        else ""
    try:
        services.editable(synthesis)  # before the entry: a validated text takes none
        audit.record("synthesis.suggestion_accepted", synthesis,
                     f"Synthèse {synthesis.territory.display_name} : suggestion de l’aide à la "
                     f"rédaction ajoutée au texte « {challenge.title} » ({references}{source})",
                     user=current_user._get_current_object())
        # Added to the stored text as it is now: no version to compare with. save() commits
        # the entry with the text.
        editing.save(synthesis, [editing.Edit(challenge.id, f"{current.rstrip()}\n{line}"
                                              .strip())], current_user)
    except services.SynthesisError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash("La suggestion est ajoutée au texte : relisez-la et réécrivez-la.", "success")
    return back
