"""The imports between app/'s packages, as a Mermaid graph (docs/architecture.md).

    .venv/bin/python scripts/architecture_diagram.py          # print the graph
    .venv/bin/python scripts/architecture_diagram.py --write  # put it in docs/architecture.md

One node per package of app/ (accounts, campaigns, ...); A --> B: a module of A imports one of
B, at any depth (lazy imports inside functions, and those for type checking, count). The
shared top-level modules (app/*.py) are no node: every package uses them. Packages are drawn in
the layers of LAYERS, the importer above what it imports; an import against those layers is a
dashed line, drawn from the package above, without an arrowhead (Mermaid has none at a line's
start), so that the layout keeps the layers. tests/operations/test_architecture_doc.py checks
that the document shows what this prints.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- diagram: begin -->", "<!-- diagram: end -->"
# The packages from the bottom layer up: each one may import those below it. A package not
# listed counts as the top layer: add a new one where it belongs.
LAYERS = ("jobs", "territories", "accounts", "documents", "campaigns", "calendar", "press",
          "registrations", "contributions", "followups", "syntheses", "opendata", "privacy", "api",
          "public", "operations", "auditlog", "seed")


def packages() -> list[str]:
    return sorted(path.name for path in APP.iterdir() if (path / "__init__.py").exists())


def imported(tree: ast.AST) -> list[str]:
    """Absolute names of the modules a file imports (``from app import x`` gives app.x)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "app":
                names.extend(f"app.{alias.name}" for alias in node.names)
            else:
                names.append(node.module)
    return names


def edges() -> set[tuple[str, str]]:
    """(importer, imported) for each pair of packages with at least one import."""
    known = set(packages())
    found: set[tuple[str, str]] = set()
    for package in sorted(known):
        for path in sorted((APP / package).rglob("*.py")):
            for module in imported(ast.parse(path.read_text(encoding="utf-8"))):
                parts = module.split(".")
                if parts[0] == "app" and len(parts) > 1 and parts[1] in known - {package}:
                    found.add((package, parts[1]))
    return found


def against_the_layers(source: str, target: str) -> bool:
    rank = {package: index for index, package in enumerate(LAYERS)}
    return rank.get(target, len(LAYERS)) > rank.get(source, len(LAYERS))


def mermaid() -> str:
    """The graph, as the lines of a Mermaid flowchart."""
    lines = ["flowchart TD", *(f"    {package}" for package in packages())]
    for source, target in sorted(edges()):
        if against_the_layers(source, target):
            lines.append(f"    {target} <-.- {source}")
        else:
            lines.append(f"    {source} --> {target}")
    return "\n".join(lines) + "\n"


def block() -> str:
    """What the document holds from its first marker to its second."""
    return f"{BEGIN}\n```mermaid\n{mermaid()}```\n{END}"


def documented(text: str) -> str:
    """The document's diagram, markers included ("" when it has none)."""
    start, end = text.find(BEGIN), text.find(END)
    return text[start:end + len(END)] if 0 <= start < end else ""


def write() -> None:
    text = DOC.read_text(encoding="utf-8")
    current = documented(text)
    if not current:
        raise SystemExit(f"{DOC}: no {BEGIN} … {END} to replace")
    DOC.write_text(text.replace(current, block()), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    elif sys.argv[1:]:
        raise SystemExit(__doc__)
    else:
        sys.stdout.write(mermaid())
