"""Bar charts of a synthesis, drawn by matplotlib: PNG for the DOCX, SVG for the PDF."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: draw to files only
from matplotlib import pyplot

BLUE, PURPLE = "#000091", "#A558A0"


def contributions_by_question(labels: list[str], proposals: list[int],
                              testimonies: list[int], image_format: str) -> bytes:
    """Horizontal stacked bars: proposals and testimonies per question."""
    figure, axes = pyplot.subplots(figsize=(7, 0.6 * len(labels) + 1.2), dpi=150)
    try:
        positions = range(len(labels))
        axes.barh(positions, proposals, color=BLUE, label="Propositions")
        axes.barh(positions, testimonies, left=proposals, color=PURPLE,
                  label="Paroles de citoyen")
        axes.set_yticks(list(positions), labels=[_wrap(label) for label in labels])
        axes.invert_yaxis()
        axes.set_xlabel("Contributions publiées")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
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
