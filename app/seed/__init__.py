"""Load the reference data (territories, campaigns, steps) from the TOML files in ``data/``.

Loading is additive and idempotent: what already exists (by INSEE code, campaign slug, step
territory) is left as organisers may have edited it; only what is missing is created.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.accounts.models import Role, User
from app.campaigns.models import AgendaItem, AgendaKind, Campaign, Challenge, Step, StepStatus
from app.clock import PARIS, now
from app.contributions.models import (
    AnswerState,
    Contribution,
    ContributionKind,
    ContributionSource,
    ContributionStatus,
)
from app.extensions import db
from app.territories.models import Territory, TerritoryKind

DATA = Path(__file__).parent / "data"
# Demo contributions: transcribed a few minutes apart after their step, or filed online
# every few hours before « now ».
DEMO_STEP_END = time(17)
DEMO_SPACING = timedelta(minutes=4)
DEMO_SPREAD = timedelta(hours=5)


@dataclass
class SeedReport:
    territories: int = 0
    campaigns: int = 0
    steps: int = 0
    users: int = 0

    def __str__(self) -> str:
        return (f"{self.territories} territoire(s), {self.campaigns} démarche(s), "
                f"{self.steps} étape(s), {self.users} compte(s) créés")


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _territory(kind: TerritoryKind, code: str) -> Territory | None:
    return db.session.scalar(sa.select(Territory).where(Territory.kind == kind,
                                                        Territory.code == code))


def _loaded_territory(kind: TerritoryKind, code: str) -> Territory:
    """A territory of the referential, which the seed loads first: the files name no other."""
    return db.session.execute(sa.select(Territory).where(Territory.kind == kind,
                                                         Territory.code == code)).scalar_one()


def _loaded_campaign(slug: str) -> Campaign:
    """A campaign of campaigns.toml, loaded before the demo that names it."""
    return db.session.execute(sa.select(Campaign).where(Campaign.slug == slug)).scalar_one()


def _load_territories(report: SeedReport) -> None:
    data = _read(DATA / "territories.toml")
    for row in data["regions"]:
        if _territory(TerritoryKind.REGION, row["code"]) is None:
            db.session.add(Territory(kind=TerritoryKind.REGION, **row))
            report.territories += 1
    db.session.flush()
    for row in data["departements"]:
        if _territory(TerritoryKind.DEPARTEMENT, row["code"]) is not None:
            continue
        source = row.pop("figures_source", "")
        figures = [dict(figure, source=source) for figure in row.pop("figures", [])]
        parent = _territory(TerritoryKind.REGION, row.pop("region"))
        former_code = row.pop("former_region", None)
        former = _territory(TerritoryKind.REGION, former_code) if former_code else None
        db.session.add(Territory(kind=TerritoryKind.DEPARTEMENT, parent=parent,
                                 former_region=former, figures=figures, **row))
        report.territories += 1
    db.session.flush()


def _fill_keywords(campaign: Campaign, challenges: list[dict[str, Any]]) -> None:
    """Key words added to the seed after a campaign was loaded reach its questions (those
    still without any: an organiser's own are kept)."""
    wanted = {challenge["code"]: challenge.get("keywords", "") for challenge in challenges}
    for challenge in campaign.challenges:
        if not challenge.keywords and wanted.get(challenge.code):
            challenge.keywords = wanted[challenge.code]


def _load_campaign(path: Path, report: SeedReport) -> None:
    data = _read(path)
    fields = dict(data["campaign"])
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == fields["slug"]))
    if campaign is None:
        region = _territory(TerritoryKind.REGION, fields.pop("region"))
        fields["description"] = fields.get("description", "").strip()
        campaign = Campaign(territory=region, **fields)
        campaign.challenges = [Challenge(position=index, **challenge)
                               for index, challenge in enumerate(data["challenges"], start=1)]
        db.session.add(campaign)
        db.session.flush()
        report.campaigns += 1
    else:
        _fill_keywords(campaign, data["challenges"])
    existing = set(db.session.scalars(sa.select(Step.territory_id)
                                      .where(Step.campaign_id == campaign.id)))
    defaults = data.get("step_defaults", {})
    for row in data["steps"]:
        departement = _loaded_territory(TerritoryKind.DEPARTEMENT, row["departement"])
        if departement.id in existing:
            continue
        values = {key: value for key, value in row.items() if key != "departement"}
        values.setdefault("city", departement.chef_lieu)
        db.session.add(Step(
            campaign=campaign, territory=departement,
            title=values.pop("title", defaults["title"]).format(departement=departement.name),
            description=values.pop("description", defaults.get("description", "")),
            status=StepStatus(values.pop("status", defaults.get("status", "draft"))),
            **values))
        report.steps += 1
    db.session.flush()


def _load_demo(report: SeedReport) -> None:
    data = _read(DATA / "demo.toml")
    for row in data["users"]:
        email = row["email"]
        if db.session.scalar(sa.select(User).where(User.email == email)) is not None:
            continue
        user = User(email=email, name=row["name"], role=Role(row["role"]))
        # INSEE codes of regions and départements overlap ("76"): the key says which.
        user.territories = (
            [_loaded_territory(TerritoryKind.REGION, code) for code in row.get("regions", [])]
            + [_loaded_territory(TerritoryKind.DEPARTEMENT, code)
               for code in row.get("departements", [])])
        user.set_password(data["password"])
        db.session.add(user)
        report.users += 1
    for agenda in data.get("agendas", []):
        _load_demo_agenda(agenda)
    for batch in data.get("contributions", []):
        _load_demo_contributions(batch)
    for slug in data.get("open_contributions", []):
        campaign = _loaded_campaign(slug)
        campaign.contributions_open = True
    db.session.flush()


def _load_demo_agenda(agenda: dict[str, Any]) -> None:
    campaign = _loaded_campaign(agenda["campaign"])
    departement = _loaded_territory(TerritoryKind.DEPARTEMENT, agenda["departement"])
    step = db.session.scalar(sa.select(Step).where(Step.campaign_id == campaign.id,
                                                   Step.territory_id == departement.id))
    if step is None or step.agenda_items:
        return
    challenges = {challenge.code: challenge for challenge in campaign.challenges}
    step.press_point_time = agenda.get("press_point_time")
    step.agenda_items = [
        AgendaItem(position=index, kind=AgendaKind(item["kind"]), title=item["title"],
                   start_time=item.get("start"), end_time=item.get("end"),
                   challenge=challenges.get(item.get("challenge", "")))
        for index, item in enumerate(agenda["items"])]


def _load_demo_contributions(batch: dict[str, Any]) -> None:
    """Published proposals of a département, once (skipped if the campaign has any)."""
    campaign = _loaded_campaign(batch["campaign"])
    if db.session.scalar(sa.select(Contribution.id).where(
            Contribution.campaign_id == campaign.id).limit(1)) is not None:
        return
    departement = _loaded_territory(TerritoryKind.DEPARTEMENT, batch["departement"])
    step = db.session.scalar(sa.select(Step).where(Step.campaign_id == campaign.id,
                                                   Step.territory_id == departement.id))
    challenges = {challenge.code: challenge for challenge in campaign.challenges}
    moments = demo_moments(campaign, step, len(batch["items"]))
    for item, moment in zip(batch["items"], moments, strict=True):
        state = item.get("answer_state")
        contribution = Contribution(
            campaign=campaign, kind=ContributionKind.PROPOSAL, body=item["body"],
            territory=departement, challenge=challenges[item["challenge"]], step=step,
            source=ContributionSource.IMPORT, status=ContributionStatus.PUBLISHED,
            created_at=moment, published_at=moment,
            answer_state=AnswerState(state) if state else None,
            answer=item.get("answer", ""), answered_at=now() if state else None)
        db.session.add(contribution)
        if "follow_up" in item:
            _demo_follow_up(contribution, item["follow_up"])


def _demo_follow_up(contribution: Contribution, described: dict[str, Any]) -> None:
    """What became of a retained proposal of the demo (« Suites données »)."""
    from app.followups.models import FollowUp, FollowUpStatus, FollowUpUpdate

    db.session.add(FollowUp(
        contribution=contribution, status=FollowUpStatus(described["status"]),
        progress=described["progress"], measure=described["measure"],
        updates=[FollowUpUpdate(date=update["date"], text=update["text"])
                 for update in described["updates"]]))


def demo_moments(campaign: Campaign, step: Step | None, count: int) -> list[datetime]:
    """When the demo's contributions were filed, in the campaign's time (CONCERTO_NOW), not
    the day the demo was loaded: at the end of their step if it was held already, else
    spread over the days before now, and never after the campaign's end; oldest first."""
    current = now()
    if step is not None and step.day is not None:
        held = datetime.combine(step.day, step.end_time or DEMO_STEP_END, step.tz)
        if held + DEMO_SPACING * count <= current:
            return [held + DEMO_SPACING * index for index in range(1, count + 1)]
    latest = current
    if campaign.ends_on is not None:
        latest = min(latest, datetime.combine(campaign.ends_on, DEMO_STEP_END, PARIS))
    return [latest - DEMO_SPREAD * (count - index) for index in range(count)]


def load_seed(demo: bool = False) -> SeedReport:
    """Create whatever of the reference data is missing, and commit."""
    report = SeedReport()
    _load_territories(report)
    for path in sorted((DATA / "campaigns").glob("*.toml")):
        _load_campaign(path, report)
    if demo:
        _load_demo(report)
    db.session.commit()
    return report
