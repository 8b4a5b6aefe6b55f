"""Known vulnerabilities in the pinned dependencies (pip-audit), run by `make security`.

A known vulnerability fails the run. pip-audit asks PyPI's JSON API; where that API cannot be
reached (a machine that only sees a package mirror), pip-audit answers « No known
vulnerabilities found » while it audited nothing: that case is told apart and printed as
skipped — or fails with AUDIT_REQUIRED=1, for a deployment that must have the audit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"
# Both files are fully pinned (transitive dependencies included), so pip-audit reads them
# without resolving or installing anything: seconds, not minutes.
COMMAND = [str(PIP_AUDIT), "-r", "requirements.txt", "-r", "requirements-dev.txt",
           "--no-deps", "--disable-pip", "--progress-spinner", "off", "--format", "json"]
TIMEOUT_SECONDS = 120
# pip-audit's default vulnerability service asks PyPI for each pinned version; asked once first
# for Flask, so that a machine which cannot reach it learns so in a second rather than after one
# failed request per dependency. (Some mirrors answer /pypi/NAME/json but 404 per version.)
PROBE_URL = "https://pypi.org/pypi/flask/{version}/json"


def unreachable(reason: str) -> int:
    print("pip-audit : base de vulnérabilités injoignable, audit des dépendances NON FAIT "
          f"({reason}).\n"
          "pip-audit: vulnerability database unreachable, dependency audit SKIPPED.")
    if os.environ.get("AUDIT_REQUIRED") == "1":
        print("AUDIT_REQUIRED=1 : échec.")
        return 1
    return 0


def probe() -> str | None:
    """Why the vulnerability service cannot be reached, or None when it answers."""
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    version = next(line.split("==")[1] for line in pins if line.lower().startswith("flask=="))
    url = PROBE_URL.format(version=version)
    try:
        with urllib.request.urlopen(url, timeout=15):  # noqa: S310 -- an https URL of ours
            return None
    except urllib.error.HTTPError as error:
        return f"{url} répond {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"{url} : {error}"


def main() -> int:
    reason = probe()
    if reason:
        return unreachable(reason)
    try:
        # The command is fixed above: no input from outside reaches it.
        result = subprocess.run(COMMAND, cwd=ROOT, capture_output=True, text=True,  # noqa: S603
                                timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return unreachable(f"pas de réponse en {TIMEOUT_SECONDS} s")
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        # No report at all: pip-audit stopped on a network error before auditing anything.
        last_line = (result.stderr.strip().splitlines() or ["aucun message"])[-1]
        return unreachable(last_line[:200])
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if not audited:
        return unreachable(f"aucune des {len(skipped)} dépendances n’a pu être vérifiée : "
                           f"{skipped[0]['skip_reason'] if skipped else 'liste vide'}")
    vulnerable = [d for d in audited if d["vulns"]]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "aucune"
            print(f"{dependency['name']} {dependency['version']} : {vuln['id']} "
                  f"(corrigé en : {fixed})")
    for dependency in skipped:
        print(f"non vérifiée : {dependency['skip_reason']}")
    print(f"pip-audit : {len(audited)} dépendances vérifiées, "
          f"{len(vulnerable)} avec une vulnérabilité connue.")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
