"""Administrators manage staff accounts: invite, assign territories, disable, unlock, unlink
ProConnect."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import policy
from app.accounts import second_factor, services
from app.accounts.forms import AccountForm, InvitationForm
from app.accounts.models import Role, User
from app.backoffice import staff_blueprint
from app.extensions import db
from app.form_recovery import keeps_form_on_expired_token
from app.forms import choices
from app.territories.models import Territory, TerritoryKind

bp = staff_blueprint("accounts_manage", __name__, url_prefix="/gestion/comptes")


@bp.before_request
def _admins_only() -> None:
    policy.require(current_user, "user.manage")


def _territory_choices(form: AccountForm) -> None:
    kinds = {TerritoryKind.REGION: 0, TerritoryKind.DEPARTEMENT: 1, TerritoryKind.PROXIMITE: 2}
    territories = sorted(db.session.scalars(sa.select(Territory)),
                         key=lambda t: (kinds[t.kind], t.code))
    form.territories.choices = choices([(t.id, t.display_name) for t in territories])


def _chosen_territories(form: AccountForm) -> list[Territory]:
    ids = form.territories.data or []
    if not ids or form.role.data == Role.ADMIN.value:
        return []  # an administrator acts everywhere
    return list(db.session.scalars(sa.select(Territory).where(Territory.id.in_(ids))))


def _account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("accounts/manage/index.html", users=services.staff_list())


@bp.route("/inviter", methods=["GET", "POST"])
@keeps_form_on_expired_token
def invite() -> ResponseReturnValue:
    form = InvitationForm()
    _territory_choices(form)
    if form.validate_on_submit():
        try:
            user = services.invite(form.email.data, form.name.data, Role(form.role.data),
                                   _chosen_territories(form), current_user)
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(f"Invitation envoyée à {user.email}.", "success")
            return redirect(url_for("accounts_manage.edit", user_id=user.id))
    return render_template("accounts/manage/invite.html", form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@keeps_form_on_expired_token
def edit(user_id: int) -> ResponseReturnValue:
    user = _account_or_404(user_id)
    form = AccountForm(data={"name": user.name, "role": user.role.value,
                             "territories": [t.id for t in user.territories]})
    _territory_choices(form)
    if form.validate_on_submit():
        try:
            services.update(user, form.name.data, Role(form.role.data),
                            _chosen_territories(form), current_user)
        except services.AccountError as error:
            form.role.errors.append(str(error))
        else:
            flash("Le compte est enregistré.", "success")
            return redirect(url_for("accounts_manage.edit", user_id=user.id))
    return render_template("accounts/manage/edit.html", user=user, form=form)


def _act(user_id: int, action, done: str):
    user = _account_or_404(user_id)
    try:
        action(user)
    except services.AccountError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for("accounts_manage.edit", user_id=user.id))


@bp.post("/<int:user_id>/desactiver")
def disable(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda u: services.set_active(u, False, current_user),
                "Le compte est désactivé ; ses sessions sont fermées.")


@bp.post("/<int:user_id>/reactiver")
def enable(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda u: services.set_active(u, True, current_user),
                "Le compte est réactivé.")


@bp.post("/<int:user_id>/renvoyer-invitation")
def resend_invitation(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda u: services.resend_invitation(u, current_user),
                "L’invitation est renvoyée.")


@bp.post("/<int:user_id>/deverrouiller")
def unlock(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda u: services.unlock(u, current_user), "Le compte est déverrouillé.")


@bp.post("/<int:user_id>/delier-proconnect")
def unlink_proconnect(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda u: services.unlink_proconnect(u, current_user),
                "L’identité ProConnect est déliée de ce compte.")


@bp.post("/<int:user_id>/reinitialiser-double-facteur")
def reset_second_factor(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda u: second_factor.disable(u, current_user),
                "La double authentification de ce compte est retirée : la personne pourra "
                "l’activer de nouveau depuis « Mon compte ».")


@bp.post("/<int:user_id>/deconnecter")
def sign_out(user_id: int) -> ResponseReturnValue:
    return _act(user_id, lambda u: services.sign_out_everywhere(
        u, current_user, "Sessions fermées par un administrateur"),
        "Toutes les sessions de ce compte sont fermées.")
