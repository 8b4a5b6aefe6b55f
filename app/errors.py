"""Error pages in French; never a stack trace or an SQL error for the visitor."""

from __future__ import annotations

import contextlib
from typing import NoReturn

from flask import Flask, abort, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from app.database import database_unavailable
from app.extensions import db
from app.form_recovery import replay_form

MESSAGES = {
    400: ("Requête incorrecte", "La demande n’a pas pu être comprise."),
    403: ("Accès refusé", "Vous n’avez pas les droits nécessaires pour cette action."),
    404: ("Page non trouvée", "La page que vous cherchez est introuvable. Excusez-nous pour "
          "la gêne occasionnée."),
    405: ("Méthode non autorisée", "Cette action n’est pas possible sur cette page."),
    413: ("Envoi trop volumineux", "Le fichier ou le formulaire envoyé dépasse la taille "
          "autorisée."),
    429: ("Trop de demandes", "Vous avez envoyé trop de demandes en peu de temps. Réessayez "
          "dans quelques minutes."),
    500: ("Erreur inattendue", "Une erreur est survenue de notre côté. Réessayez dans un "
          "instant ; si le problème persiste, contactez-nous."),
    503: ("Service momentanément indisponible", "Le service ne peut pas répondre pour le "
          "moment. Réessayez dans quelques instants : ce que vous avez saisi n’a peut-être pas "
          "été enregistré."),
}

# Shown when even the error page fails (database gone, template broken): no layout, no query.
BARE_500_PAGE = ("<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\">"
                 "<title>Erreur inattendue</title><h1>Erreur inattendue</h1>"
                 "<p>Une erreur est survenue de notre côté. Réessayez dans un instant.</p></html>")


# The database cannot serve (stopped, restarting, too many connections, pool exhausted): 503
# and Retry-After, not 500 (app.database.database_unavailable tells it from a wrong statement).
# The pool's pre-ping (config.py) replaces dead connections, so the app serves again as soon as
# the database is back, without a restart.
DATABASE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                   sa_exc.TimeoutError)
BARE_503_PAGE = ("<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\">"
                 "<title>Service momentanément indisponible</title>"
                 "<h1>Service momentanément indisponible</h1>"
                 "<p>Le service ne peut pas répondre pour le moment. Réessayez dans quelques "
                 "instants.</p></html>")


def render_error(code: int, detail: str | None = None):
    """The French error page (or JSON for the API), with an optional specific message."""
    title, message = MESSAGES.get(code, (f"Erreur {code}", "La demande n’a pas abouti."))
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return jsonify(error=title, message=detail or message), code
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or message), code


def abort_with(code: int, message: str) -> NoReturn:
    """Stop here with the French error page and a message that says why."""
    abort(make_response(render_error(code, message)))


def _refuse_nul_characters() -> None:
    """No database stores NUL characters (PostgreSQL refuses them): a request carrying one in
    its path or query is refused cleanly (400) before any view sees it. Forms are not refused
    here, so that what was typed comes back: their fields refuse control characters with a
    message (forms.Printable), and the few raw fields go through forms.plain_text."""
    values = [*(request.view_args or {}).values(), *request.args.values()]
    if any(isinstance(value, str) and "\x00" in value for value in values):
        abort_with(400, "La demande contient un caractère nul, qui n’est pas autorisé.")


def init_error_handlers(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        # A form page comes back filled in (form_recovery); a bare button explains itself.
        replayed = replay_form(error.description)
        if replayed is not None:
            return replayed
        return render_error(400, "La page a expiré : revenez en arrière, rechargez la page et "
                            "recommencez.")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    def _database_error(error: Exception):
        if not database_unavailable(error):
            return _unexpected(error)
        # One line, no traceback: an outage would otherwise fill the log with identical ones.
        app.logger.error("Base de données injoignable : %s", str(error).splitlines()[0][:300])
        retry_after = {"Retry-After": str(app.config["DATABASE_RETRY_AFTER_SECONDS"])}
        with contextlib.suppress(sa_exc.SQLAlchemyError):  # the connection may be gone
            db.session.rollback()
        try:
            # The page's header asks the database about a signed-in user: it may fail too.
            body, code = render_error(503)
        except Exception:
            return BARE_503_PAGE, 503, {**retry_after, "Content-Type": "text/html; charset=utf-8"}
        return body, code, retry_after

    for error_class in DATABASE_ERRORS:
        app.register_error_handler(error_class, _database_error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # The trace goes to the log, for the operator; the visitor reads French, nothing more.
        app.logger.exception("Erreur non gérée", exc_info=error)
        try:
            db.session.rollback()
            return render_error(500)
        except Exception:  # the database or the templates are down too
            app.logger.exception("La page d’erreur n’a pas pu être affichée")
            return BARE_500_PAGE, 500, {"Content-Type": "text/html; charset=utf-8"}
