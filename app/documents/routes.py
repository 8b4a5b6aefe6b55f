"""/gestion/documents/<token>: the page that follows a document's preparation, and its
download. Only the person who asked may open either."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from app import storage
from app.backoffice import staff_blueprint
from app.documents import services
from app.documents.models import PreparationStatus, PreparedDocument
from app.extensions import db

bp = staff_blueprint("documents", __name__, url_prefix="/gestion/documents")

READY = {"synthesis.transmission": "La synthèse est transmise au ministère. Voici le ZIP "
                                   "envoyé, avec son manifeste d’empreintes SHA-256."}


def start(kind: str, subject_id: int, title: str, download_name: str,
          back_url: str) -> Response:
    """For a view that was asked for a document: queue it, commit, and send the person to
    the page that follows it (the view has checked the permission). ``back_url``: the page
    to go back to (one of ours, built by the view)."""
    document = services.ask(kind, subject_id, title, download_name, current_user,
                            back_url=back_url)
    db.session.commit()
    return follow_page(document)


def follow_page(document: PreparedDocument) -> Response:
    return redirect(url_for("documents.follow", token=document.token))


def _own(token: str) -> PreparedDocument:
    document = services.by_token(token)
    if document is None or document.requested_by_id != current_user.id:
        abort(404)
    return document


@bp.get("/<token>")
def follow(token: str) -> ResponseReturnValue:
    document = _own(token)
    response = render_template("documents/follow.html", document=document,
                               statuses=PreparationStatus,
                               ready=READY.get(document.kind, "Le document est prêt."))
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/<token>/etat")
def state(token: str) -> ResponseReturnValue:
    """For the page's script, which shows how far the preparation is (when its builder
    tells) and reloads the page once the document is ready."""
    response = jsonify(services.state(_own(token)))
    response.cache_control.no_store = True
    return response


@bp.get("/<token>/fichier")
def download(token: str) -> ResponseReturnValue:
    document = _own(token)
    if document.status is not PreparationStatus.READY or not document.stored_key:
        abort(404)
    return storage.send(document.stored_key, document.download_name)
