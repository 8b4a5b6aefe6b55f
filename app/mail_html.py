"""The HTML part of every mail, built from its text part.

Each mail is written once, as a text template (``templates/<domain>/mail/*.txt``); its HTML
twin is derived here, so that both bodies always say the same thing and carry the same links
(Outlook shows and copies the body, not the invitation's description). The layout is in
``templates/mail/layout.html``: inline styles (mail clients drop style sheets), no image.
Everything from the text is escaped by the template, user text included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby

from flask import render_template

URL = re.compile(r"https?://[^\s<>«»\"]+")
# « Toutes les informations sur l’étape : https://… »: the words before become the link.
LABELLED_URL = re.compile(r"(?P<label>\S.*?)\s+:\s*(?P<url>https?://[^\s<>«»\"]+)\s*$")
# « Quand : vendredi 4 novembre 2022 »: a short label, shown in bold.
FIELD = re.compile(r"(?P<label>[^:«»]{1,24}?)\s+:\s+(?P<value>\S.*)$")
SIGNATURE = ("--", "-- ")
TRAILING_PUNCTUATION = ".,;:!?)»"


@dataclass
class Segment:
    text: str
    url: str = ""
    show_url: bool = False  # the address also in full, to be copied


@dataclass
class Line:
    segments: list[Segment]
    label: str = ""


@dataclass
class Block:
    kind: str  # "p" or "ul"
    lines: list[Line] = field(default_factory=list)


def _split_url(url: str) -> tuple[str, str]:
    """An address and the punctuation that ends the sentence after it."""
    stripped = url.rstrip(TRAILING_PUNCTUATION)
    return stripped, url[len(stripped):]


def _segments(text: str) -> list[Segment]:
    """Text with its addresses as links (the address is the link text)."""
    segments: list[Segment] = []
    position = 0
    for match in URL.finditer(text):
        url, _punctuation = _split_url(match.group())
        if match.start() > position:
            segments.append(Segment(text[position:match.start()]))
        segments.append(Segment(url, url))
        position = match.start() + len(url)  # the sentence's full stop stays text
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def parse_line(text: str) -> Line:
    labelled = LABELLED_URL.match(text)
    if labelled:
        url, tail = _split_url(labelled["url"])
        return Line([Segment(labelled["label"], url, show_url=True), *_segments(tail)])
    if URL.search(text) is None:
        labelled_field = FIELD.match(text)
        if labelled_field:
            return Line(_segments(labelled_field["value"]), label=labelled_field["label"])
    return Line(_segments(text))


def _kind(line: str) -> str:
    if line.startswith("- "):
        return "ul"
    # « Label : address » lines stand apart, each link with its address under it.
    return "link" if LABELLED_URL.match(line) else "p"


def _blocks(lines: list[str]) -> list[Block]:
    """A paragraph; its « - » lines, even right after « Vous suivez : », make a list."""
    blocks: list[Block] = []
    for kind, group in groupby(lines, key=_kind):
        run = list(group)
        if kind == "ul":
            blocks.append(Block("ul", [parse_line(line[2:].strip()) for line in run]))
        elif kind == "link":
            blocks.extend(Block("p", [parse_line(line)]) for line in run)
        else:
            blocks.append(Block("p", [parse_line(line) for line in run]))
    return blocks


def parse_text(text: str) -> tuple[list[Block], list[str]]:
    """Paragraphs (blank-line separated; « - » lines make a list) and the signature lines."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    signature: list[str] = []
    for index, line in enumerate(lines):
        if line in SIGNATURE:
            lines, signature = lines[:index], [s for s in lines[index + 1:] if s.strip()]
            break
    blocks: list[Block] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.extend(_blocks(current))
            current = []
    return blocks, signature


def html_body(subject: str, text: str) -> str:
    """The mail's HTML part: its subject as the heading, then the text's paragraphs."""
    blocks, signature = parse_text(text)
    return render_template("mail/layout.html", subject=subject, blocks=blocks,
                           signature=signature)
