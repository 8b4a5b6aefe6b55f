"""Key pages under their real Content-Security-Policy in Chromium: nothing blocked, DSFR's
JavaScript runs, the live wall still polls its feed."""

import pytest

from tests.browser.test_public_pages_in_chromium import log_in_as_organiser

pytestmark = pytest.mark.browser

# Registered before any page script: a blocked script, style, image or fetch fires this event.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched_page(page):
    """The page, with every CSP violation it meets collected (event and console)."""
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.console_violations = console
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__violations") + page.console_violations


def assert_clean(page, url: str, dsfr: bool = True) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    if dsfr:
        # DSFR's module marks the root element once it has started (data-fr-js="true").
        page.wait_for_selector("html[data-fr-js='true']", state="attached", timeout=5000)
    assert violations(page) == [], url


def test_key_pages_run_under_their_policy_without_a_violation(watched_page, live_server,
                                                              seeded):
    page, step = watched_page, seeded
    for path in ("/", "/calendrier", f"/etapes/{step.id}", f"/etapes/{step.id}/inscription",
                 f"/demarches/{step.campaign.slug}/contribuer", "/presse/", "/connexion"):
        assert_clean(page, f"{live_server}{path}")
    # The live wall (a bare page for the room's screen, without DSFR's JavaScript) polls its
    # JSON feed every 3 s: connect-src must let it through.
    with page.expect_response(lambda response: "/mur.json" in response.url,
                              timeout=8000) as polled:
        assert_clean(page, f"{live_server}/etapes/{step.id}/mur", dsfr=False)
    assert polled.value.status == 200
    assert violations(page) == []


def test_back_office_pages_with_inline_svg_run_under_the_policy(watched_page, live_server,
                                                                 seeded):
    page, step = watched_page, seeded
    log_in_as_organiser(page, live_server, step)
    for path in ("/gestion/", f"/gestion/etapes/{step.id}/qr",
                 f"/gestion/etapes/{step.id}/modifier"):
        assert_clean(page, f"{live_server}{path}")
