"""« Suites données »: the public page of a campaign's follow-ups, and the organisers' form
for a retained proposal's follow-up (reached from its moderation page)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import clock, page_scopes, policy
from app.backoffice import staff_blueprint
from app.campaigns.queries import campaign_with_challenges
from app.contributions.models import Contribution
from app.extensions import db
from app.followups import queries, services
from app.followups.forms import FollowUpForm
from app.followups.models import FollowUp, FollowUpStatus, may_have_follow_up
from app.form_recovery import keeps_form_on_expired_token, token_expired
from app.page_cache import cached_page
from app.territories.queries import departement_by_code, departements

bp = Blueprint("follow_ups", __name__)
staff_bp = staff_blueprint("follow_up_manage", __name__)


bp.add_app_template_global(may_have_follow_up)


@bp.app_template_global("public_follow_up")
def public_follow_up(contribution: Contribution) -> FollowUp | None:
    """For the proposal's page and its moderation page: its follow-up while it is retained."""
    return queries.public_for(contribution)


@bp.get("/demarches/<slug>/suites")
@cached_page(page_scopes.follow_ups_page)
def campaign_follow_ups(slug: str) -> ResponseReturnValue:
    campaign = campaign_with_challenges(slug) or abort(404)
    code = request.args.get("departement", "")
    territory = departement_by_code(code) if code else None
    if code and territory is None:
        abort(404)
    groups = queries.for_campaign(campaign, territory.id if territory else None)
    return render_template("followups/campaign.html", campaign=campaign, territory=territory,
                           groups=groups, total=sum(len(g.follow_ups) for g in groups),
                           departements=departements())


def _form(follow_up: FollowUp | None, posted: bool) -> FollowUpForm:
    """Filled from the request when ``posted`` (what was typed stays), else from the
    follow-up, with today's date for the new update."""
    if posted:
        return FollowUpForm()
    data: dict[str, object] = {"update_date": clock.today()}
    if follow_up is not None:
        data.update(status=follow_up.status.value, progress=follow_up.progress,
                    measure=follow_up.measure)
    else:
        data.update(status=FollowUpStatus.STUDYING.value, progress=0)
    return FollowUpForm(formdata=None, data=data)


@staff_bp.route("/contributions/<int:contribution_id>/suivi", methods=["GET", "POST"])
@keeps_form_on_expired_token
def edit(contribution_id: int) -> ResponseReturnValue:
    contribution = db.session.get(Contribution, contribution_id) or abort(404)
    policy.require(current_user, "contribution.follow_up", contribution)
    follow_up = queries.with_updates(contribution)
    back = url_for("moderation.detail", contribution_id=contribution.id)
    if not may_have_follow_up(contribution) and request.method == "GET":
        flash(f"{contribution.reference} n’est pas une proposition retenue : seules les "
              "propositions dont la réponse est « Retenue » ont un suivi.", "error")
        return redirect(back)
    form = _form(follow_up, posted=request.method == "POST")
    error = None
    if form.validate_on_submit():
        progress, day = form.progress.data, form.update_date.data
        if progress is None or day is None:  # both required by the form: never here
            abort(400)
        change = services.FollowUpChange(
            status=FollowUpStatus(form.status.data), progress=progress,
            measure=form.measure.data or "", update_date=day,
            update_text=form.update_text.data)
        try:
            services.save(contribution, change, current_user)
        except services.FollowUpError as refused:
            error = str(refused)
        else:
            flash(f"Le suivi de {contribution.reference} est publié.", "success")
            return redirect(back)
    # 200 when the form comes back after an expired token (app.form_recovery shows it).
    status = 400 if request.method == "POST" and not token_expired() else 200
    return render_template("followups/edit.html", contribution=contribution,
                           follow_up=queries.with_updates(contribution) if error else follow_up,
                           form=form, error=error, back=back), status
