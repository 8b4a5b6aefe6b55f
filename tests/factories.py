"""Plain factory functions for tests: make_territory(...), make_step(...), ..."""

from __future__ import annotations

import itertools
from datetime import date, time

from werkzeug.security import generate_password_hash

from app.accounts.models import Role, User
from app.campaigns.models import Campaign, Challenge, Step, StepStatus
from app.extensions import db
from app.territories.models import Territory, TerritoryKind
from config import TestingConfig

_counter = itertools.count(1)

PASSWORD = "mot-de-passe-de-test"
# A real scrypt hash, at the tests' lower cost: every sign-in through the form checks it.
_HASH_METHOD = TestingConfig.PASSWORD_HASH_METHOD
_PASSWORD_HASH = generate_password_hash(PASSWORD, method=_HASH_METHOD)


def make_region(code: str = "76", name: str = "Occitanie") -> Territory:
    region = Territory(kind=TerritoryKind.REGION, code=code, name=name,
                       slug=f"region-{code}-{next(_counter)}", chef_lieu="Toulouse")
    db.session.add(region)
    db.session.flush()
    return region


def make_departement(code: str = "12", name: str = "Aveyron", chef_lieu: str = "Rodez",
                     parent: Territory | None = None, **kw) -> Territory:
    territory = Territory(kind=TerritoryKind.DEPARTEMENT, code=code, name=name,
                          slug=f"dep-{code}-{next(_counter)}", chef_lieu=chef_lieu,
                          parent=parent, **kw)
    db.session.add(territory)
    db.session.flush()
    return territory


def make_campaign(region: Territory | None = None, with_questions: bool = True,
                  **kw) -> Campaign:
    """A campaign with two questions; ``with_questions=False`` for a migration test at a
    revision whose question table lacks the ORM's later columns."""
    region = region or make_region()
    number = next(_counter)
    values = {"slug": f"demarche-{number}", "title": f"Démarche {number}",
              "synthesis_deadline": date(2022, 12, 31), "starts_on": date(2022, 11, 4)}
    values.update(kw)
    campaign = Campaign(territory=region, **values)
    campaign.challenges = [] if not with_questions else [
        Challenge(position=1, code="acces-aux-soins", title="L’accès aux soins",
                  description="Comment donner à tous un accès à un médecin traitant ?"),
        Challenge(position=2, code="prevention", title="La prévention",
                  description="Quelles initiatives porter ensemble ?"),
    ]
    db.session.add(campaign)
    db.session.flush()
    return campaign


def make_step(campaign: Campaign | None = None, territory: Territory | None = None,
              **kw) -> Step:
    campaign = campaign or make_campaign()
    territory = territory or make_departement(parent=campaign.territory)
    values = {"title": f"Étape {next(_counter)}", "city": territory.chef_lieu or "Rodez",
              "day": date(2022, 12, 9), "start_time": time(10), "end_time": time(16),
              "status": StepStatus.PUBLISHED}
    values.update(kw)
    step = Step(campaign=campaign, territory=territory, **values)
    db.session.add(step)
    db.session.commit()
    return step


def make_user(role: Role = Role.ORGANISER, territories: list[Territory] | None = None,
              email: str | None = None, password: str = PASSWORD, **kw) -> User:
    user = User(email=email or f"user{next(_counter)}@example.org", name="Camille Test",
                role=role, territories=territories or [], **kw)
    user.password_hash = (_PASSWORD_HASH if password == PASSWORD
                          else generate_password_hash(password, method=_HASH_METHOD))
    db.session.add(user)
    db.session.commit()
    return user


def aveyron_and_lot(**campaign_values) -> dict:
    """A démarche (« cnr ») of a region with two of its départements, Aveyron and Lot."""
    campaign = make_campaign(slug="cnr", **campaign_values)
    return {"campaign": campaign,
            "aveyron": make_departement("12", "Aveyron", "Rodez", parent=campaign.territory),
            "lot": make_departement("46", "Lot", "Cahors", parent=campaign.territory)}
