"""docs/architecture.md shows the graph scripts/architecture_diagram.py draws from the code
now: a new import between packages, or a new package, fails here until the document is
regenerated."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

diagram = runpy.run_path(str(ROOT / "scripts" / "architecture_diagram.py"))


def test_the_architecture_document_shows_the_current_imports_between_packages():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert diagram["documented"](text) == diagram["block"](), (
        "docs/architecture.md is out of date: "
        ".venv/bin/python scripts/architecture_diagram.py --write")


def test_every_package_has_its_layer():
    # A package left out of LAYERS would be drawn at the top, whatever it is.
    missing = set(diagram["packages"]()) - set(diagram["LAYERS"])
    assert not missing, f"add {sorted(missing)} to LAYERS in scripts/architecture_diagram.py"


def test_the_graph_has_every_package_and_only_packages():
    graph = diagram["mermaid"]().splitlines()
    nodes = {line.strip() for line in graph[1:] if " " not in line.strip()}
    assert nodes == set(diagram["packages"]())
    for source, target in diagram["edges"]():
        assert f"    {source} --> {target}" in graph or f"    {target} <-.- {source}" in graph
