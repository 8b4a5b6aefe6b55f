"""Uploaded files, beside their storage backend (app.storage): safe download names (press kits,
synthesis documents) and the refusal every upload check raises (press kits here, contribution
imports in app.contributions.imports). A press-kit file is checked by size and real type, kept
in the shared storage (never under static/ nor on an app server's disk), served as a download."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import filetype
from flask import current_app
from werkzeug.datastructures import FileStorage

from app import storage

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


def clean_filename(name: str) -> str:
    """A file name safe to show and to offer as a download name."""
    name = unicodedata.normalize("NFKC", Path(name.replace("\\", "/")).name)
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" ._") or "document"
    return name[:150]


def store(upload: FileStorage) -> tuple[str, str, int]:
    """Check an upload and add it to the storage in the current transaction; return (storage
    key, real content type, size). Raises RejectedFileError; the caller commits inside
    ``storage.storing()``."""
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
    return storage.put("press", data, kind.mime), kind.mime, len(data)
