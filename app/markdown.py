"""Markdown written by organisers, rendered safely: raw HTML is shown as text and only
http(s), mailto and relative links are kept (markdown-it refuses javascript:, data: …)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_PARSER = MarkdownIt("commonmark", {"html": False, "typographer": False})


def to_html(text: str) -> Markup:
    """HTML from Markdown; raw HTML is escaped, so the result is safe to insert."""
    return Markup(_PARSER.render(text or ""))  # noqa: S704 -- html=False escapes raw HTML  # nosec B704


def tokens(text: str) -> list:
    """The parsed blocks, for writers of other formats (DOCX)."""
    return _PARSER.parse(text or "")
