"""The press space shows what is to come only; journalists follow a whole démarche or some of
its steps, grouped by démarche with their dates."""

from __future__ import annotations

from datetime import date, time

import lxml.html
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.campaigns import services as campaign_services
from app.campaigns.models import Campaign, Step, StepStatus
from app.extensions import db
from app.press.models import PressAccreditation, PressCampaignFollow, PressFollow
from app.seed import load_seed
from tests.factories import make_campaign, make_departement, make_step
from tests.helpers import migration_app, post_form

JOURNALIST = "claire.martin@midi-libre.example"
CNR = "CNR santé — Occitanie 2022"
OLD = "Conférences de territoire — Midi-Pyrénées 2010"


@pytest.fixture(autouse=True)
def before_the_steps(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


def journalist(**overrides) -> dict:
    data = {"name": "Claire Martin", "outlet": "Midi Libre", "email": JOURNALIST,
            "phone": "", "consent": "y"}
    data.update(overrides)
    return data


def label_text(label: lxml.html.HtmlElement) -> str:
    """A checkbox's label as read, without its hint."""
    hint = "".join(label.xpath(".//span[contains(@class, 'fr-hint-text')]//text()"))
    return " ".join(label.text_content().replace(hint, "").split())


def page(client, url: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(client.get(url).get_data(as_text=True))


def follows() -> list[int]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(PressFollow.step_id)))


# --- When is a démarche over? ---------------------------------------------------------------

def campaign_with(*steps: dict, **fields) -> Campaign:
    campaign = make_campaign(**{"ends_on": None, "synthesis_deadline": None, **fields})
    for number, values in enumerate(steps):
        territory = make_departement(f"{number + 10}", f"Département {number}",
                                     parent=campaign.territory)
        make_step(campaign, territory, **{"start_time": None, "end_time": None, **values})
    db.session.refresh(campaign)
    return campaign


TODAY = date(2022, 11, 3)


@pytest.mark.parametrize(("ends_on", "steps", "over"), [
    # The 2010 installations: never dated, the démarche ended long ago.
    (date(2010, 10, 31), [{"day": None}], True),
    # Ended on paper, but a step is still dated ahead: not over.
    (date(2010, 10, 31), [{"day": date(2022, 11, 18)}], False),
    # No end date: steps held or cancelled, nothing ahead.
    (None, [{"day": date(2022, 10, 1)}, {"day": date(2022, 11, 25),
                                          "status": StepStatus.CANCELLED}], True),
    (None, [{"day": None}], False),  # still being scheduled
    (None, [{"day": date(2022, 11, 3)}], False),  # held today: the press may come
    (None, [{"day": date(2022, 12, 1), "status": StepStatus.DRAFT}], False),  # in preparation
])
def test_a_campaign_is_over_when_nothing_is_left_to_come(ends_on, steps, over):
    campaign = campaign_with(*steps, ends_on=ends_on)
    assert campaign.is_over(TODAY) is over


def test_the_synthesis_deadline_ends_a_campaign_without_end_date():
    campaign = campaign_with({"day": None}, synthesis_deadline=date(2022, 12, 31))
    assert not campaign.is_over(date(2022, 12, 31))
    assert campaign.is_over(date(2023, 1, 1))


# --- The seeded Occitanie data ----------------------------------------------------------------

@pytest.fixture
def seeded():
    load_seed(demo=True)
    return {campaign.title: campaign for campaign in db.session.scalars(sa.select(Campaign))}


def test_press_space_lists_no_step_nor_feed_of_the_2010_campaign(client, seeded):
    html = client.get("/presse/").get_data(as_text=True)
    assert "Concertation CNR santé — Lozère" in html
    assert "Installation de la conférence de territoire" not in html
    assert OLD not in html
    document = lxml.html.fromstring(html)
    assert [h.text_content() for h in document.xpath("//h3[following-sibling::div[1]"
                                                    "[contains(@class,'fr-table')]]")] == [CNR]


def test_accreditation_form_groups_the_steps_by_campaign_with_their_dates(client, seeded):
    document = page(client, "/presse/accreditation")
    groups = document.xpath("//fieldset[@data-follow-group]")
    assert [g.xpath("string(legend)").strip() for g in groups] == [CNR]
    labels = [label_text(label) for label in groups[0].xpath(".//label")]
    assert labels[0] == "Toutes les étapes de cette démarche"
    assert "Lozère — vendredi 4 novembre 2022" in labels
    assert "Ariège — date à venir" in labels
    assert labels.index("Lozère — vendredi 4 novembre 2022") == 1  # the first to come
    assert len(labels) == 1 + 13
    assert "Installation de la conférence" not in lxml.html.tostring(document, encoding=str)


def test_a_step_of_a_campaign_that_is_over_cannot_be_followed(client, seeded):
    old_step = db.session.scalar(sa.select(Step).where(Step.campaign == seeded[OLD]))
    response = post_form(client, "/presse/accreditation", journalist(steps=[old_step.id]))
    assert response.status_code == 200
    assert "choix valide" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressAccreditation)) == 0


# --- « Toutes les étapes de cette démarche » ---------------------------------------------------

@pytest.fixture
def cnr():
    campaign = make_campaign(title=CNR)
    lot = make_departement("46", "Lot", "Cahors", parent=campaign.territory)
    aude = make_departement("11", "Aude", "Carcassonne", parent=campaign.territory)
    gers = make_departement("32", "Gers", "Auch", parent=campaign.territory)
    return {
        "campaign": campaign, "gers": gers,
        "lot": make_step(campaign, lot, title="Concertation CNR santé — Lot",
                         day=date(2022, 11, 18), press_point_time=time(12, 30)),
        "aude": make_step(campaign, aude, title="Concertation CNR santé — Aude", day=None,
                          start_time=None, end_time=None),
    }


def test_whole_campaign_follows_its_steps_now_and_those_published_later(client, smtp, cnr):
    response = post_form(client, "/presse/accreditation",
                         journalist(campaigns=[cnr["campaign"].id]))
    assert response.status_code == 302
    assert follows() == sorted([cnr["lot"].id, cnr["aude"].id])
    assert db.session.scalar(sa.select(PressCampaignFollow.campaign_id)) == cnr["campaign"].id
    subjects = sorted(m["Subject"] for m in smtp.to(JOURNALIST))
    assert subjects == ["Invitation presse : Concertation CNR santé — Lot",
                        "Votre accréditation presse est enregistrée"]
    confirmation = next(m for m in smtp.to(JOURNALIST) if m["Subject"].startswith("Votre"))
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    assert f"toutes les étapes de :\n- {CNR}" in text.replace("\r\n", "\n")

    smtp.messages.clear()
    later = make_step(cnr["campaign"], cnr["gers"], title="Concertation CNR santé — Gers",
                      day=date(2022, 12, 8), status=StepStatus.DRAFT)
    campaign_services.publish_step(later, None)
    [invitation] = smtp.to(JOURNALIST)
    assert invitation["Subject"] == "Invitation presse : Concertation CNR santé — Gers"
    ics = next(p for p in invitation.walk() if p.get_content_type() == "text/calendar")
    assert ics.get_param("method") == "REQUEST"
    assert later.id in follows()


def test_steps_chosen_one_by_one_do_not_follow_later_ones(client, smtp, cnr):
    post_form(client, "/presse/accreditation", journalist(steps=[cnr["lot"].id]))
    smtp.messages.clear()
    later = make_step(cnr["campaign"], cnr["gers"], day=date(2022, 12, 8),
                      status=StepStatus.DRAFT)
    campaign_services.publish_step(later, None)
    assert smtp.to(JOURNALIST) == []
    assert follows() == [cnr["lot"].id]


def test_a_bad_accreditation_keeps_the_whole_campaign_choice(client, cnr):
    response = post_form(client, "/presse/accreditation",
                         journalist(name="", campaigns=[cnr["campaign"].id]))
    assert response.status_code == 200
    document = lxml.html.fromstring(response.get_data(as_text=True))
    assert "Indiquez votre nom." in document.text_content()
    [whole] = document.xpath("//input[@name='campaigns']")
    assert whole.get("checked") is not None
    assert document.xpath("//input[@id='outlet']/@value") == ["Midi Libre"]


def test_nothing_chosen_is_explained_once(client, cnr):
    response = post_form(client, "/presse/accreditation", journalist())
    html = response.get_data(as_text=True)
    assert html.count("Choisissez au moins une étape à suivre.") == 2  # summary and field
    assert 'href="#steps"' in html and 'id="steps"' in html


def accredited_token(client, **choice) -> str:
    post_form(client, "/presse/accreditation", journalist(**choice))
    return db.session.scalar(sa.select(PressAccreditation.token))


def test_manage_page_shows_the_whole_campaign_choice_and_can_drop_it(client, smtp, cnr):
    token = accredited_token(client, campaigns=[cnr["campaign"].id])
    url = f"/presse/accreditation/{token}"
    document = page(client, url)
    assert document.xpath("//input[@name='campaigns']/@checked")
    assert len(document.xpath("//input[@name='steps'][@checked]")) == 2
    smtp.messages.clear()
    post_form(client, url, {"steps": [cnr["lot"].id]})
    assert follows() == [cnr["lot"].id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PressCampaignFollow)) == 0
    assert smtp.to(JOURNALIST) == []  # the Aude had no date: nothing in their calendar


def test_a_step_held_since_is_neither_shown_nor_cancelled_on_update(app, client, smtp, cnr):
    token = accredited_token(client, steps=[cnr["lot"].id, cnr["aude"].id])
    app.config["CONCERTO_NOW"] = "2022-11-20T12:00"  # the Lot step was held on the 18th
    url = f"/presse/accreditation/{token}"
    document = page(client, url)
    assert [o.get("value") for o in document.xpath("//input[@name='steps']")] == [
        str(cnr["aude"].id)]
    smtp.messages.clear()
    post_form(client, url, {"steps": [cnr["aude"].id], "campaigns": [cnr["campaign"].id]})
    assert smtp.to(JOURNALIST) == []  # no cancellation for an event of the past
    assert follows() == sorted([cnr["lot"].id, cnr["aude"].id])


def test_the_migration_of_campaign_follows_is_reversible(tmp_path):
    application = migration_app(tmp_path)
    with application.app_context():
        upgrade()
        assert "press_campaign_follow" in sa.inspect(db.engine).get_table_names()
        downgrade(revision="0013_step_cancel_and_access")
        assert "press_campaign_follow" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert "press_campaign_follow" in sa.inspect(db.engine).get_table_names()
