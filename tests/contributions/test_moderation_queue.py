"""The moderation queue: each card gives the text first, then the actions; a reason to
reject is never lost (an empty one is explained, an expired page comes back filled)."""

import html

import pytest

from app.accounts.models import Role
from app.contributions.models import ContributionStatus
from app.extensions import db
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import CSRF_PATTERN, login_as, post_form
from tests.test_form_recovery import expired_token

REASON = "Propos injurieux envers un soignant nommé ; « à reformuler » & renvoyer."


@pytest.fixture
def pending(client, world):
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    contribution = add(world, "Texte en attente de relecture", ContributionStatus.PENDING)
    db.session.commit()
    return contribution


def test_each_card_has_its_heading_then_its_text_then_its_actions(client, pending):
    page = client.get("/gestion/moderation").get_data(as_text=True)
    card = page[page.index(f'id="carte-{pending.id}"'):]
    order = [card.index(marker) for marker in (
        f'id="c{pending.id}"', "Texte en attente de relecture", ">Publier<", ">Modifier<",
        f'for="motif-{pending.id}"', ">Refuser<")]
    assert order == sorted(order)
    assert "data-moderation-card" in card and "data-shortcut-reason" in card


def test_an_empty_reason_is_explained_on_the_card_and_nothing_is_refused(client, pending):
    response = post_form(client, f"/gestion/moderation/{pending.id}/refuser", {"reason": ""},
                         token_from="/gestion/moderation")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Indiquez le motif du refus." in page and 'aria-invalid="true"' in page
    db.session.expire_all()
    assert pending.status is ContributionStatus.PENDING


def test_an_expired_page_brings_the_typed_reason_back_and_sending_again_works(
        app, client, pending):
    url = f"/gestion/moderation/{pending.id}/refuser"
    sent = expired_token(app, client, "/gestion/moderation")
    response = client.post(url, data={"reason": REASON, "csrf_token": sent})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "La page a expiré : vérifiez puis renvoyez le formulaire." in page
    assert f">{REASON}</textarea>" in page
    db.session.expire_all()
    assert pending.status is ContributionStatus.PENDING
    fresh = CSRF_PATTERN.search(response.get_data(as_text=True)).group(1)
    again = client.post(url, data={"reason": REASON, "csrf_token": fresh})
    assert again.status_code == 302 and again.location.endswith("/gestion/moderation")
    db.session.expire_all()
    assert (pending.status, pending.rejection_reason) == (ContributionStatus.REJECTED, REASON)


def test_from_the_contribution_page_the_same_page_comes_back(app, client, pending):
    url = f"/gestion/moderation/{pending.id}/refuser"
    response = post_form(client, url, {"reason": "", "depuis": "fiche"},
                         token_from=f"/gestion/contributions/{pending.id}")
    assert response.status_code == 400
    assert "<h1>" + pending.reference in response.get_data(as_text=True)
    done = post_form(client, url, {"reason": REASON, "depuis": "fiche"},
                     token_from=f"/gestion/contributions/{pending.id}")
    assert done.location.endswith(f"/gestion/contributions/{pending.id}")
