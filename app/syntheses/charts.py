"""Bar charts of a synthesis, drawn by matplotlib: PNG for the DOCX, SVG for the PDF."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: draw to files only
from matplotlib import pyplot
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from app.french import number_label

BLUE, PURPLE = "#000091", "#A558A0"


def count_label(value: float, _position: int | None = None) -> str:
    """A count on the axis as French writes it: « 1 250 », never « 2.5 »."""
    return number_label(round(value))


def contributions_figure(labels: list[str], proposals: list[int],
                         testimonies: list[int]) -> Figure:
    """Horizontal stacked bars: proposals and testimonies per question, counted in whole
    numbers (close it with ``pyplot.close``)."""
    figure, axes = pyplot.subplots(figsize=(7, 0.6 * len(labels) + 1.2), dpi=150)
    positions = range(len(labels))
    axes.barh(positions, proposals, color=BLUE, label="Propositions")
    axes.barh(positions, testimonies, left=proposals, color=PURPLE,
              label="Paroles de citoyen")
    axes.set_yticks(list(positions), labels=[_wrap(label) for label in labels])
    axes.invert_yaxis()
    # Counts: ticks on whole numbers only, written the French way.
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(count_label))
    axes.set_xlabel("Contributions publiées")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def contributions_by_question(labels: list[str], proposals: list[int],
                              testimonies: list[int], image_format: str) -> bytes:
    figure = contributions_figure(labels, proposals, testimonies)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=image_format, metadata={"Date": None}
                       if image_format == "svg" else None)
        return buffer.getvalue()
    finally:
        pyplot.close(figure)


def _wrap(label: str, width: int = 28) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])
