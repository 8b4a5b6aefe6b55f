"""A live server and headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Flags that work here as root and offline (see the machine notes in the README).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "chromium absent (apt-get install chromium)"
    if not AXE.exists():
        return "axe-core absent (npm ci)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright absent (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Tests navigateur impossibles en CI : {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def run_axe(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA rules) on the page; return its violations."""
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does
    # not govern (a <script> tag would be blocked): every page is tested under its real policy.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return result["violations"]


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def seeded(app):
    """The Occitanie seed with its demo data; the Lozère step (Mende), the day before it."""
    from app.campaigns.models import Step
    from app.extensions import db
    from app.seed import load_seed

    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"
    load_seed(demo=True)
    return db.session.scalar(sa.select(Step).where(Step.city == "Mende"))
