"""`make security`'s dependency audit: a known vulnerability fails it; a vulnerability database
out of reach is said plainly (pip-audit alone would print « No known vulnerabilities found »)."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_dependencies.py"


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "probe", lambda: None)
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    return module


def pip_audit_says(monkeypatch, audit, dependencies: list[dict]) -> None:
    report = json.dumps({"dependencies": dependencies, "fixes": []})
    monkeypatch.setattr(audit.subprocess, "run", lambda *_a, **_kw: subprocess.CompletedProcess(
        [], 1, stdout=report, stderr=""))


def test_a_known_vulnerability_fails_the_audit(monkeypatch, audit, capsys):
    pip_audit_says(monkeypatch, audit, [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {"name": "jinja2", "version": "3.1.6", "vulns": [
            {"id": "GHSA-xxxx-yyyy-zzzz", "fix_versions": ["3.1.7"], "aliases": []}]},
    ])
    assert audit.main() == 1
    output = capsys.readouterr().out
    assert "jinja2 3.1.6 : GHSA-xxxx-yyyy-zzzz (corrigé en : 3.1.7)" in output
    assert "2 dépendances vérifiées, 1 avec une vulnérabilité connue" in output


def test_a_clean_audit_passes(monkeypatch, audit):
    pip_audit_says(monkeypatch, audit, [{"name": "flask", "version": "3.1.3", "vulns": []}])
    assert audit.main() == 0


def test_nothing_audited_is_reported_as_skipped_not_as_clean(monkeypatch, audit, capsys):
    pip_audit_says(monkeypatch, audit, [
        {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited"}])
    assert audit.main() == 0
    assert "audit des dépendances NON FAIT" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRED", "1")
    assert audit.main() == 1


def test_an_unreachable_service_is_found_before_running_pip_audit(monkeypatch, audit, capsys):
    monkeypatch.setattr(audit, "probe", lambda: "https://pypi.org/… répond 404")
    monkeypatch.setattr(audit.subprocess, "run", pytest.fail)
    assert audit.main() == 0
    assert "répond 404" in capsys.readouterr().out
