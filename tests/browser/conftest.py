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

    _wait_like_clicks()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# The two widths every primary action is clicked at: a laptop and a phone.
VIEWPORTS = {"bureau": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}
# A click waits this long for its element to be visible, stable and not covered; a covered
# element fails the test after it instead of Playwright's default 30 s.
CLICK_TIMEOUT_MS = 10_000


def _wait_like_clicks() -> None:
    """expect(...) waits as long as a click does, not Playwright's 5 s: on a busy 2-core
    machine (CI runs two browser workers beside the servers) a page answering in 6 s is slow,
    not wrong. A condition met early returns at once."""
    from playwright.sync_api import expect

    expect.set_options(timeout=CLICK_TIMEOUT_MS)


def _new_page(browser, viewport: dict):
    context = browser.new_context(locale="fr-FR", viewport=viewport)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = _new_page(browser, VIEWPORTS["bureau"])
    yield page
    context.close()


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(browser, request):
    """The same test at 1280×900 and at 390×844; ``page.viewport_name`` says which."""
    context, page = _new_page(browser, VIEWPORTS[request.param])
    page.viewport_name = request.param
    yield page
    context.close()


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def assert_clear_of_footer(page, locator) -> None:
    """The element's box does not run into the page footer's (the step page's side column
    once spilled under it): what a person must click lies in the page, not under its end."""
    locator.scroll_into_view_if_needed(timeout=CLICK_TIMEOUT_MS)
    box = locator.bounding_box()
    footer = page.locator("footer.fr-footer")
    inside_footer = locator.evaluate("el => !!el.closest('footer')")
    if box is None or footer.count() == 0 or inside_footer:
        assert box is not None, "élément sans boîte (invisible)"
        return
    footer_box = footer.bounding_box()
    assert not _overlap(box, footer_box), f"{box} chevauche le pied de page {footer_box}"


def click(page, locator) -> None:
    """Click as a person does: the element is scrolled to, must not overlap the footer, and
    must receive the click itself (Playwright refuses an element that another one covers:
    the click then times out and the test fails)."""
    assert_clear_of_footer(page, locator)
    locator.click(timeout=CLICK_TIMEOUT_MS)


def click_text(page, role: str, name: str, exact: bool = False) -> None:
    """Click the link or button a person sees as ``name``."""
    click(page, page.get_by_role(role, name=name, exact=exact).first)


def open_step_menu_entry(page, name: str) -> None:
    """Click an entry of a step's back-office side menu by its text: on a phone the menu is
    folded behind its button first."""
    menu = page.locator("nav.concerto-step-nav")
    fold = menu.get_by_role("button", name="Menu de l’étape")
    if fold.is_visible():
        click(page, fold)
    click(page, menu.get_by_role("link", name=name, exact=True))


# The password of the demo accounts (app/seed/data/demo.toml), which the `seeded` fixture loads.
DEMO_PASSWORD = "concerto-demo"


def sign_in_from_the_home_page(page, live_server: str, email: str,
                               password: str = DEMO_PASSWORD) -> None:
    """From the home page by its link « Espace organisateur » (behind « Menu » on a phone) to
    the back office's home."""
    page.goto(live_server)
    if page.viewport_name == "mobile":
        click_text(page, "button", "Menu", exact=True)
    click(page, page.locator("a:visible", has_text="Espace organisateur").first)
    page.wait_for_url("**/connexion**")
    page.fill("#email", email)
    page.fill("#password", password)
    click_text(page, "button", "Se connecter")
    page.wait_for_url("**/gestion/")


def page_width(page) -> int:
    """How wide the page is laid out, once it is laid out as a person sees it: its style
    sheets and fonts loaded (a page just posted may show its text before its CSS applies, and
    a table then runs off a phone's screen)."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    return page.evaluate("document.documentElement.scrollWidth")


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


# The seed's clock: the day before the Lozère step.
SEED_NOW = "2022-11-03T12:00"
# The demo seed's rows, per table: the first test of a process runs load_seed, the next ones
# insert the same rows again: 5 ms instead of 0.5 s (tests/test_seed.py tests load_seed).
_seed_rows: list[tuple[sa.Table, list[dict]]] = []


@pytest.fixture
def seeded(app):
    """The Occitanie seed with its demo data; the Lozère step (Mende), the day before it."""
    from app.campaigns.models import Step
    from app.extensions import db
    from app.seed import load_seed

    app.config["CONCERTO_NOW"] = SEED_NOW
    if _seed_rows:
        _insert_rows(db, _seed_rows)
    else:
        load_seed(demo=True)
        # In id order: a territory's parent, made before it, is inserted before it.
        _seed_rows.extend((table, [dict(row) for row in db.session.execute(
            sa.select(table).order_by(*table.primary_key.columns)).mappings()])
            for table in db.metadata.sorted_tables)
    return db.session.scalar(sa.select(Step).where(Step.city == "Mende"))


def _insert_rows(db, saved: list[tuple[sa.Table, list[dict]]]) -> None:
    """Insert ``saved`` (parents first) with their ids; PostgreSQL's sequences go on from the
    highest id, as after load_seed."""
    for table, rows in saved:
        if rows:
            db.session.execute(table.insert(), rows)
    if db.engine.dialect.name == "postgresql":
        for table, rows in saved:
            keys = list(table.primary_key.columns)
            if rows and len(keys) == 1 and isinstance(keys[0].type, sa.Integer):
                db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence(:t, :c), :v)"),
                                   {"t": f'"{table.name}"', "c": keys[0].name,
                                    "v": max(row[keys[0].name] for row in rows)})
    db.session.commit()


def download_invitation(page, link):
    """Click a « Télécharger l’invitation (.ics) » link as a person does; its one event, parsed."""
    import icalendar

    assert_clear_of_footer(page, link)
    with page.expect_download(timeout=CLICK_TIMEOUT_MS) as download:
        link.click(timeout=CLICK_TIMEOUT_MS)
    [event] = icalendar.Calendar.from_ical(download.value.path().read_bytes()).walk("VEVENT")
    return event
