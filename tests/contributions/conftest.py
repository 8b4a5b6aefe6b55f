"""A small world for contribution tests: a campaign open to contributions, two départements."""

import pytest

from app.extensions import db
from tests.factories import make_campaign, make_departement


@pytest.fixture
def world():
    campaign = make_campaign(slug="cnr", contributions_open=True)
    aveyron = make_departement("12", "Aveyron", "Rodez", parent=campaign.territory)
    ariege = make_departement("09", "Ariège", "Foix", parent=campaign.territory)
    db.session.commit()
    return {"campaign": campaign, "aveyron": aveyron, "ariege": ariege,
            "challenge": campaign.challenges[0]}
