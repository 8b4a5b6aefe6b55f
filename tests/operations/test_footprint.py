"""What a web process or a mail worker loads: the app without the heavy analysis, document and
spreadsheet libraries, which only the jobs and the few views that need them import."""

import json
import os
import subprocess
import sys

from tests.operations.servers import ROOT

# Each is imported where it is used (issue 15): the writing help's job (scikit-learn, SciPy,
# YAKE, NumPy), the documents (WeasyPrint, matplotlib, python-docx, pypdf), a spreadsheet read
# or written (openpyxl, which loads NumPy, Pillow and lxml), comparing texts (simplemma,
# RapidFuzz), `flask db` and /readyz (Flask-Migrate, Alembic).
HEAVY = ("sklearn", "scipy", "yake", "numpy", "weasyprint", "matplotlib", "docx", "pypdf",
         "openpyxl", "PIL", "lxml", "simplemma", "rapidfuzz", "flask_migrate", "alembic")


def test_the_app_starts_without_the_analysis_and_document_libraries():
    # VmRSS, not ru_maxrss: a child forked from this (large) pytest process keeps the
    # parent's peak in ru_maxrss across exec.
    probe = ("import json, re, sys; from app import create_app; create_app('testing'); "
             "rss = re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()); "
             f"print(json.dumps({{'loaded': sorted(m for m in {HEAVY!r} if m in sys.modules), "
             "'rss_mb': int(rss.group(1)) / 1024}))")
    output = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    found = json.loads(output.strip().splitlines()[-1])
    assert found["loaded"] == []
    assert found["rss_mb"] < 150  # a mail worker is this process plus its jobs (~126 MB)


def test_the_command_line_still_has_the_migrations():
    # Flask-Migrate is bound at once when the flask command loads the app (and on first use
    # otherwise): `flask db` is there for the deployment scripts.
    env = {**os.environ, "CONCERTO_CONFIG": "testing", "FLASK_APP": "wsgi.py"}
    output = subprocess.run([sys.executable, "-m", "flask", "db", "heads"], cwd=ROOT, env=env,
                            check=True, capture_output=True, text=True).stdout
    assert "(head)" in output
