"""Staff sessions: who is signed in, and when a session ends.

A session names its account by ``<id>.<session token>``: changing the token (log out
everywhere, new password, account disabled) ends every session at once. A session also ends
after STAFF_IDLE_MINUTES without a request, and at the latest PERMANENT_SESSION_LIFETIME after
sign-in (the cookie's own expiry).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.accounts.models import User
from app.extensions import db, login_manager

SEEN_KEY = "seen"
# Refresh the "last seen" time at most once a minute: the session cookie is not rewritten on
# every request.
_SEEN_GRANULARITY = 60


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _, token = session_id.partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def open_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing carried over from before sign-in)."""
    session.clear()
    login_user(user, remember=False)
    session.permanent = True
    session[SEEN_KEY] = int(time.time())


def _expire_idle_session():
    if "_user_id" not in session:  # anonymous: no database query, no cookie
        return None
    moment = int(time.time())
    # Every session opened by sign-in has it; one without it starts counting now.
    seen = session.setdefault(SEEN_KEY, moment)
    if moment - seen > current_app.config["STAFF_IDLE_MINUTES"] * 60:
        was_signed_in = current_user.is_authenticated
        logout_user()
        session.clear()
        if was_signed_in:
            flash("Votre session a expiré après une période d’inactivité : reconnectez-vous.",
                  "info")
            if request.method == "GET" and request.path.startswith("/gestion"):
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return None
    if moment - seen >= _SEEN_GRANULARITY:
        session[SEEN_KEY] = moment
    return None


def init_sessions(app: Flask) -> None:
    app.before_request(_expire_idle_session)
