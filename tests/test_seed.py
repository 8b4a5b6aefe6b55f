"""`flask seed` loads the Occitanie reference data exactly as the seed documents give it."""

from datetime import date, time

import pytest
import sqlalchemy as sa

from app.campaigns.models import Campaign, Schedule, Step, StepStatus
from app.extensions import db
from app.seed import load_seed
from app.territories.models import Territory, TerritoryKind

# Département, city and day of the 3 November 2022 press release (None: "en cours de
# programmation").
CNR_CALENDAR = {
    "Ariège": ("Foix", None),
    "Aude": ("Carcassonne", date(2022, 12, 9)),
    "Aveyron": ("Rodez", date(2022, 12, 9)),
    "Gard": ("Nîmes", date(2022, 12, 12)),
    "Haute-Garonne": ("Toulouse", date(2022, 12, 2)),
    "Gers": ("Auch", date(2022, 12, 8)),
    "Hérault": ("Montpellier", None),
    "Lot": ("Cahors", date(2022, 11, 18)),
    "Lozère": ("Mende", date(2022, 11, 4)),
    "Hautes-Pyrénées": ("Tarbes", date(2022, 11, 28)),
    "Pyrénées-Orientales": ("Perpignan", date(2022, 12, 12)),
    "Tarn": ("Albi", date(2022, 12, 5)),
    "Tarn-et-Garonne": ("Montauban", date(2022, 12, 2)),
}


@pytest.fixture
def seeded():
    return load_seed()


def _campaign(slug: str) -> Campaign:
    return db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))


def test_seed_loads_occitanie_and_its_13_departements_with_insee_codes(seeded):
    occitanie = db.session.scalar(sa.select(Territory).where(
        Territory.kind == TerritoryKind.REGION, Territory.code == "76"))
    codes = {t.code: (t.name, t.chef_lieu) for t in occitanie.children}
    assert len(codes) == 13
    assert codes["48"] == ("Lozère", "Mende")
    assert codes["12"] == ("Aveyron", "Rodez")
    assert codes["09"] == ("Ariège", "Foix")
    assert codes["34"] == ("Hérault", "Montpellier")


def test_seed_has_the_13_cnr_steps_with_their_dates_and_cities(seeded):
    campaign = _campaign("cnr-sante-occitanie-2022")
    assert campaign.title == "CNR santé — Occitanie 2022"
    assert campaign.synthesis_deadline == date(2022, 12, 31)
    steps = {step.territory.name: (step.city, step.day) for step in campaign.steps}
    assert steps == CNR_CALENDAR
    assert all(step.status is StepStatus.PUBLISHED for step in campaign.steps)


def test_lozere_is_timed_at_the_venue_of_the_press_release(seeded):
    campaign = _campaign("cnr-sante-occitanie-2022")
    lozere = next(step for step in campaign.steps if step.territory.code == "48")
    assert lozere.schedule is Schedule.TIMED
    assert (lozere.start_time, lozere.end_time) == (time(10), time(16))
    assert lozere.venue == "Espace George Frêche"
    assert lozere.starts_at.isoformat() == "2022-11-04T10:00:00+01:00"


def test_ariege_and_herault_are_still_being_scheduled(seeded):
    campaign = _campaign("cnr-sante-occitanie-2022")
    unknown = {step.territory.name for step in campaign.steps
               if step.schedule is Schedule.UNKNOWN}
    assert unknown == {"Ariège", "Hérault"}
    date_only = [step for step in campaign.steps if step.schedule is Schedule.DATE_ONLY]
    assert len(date_only) == 10


def test_the_four_questions_are_worded_as_in_the_press_release(seeded):
    challenges = _campaign("cnr-sante-occitanie-2022").challenges
    assert [c.title for c in challenges] == [
        "L’accès aux soins", "La permanence des soins", "Les métiers de la santé",
        "La prévention"]
    assert challenges[0].description.startswith(
        "Comment donner à tous un accès à un médecin traitant ou à une équipe traitante")
    assert challenges[1].description == ("Comment garantir la continuité des soins et la "
                                         "réponse aux besoins de soins non programmés ?")


def test_midi_pyrenees_and_its_2010_campaign_cover_8_departements(seeded):
    region = db.session.scalar(sa.select(Territory).where(
        Territory.kind == TerritoryKind.REGION, Territory.code == "73"))
    members = db.session.scalars(sa.select(Territory.code).where(
        Territory.former_region_id == region.id)).all()
    assert sorted(members) == ["09", "12", "31", "32", "46", "65", "81", "82"]
    campaign = _campaign("conferences-territoire-midi-pyrenees-2010")
    assert campaign.territory_id == region.id
    assert len(campaign.steps) == 8
    assert len(campaign.challenges) == 3


def test_seed_key_figures_of_aveyron_and_ariege(seeded):
    aveyron = db.session.scalar(sa.select(Territory).where(Territory.slug == "aveyron"))
    figures = {figure["label"]: figure["value"] for figure in aveyron.figures}
    assert figures["Habitants"] == "280 000"
    assert figures["Part des 65 ans et plus"] == "27 %"
    assert figures["Habitants sans médecin traitant"] == "11 %"


def test_seed_twice_creates_nothing_more_and_keeps_edits(seeded):
    assert (seeded.territories, seeded.campaigns, seeded.steps) == (15, 2, 21)
    step = db.session.scalar(sa.select(Step).where(Step.city == "Cahors"))
    step.venue = "Préfecture du Lot"
    db.session.commit()
    again = load_seed()
    assert (again.territories, again.campaigns, again.steps) == (0, 0, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Step)) == 21
    assert db.session.get(Step, step.id).venue == "Préfecture du Lot"


def test_seed_again_gives_key_words_to_questions_that_have_none_and_keeps_the_others(seeded):
    campaign = db.session.scalar(sa.select(Campaign).where(
        Campaign.slug == "cnr-sante-occitanie-2022"))
    access, continuity = campaign.challenges[:2]
    assert "médecin traitant" in access.keywords and "urgences" in continuity.keywords
    access.keywords = ""  # loaded before the seed had key words
    continuity.keywords = "gardes, nuits"  # an organiser's own
    db.session.commit()
    load_seed()
    db.session.expire_all()
    assert "médecin traitant" in access.keywords
    assert continuity.keywords == "gardes, nuits"


def test_seed_demo_adds_organisers_and_lozere_programme():
    report = load_seed(demo=True)
    assert report.users == 5
    lozere = db.session.scalar(sa.select(Step).where(Step.city == "Mende"))
    kinds = [item.kind.value for item in lozere.agenda_items]
    assert kinds.count("workshop") == 4
    assert {"plenary", "press_point", "lunch"} <= set(kinds)


def test_seed_demo_shows_a_follow_up_on_suites_donnees(client):
    from app.followups.models import FollowUp

    load_seed(demo=True)
    load_seed(demo=True)  # once only
    (follow_up,) = db.session.scalars(sa.select(FollowUp)).all()
    assert follow_up.contribution.body == "Libérer du temps médical."
    assert [update.date for update in follow_up.updates] == [date(2023, 9, 20),
                                                             date(2023, 3, 15)]
    page = client.get("/demarches/cnr-sante-occitanie-2022/suites").get_data(as_text=True)
    assert "Six assistants médicaux recrutés" in page and "Engagée" in page
