"""The two requests of every import: upload (checked and previewed, nothing saved) and
confirmation (checked again, then saved whole or not at all). The file is kept in the shared
storage in between, so the two requests may reach different app servers."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash

from app import storage
from app.contributions import imports
from app.contributions.forms import ConfirmImportForm, ImportForm
from app.uploads import RejectedFileError

Check = Callable[[list[tuple[int, dict[str, str]]]], imports.Checked]


def preview(form: ImportForm, check: Check,
            confirm_form: type[ConfirmImportForm] = ConfirmImportForm,
            ) -> tuple[imports.Checked | None, ConfirmImportForm]:
    """Keep and check the file of a posted upload form (problems go on the form); return the
    checked rows and the confirmation form (of class ``confirm_form``) that carries the kept
    file's token."""
    checked, token = None, None
    if form.validate_on_submit():
        try:
            token = imports.keep(form.file.data)
            checked = check(imports.read(token))
        except (RejectedFileError, storage.StorageError) as error:
            form.file.errors.append(str(error))
    return checked, confirm_form(formdata=None, token=token)


def confirmed(check: Check, form: ConfirmImportForm | None = None,
              ) -> tuple[imports.Checked, str] | None:
    """The rows of the file being confirmed, checked again (the data may have changed since
    the preview), with its token; None, after telling why, if nothing may be imported. The
    kept file is claimed in the current transaction: the caller's commit of the import
    deletes it, so a replayed confirmation finds nothing. ``form``: the posted confirmation,
    when it carries more than the token."""
    form = form or ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        checked = check(imports.read(form.token.data))
    except RejectedFileError as error:
        flash(str(error), "error")
        return None
    if not checked.ok:
        flash("Le fichier contient des erreurs : rien n’a été importé.", "error")
        return None
    if not imports.claim(form.token.data):
        flash(imports.GONE, "error")
        return None
    return checked, form.token.data
