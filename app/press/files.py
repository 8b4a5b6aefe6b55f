"""Press-kit files: checked by size and real type, stored outside static/, served as downloads."""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import Path

import filetype
from flask import Response, current_app, send_from_directory
from werkzeug.datastructures import FileStorage

# Real types accepted, by what the file's bytes say (not its name), with their label.
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/zip": "ZIP",
}


class RejectedFileError(ValueError):
    """The message is for the person who uploaded the file."""


def upload_folder(kind: str = "press") -> Path:
    """Where uploads of a kind are kept: under UPLOAD_FOLDER (default <instance>/uploads),
    never under static/."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]
                  or Path(current_app.instance_path) / "uploads") / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clean_filename(name: str) -> str:
    """A file name safe to show and to offer as a download name."""
    name = unicodedata.normalize("NFKC", Path(name.replace("\\", "/")).name)
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" ._") or "document"
    return name[:150]


def store(upload: FileStorage) -> tuple[str, str, int]:
    """Check and store an upload; return (stored name, real content type, size)."""
    limit = current_app.config["PRESS_KIT_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        megabytes = limit // (1024 * 1024)
        raise RejectedFileError(f"Le fichier dépasse la taille autorisée ({megabytes} Mo).")
    if not data:
        raise RejectedFileError("Le fichier est vide.")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise RejectedFileError("Ce type de fichier n’est pas accepté. Formats possibles : "
                           + ", ".join(ALLOWED_TYPES.values()) + ".")
    stored_name = f"{uuid.uuid4().hex}.{kind.extension}"
    (upload_folder() / stored_name).write_bytes(data)
    return stored_name, kind.mime, len(data)


def remove(stored_name: str) -> None:
    (upload_folder() / stored_name).unlink(missing_ok=True)


def send_upload(kind: str, stored_name: str, download_name: str, mimetype: str) -> Response:
    """Serve a stored upload as a download, never inline: a file that a browser would render
    (HTML, SVG) cannot run in our origin. ``send_from_directory`` answers 404 to a name that
    would leave the folder, should a stored name ever be tampered with."""
    return send_from_directory(upload_folder(kind), stored_name, mimetype=mimetype,
                               as_attachment=True, download_name=download_name)
