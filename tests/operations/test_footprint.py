"""What a web process or a mail worker loads: the app without the heavy analysis and document
libraries, which only the jobs that need them import."""

import json
import subprocess
import sys

from tests.operations.servers import ROOT

# numpy is not among them: openpyxl (spreadsheets, at import) loads it when it is installed.
HEAVY = ("sklearn", "scipy", "yake", "weasyprint", "matplotlib")


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
