"""Every page of the back office, as the administrator sees it (the widest view), at 1280×900
and 390×844: axe-core finds nothing serious or critical, and nothing is wider than the screen.
The pages are read off the app's own routes, so a new staff page is checked without being
listed here; only files, JSON polled by scripts and links carried by a token are left out."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import url_for

from app.accounts.models import User
from app.contributions.models import Contribution
from app.extensions import db
from tests.browser.conftest import DEMO_PASSWORD, page_width
from tests.browser.test_public_pages_in_chromium import assert_accessible

pytestmark = pytest.mark.browser

ADMIN = "admin@concerto.example"  # app/seed/data/demo.toml
# Not pages: downloads, what scripts poll, and links that carry a one-time token.
NOT_A_PAGE = re.compile(r"\.(csv|xlsx|json|zip)$|/etat$|/resultats$|<token>|<int:challenge_id>")


def staff_pages(app, step) -> list[str]:
    """Each GET page under /gestion/, its arguments filled from the seed."""
    contribution = db.session.scalar(sa.select(Contribution).order_by(Contribution.id))
    organiser = db.session.scalar(sa.select(User).where(User.email != ADMIN).order_by(User.id))
    other = db.session.scalar(sa.select(Contribution.id).where(Contribution.id != contribution.id)
                              .order_by(Contribution.id))
    values = {"step_id": step.id, "slug": step.campaign.slug, "code": step.territory.code,
              "contribution_id": contribution.id, "user_id": organiser.id}
    query = {"moderation.compare": {"target": f"C-{other}"}}  # the comparison needs its other side
    with app.test_request_context():
        return sorted({url_for(rule.endpoint, **{name: values[name] for name in rule.arguments},
                               **query.get(rule.endpoint, {}))
                       for rule in app.url_map.iter_rules()
                       if rule.rule.startswith("/gestion") and "GET" in rule.methods
                       and not NOT_A_PAGE.search(rule.rule)})


def test_every_staff_page_is_accessible_at_both_widths(sized_page, live_server, seeded, app):
    page = sized_page
    pages = staff_pages(app, seeded)
    assert len(pages) >= 30  # the step's pages, moderation, syntheses, accounts, audit…
    page.goto(f"{live_server}/connexion")
    page.fill("#email", ADMIN)
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/gestion/")
    for path in pages:
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        width = page_width(page)
        assert width <= page.viewport_size["width"], f"{path} : {width} px de large"
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
        assert_accessible(page, f"staff-{name}-{page.viewport_name}")
