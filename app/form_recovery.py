"""A refused CSRF token never throws a form away.

A person may type a 5,000-character testimony and send it after the token's time limit
(``WTF_CSRF_TIME_LIMIT``), or after their session was lost. Flask-WTF's global check then
refuses the POST before the view runs. For the views marked here, the same view runs again on
that POST: its form, bound to what was sent, fails its own CSRF check (so nothing is done), and
the page comes back filled in, with a fresh token and « La page a expiré ».
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException

View = TypeVar("View", bound=Callable)

_MARK = "keeps_form_on_expired_token"


def keeps_form_on_expired_token(view: View) -> View:
    """Mark a view whose page posts its form to itself. The view must act only once
    ``form.validate_on_submit()`` is true (the form's own CSRF check refuses the replay).
    Put it below ``@bp.route`` (and above other decorators, or after them: functools.wraps
    carries the mark)."""
    setattr(view, _MARK, True)
    return view


def token_expired() -> bool:
    """True while a view is replayed after a refused token (the form shows the message)."""
    return bool(g.get("csrf_token_refused"))


def replay_form(reason: str) -> Response | None:
    """The marked view's answer to a POST whose token was refused, or None (not marked)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "POST" or view is None or not getattr(view, _MARK, False):
        return None
    current_app.logger.info("Jeton CSRF refusé (%s) : formulaire %s réaffiché", reason,
                            request.endpoint)
    g.csrf_token_refused = True
    try:
        # The token is checked before the blueprints' own hooks (the back office's sign-in
        # check): they run first, as dispatch would; one that answers (a sign-in redirect)
        # or refuses means no form is shown again, only the refusal.
        for name in request.blueprints:
            for hook in current_app.before_request_funcs.get(name, ()):
                if current_app.ensure_sync(hook)() is not None:
                    return None
        # Called as Flask's dispatch calls a view (ensure_sync returns a plain function).
        response = current_app.make_response(
            current_app.ensure_sync(view)(**(request.view_args or {})))
    except HTTPException:  # refused (403, 404): the plain refusal of the token
        return None
    if response.status_code != 200:  # not the form shown again (a redirect, a refusal)
        return None
    response.status_code = 400  # the form is shown again, the POST itself was refused
    return response
