"""pyproject.toml declares the direct dependencies; requirements.txt pins them (`make lock`),
requirements-dev.txt pins the tools. The declarations, the locks and the imports agree."""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# The code that runs in production, whose imports must all be declared.
RUNTIME_CODE = ("app", "migrations", "config.py", "wsgi.py")
# Declared, used, and never imported by name.
NOT_IMPORTED = {
    "gunicorn": "the production server (deploy/gunicorn.conf.py)",
    "psycopg": "PostgreSQL's driver, loaded by SQLAlchemy (app/settings.py)",
    "email-validator": "WTForms' Email validator loads it (app/forms.py)",
}
# Calls whose constant string argument is a module the code loads.
LOADERS = ("find_spec", "import_module")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def runtime_requirements() -> list[Requirement]:
    """The app's dependencies and the `documents` extra: what requirements.txt locks."""
    declared = project()
    return [Requirement(line) for line in
            declared["dependencies"] + declared["optional-dependencies"]["documents"]]


def dev_requirements() -> list[Requirement]:
    """The tools, less the extra's reference to the project itself."""
    own = canonicalize_name(project()["name"])
    return [requirement for line in project()["optional-dependencies"]["dev"]
            if canonicalize_name((requirement := Requirement(line)).name) != own]


def pins(*names: str) -> dict[str, Version]:
    """Name → pinned version, from requirements files (comments, `-r` lines skipped)."""
    pinned: dict[str, Version] = {}
    for name in names:
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.split(" #")[0].strip()
            if not line or line.startswith(("#", "-")):
                continue
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{name}: {line} is not pinned"
            pinned[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pinned


def mismatches(requirements: Iterable[Requirement], pinned: dict[str, Version]) -> list[str]:
    """Each declared requirement the lock does not pin, or pins outside its specifier."""
    wrong = []
    for requirement in requirements:
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            wrong.append(f"{requirement}: not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement}: pinned at {version}")
    return wrong


def needs(requirement: Requirement) -> list[Requirement]:
    """What an installed distribution requires, with the extras asked of it."""
    wanted = []
    for line in metadata.requires(requirement.name) or []:
        needed = Requirement(line)
        if needed.marker is None or any(needed.marker.evaluate({"extra": extra})
                                        for extra in ("", *requirement.extras)):
            wanted.append(needed)
    return wanted


def first_party() -> set[str]:
    return {path.stem for path in ROOT.iterdir()
            if path.suffix == ".py" or (path / "__init__.py").exists()}


def imported_modules(paths: Iterable[Path], root: Path = ROOT) -> dict[str, set[str]]:
    """Top-level name of each module imported (at any depth, lazily too, or through
    find_spec/import_module with a literal name) → the files importing it."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (isinstance(node, ast.Call) and node.args
                  and getattr(node.func, "id", getattr(node.func, "attr", None)) in LOADERS
                  and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str)):
                names = [node.args[0].value]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(root)))
    return found


def third_party(found: dict[str, set[str]]) -> dict[str, set[str]]:
    ours = first_party()
    return {module: files for module, files in found.items()
            if module not in sys.stdlib_module_names and module not in ours}


def undeclared(found: dict[str, set[str]], declared: set[str]) -> list[str]:
    """Each third-party module imported that no declared distribution provides."""
    providers = metadata.packages_distributions()
    wrong = []
    for module, files in sorted(third_party(found).items()):
        distributions = {canonicalize_name(name) for name in providers.get(module, [])}
        if not distributions & declared:
            known = ", ".join(sorted(distributions)) or "no installed distribution"
            where = sorted(files)
            more = f" and {len(where) - 3} more" if len(where) > 3 else ""
            wrong.append(f"{module} ({known}), imported by {', '.join(where[:3])}{more}")
    return wrong


def runtime_files() -> list[Path]:
    files: list[Path] = []
    for name in RUNTIME_CODE:
        path = ROOT / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def declared_names() -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in runtime_requirements()}


def test_every_declared_dependency_is_pinned_in_requirements_txt():
    assert mismatches(runtime_requirements(), pins("requirements.txt")) == []


def test_every_tool_is_pinned_in_requirements_dev_txt():
    assert mismatches(dev_requirements(), pins("requirements.txt", "requirements-dev.txt")) == []


def test_requirements_txt_pins_everything_the_declared_dependencies_need():
    # Walks the installed metadata, so this also says the environment matches the lock.
    pinned = pins("requirements.txt")
    missing, seen = [], set()
    todo = runtime_requirements()
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        version = pinned.get(key[0])
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{requirement} (pinned: {version})")
            continue
        todo.extend(needs(requirement))
    assert missing == []


def test_every_library_the_app_imports_is_declared():
    assert undeclared(imported_modules(runtime_files()), declared_names()) == []


def test_every_declared_dependency_is_used():
    providers = metadata.packages_distributions()
    used = {canonicalize_name(name) for module in third_party(imported_modules(runtime_files()))
            for name in providers.get(module, [])}
    assert declared_names() - used - set(NOT_IMPORTED) == set()


def test_an_import_of_an_undeclared_library_is_caught(tmp_path):
    # yaml (PyYAML) and pygments are installed, by the test tools, but not declared for the
    # app; docx is declared under another name (python-docx), yake found by find_spec.
    (tmp_path / "feature.py").write_text(
        "from importlib.util import find_spec\n\nimport docx\n\n\n"
        "def load():\n    import pygments.lexers\n    from yaml import safe_load\n"
        "    return find_spec('yake')\n")
    found = imported_modules([tmp_path / "feature.py"], tmp_path)
    assert set(found) == {"importlib", "docx", "pygments", "yaml", "yake"}
    assert undeclared(found, declared_names()) == [
        "pygments (pygments), imported by feature.py", "yaml (pyyaml), imported by feature.py"]
