"""The room joins from the live wall (its QR code and short link), the QR page names each
workshop once, and browsers find the site's icon."""

import re

import pytest

from app.accounts.models import Role
from app.campaigns.models import AgendaItem, AgendaKind
from app.contributions.capture import workshop_label
from app.extensions import db
from tests.factories import make_step, make_user
from tests.helpers import login_as


@pytest.fixture
def step(world):
    step = make_step(world["campaign"], world["aveyron"], title="CNR santé Aveyron")
    step.agenda_items = [
        AgendaItem(position=1, kind=AgendaKind.WORKSHOP, title="Atelier : l’accès aux soins",
                   challenge=world["campaign"].challenges[0]),
        AgendaItem(position=2, kind=AgendaKind.WORKSHOP, title="La prévention",
                   challenge=world["campaign"].challenges[1]),
    ]
    db.session.commit()
    return step


def test_the_wall_shows_the_short_link_and_its_qr_code(client, step):
    html = client.get(f"/etapes/{step.id}/mur").get_data(as_text=True)
    short = f"localhost/c/{step.id}"
    assert f'<strong class="concerto-wall__link">{short}</strong>' in html
    qr = re.search(r'<figure class="concerto-wall__qr">(.*?)</figure>', html, re.S).group(1)
    assert f'aria-label="Code QR vers http://{short}"' in qr and "<svg" in qr
    assert "<title>Contribuer à « CNR santé Aveyron »</title>" in qr
    # The short link it gives does lead to the form, pre-filled for the step.
    response = client.get(f"/c/{step.id}")
    assert response.status_code == 302 and f"etape={step.id}" in response.location


def test_the_qr_code_encodes_the_short_link(client, step):
    import segno

    html = client.get(f"/etapes/{step.id}/mur").get_data(as_text=True)
    expected = segno.make(f"http://localhost/c/{step.id}", error="m").svg_inline(
        scale=4, omitsize=True)
    # Same matrix drawn: the path of the code is the one of the short link.
    path = re.search(r' d="([^"]+)"', expected).group(1)
    assert path in html


def test_the_wall_declares_its_icon_and_the_favicon_is_served(client, step):
    html = client.get(f"/etapes/{step.id}/mur").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in html
    assert 'favicon/favicon.svg" type="image/svg+xml"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"


def test_the_qr_page_names_each_workshop_once(client, world, step):
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    html = client.get(f"/gestion/etapes/{step.id}/qr").get_data(as_text=True)
    assert "Atelier : Atelier" not in html
    assert "<strong>Atelier : l’accès aux soins</strong>" in html
    assert "<strong>Atelier : La prévention</strong>" in html


@pytest.mark.parametrize(("title", "label"), [
    ("Atelier : l’accès aux soins", "Atelier : l’accès aux soins"),
    ("atelier prévention", "Atelier : prévention"),
    ("La permanence des soins", "Atelier : La permanence des soins"),
    ("Ateliers du matin", "Atelier : Ateliers du matin"),
])
def test_a_workshop_label_says_atelier_once(title, label):
    assert workshop_label(title) == label
