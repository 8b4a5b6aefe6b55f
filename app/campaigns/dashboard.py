"""The staff home page (/gestion/, endpoint ``manage.dashboard``): « À faire aujourd'hui »
and the steps a person works on, each role seeing what ``app.policy`` lets it do.

An organiser sees the fill rate of each step, the registrations closing soon or waiting for
approval, the steps held without a report and the syntheses not yet validated; a moderator
sees the moderation queue and the steps of their territories with the capture, import, QR
codes and wall links; an administrator sees all of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from flask import current_app, render_template, request
from flask_login import current_user

from app import clock, policy
from app.campaigns import dashboard_queries as queries
from app.campaigns.models import Campaign, StepStatus
from app.campaigns.queries import all_campaigns

# Registrations closing within this many days are listed in « À faire aujourd'hui ».
DEADLINE_SOON_DAYS = 7
# Steps listed per campaign on the home page, the most current first; a campaign's own list
# (?demarche=<slug>) has them all, CAMPAIGN_PAGE a page.
STEPS_PER_CAMPAIGN = 15
CAMPAIGN_PAGE = 30


@dataclass
class ToDo:
    """« À faire aujourd'hui », each list in the order it is shown."""

    today_steps: list[queries.StepLine] = field(default_factory=list)
    approvals: list[queries.StepLine] = field(default_factory=list)
    closing_soon: list[queries.StepLine] = field(default_factory=list)
    reports: list[queries.StepLine] = field(default_factory=list)
    syntheses: list[queries.SynthesisLine] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.today_steps, self.approvals, self.closing_soon, self.reports,
                    self.syntheses))


def _may(action: str, obj: object = None) -> bool:
    return policy.can(current_user, action, obj)


def to_do_today(lines: list[queries.StepLine], syntheses: list[queries.SynthesisLine],
                today) -> ToDo:
    """What needs doing now, among what the person may do."""
    todo = ToDo()
    for line in lines:
        step = line.step
        if step.day == today and step.status is StepStatus.PUBLISHED:
            todo.today_steps.append(line)
        if _may("registration.manage", step):
            if line.pending and not line.is_held(today):
                todo.approvals.append(line)
            days = line.days_to_deadline(today)
            if days is not None and 0 <= days <= DEADLINE_SOON_DAYS:
                todo.closing_soon.append(line)
        if line.needs_report(today) and _may("step.edit", step):
            todo.reports.append(line)
    todo.syntheses = [s for s in syntheses if _may("synthesis.edit", s.probe)]
    return todo


def render_dashboard() -> str:
    """The home page; ?demarche=<slug>&page=<n>: every step of one campaign, page by page."""
    today = clock.today()
    campaigns = all_campaigns()
    chosen = next((c for c in campaigns if c.slug == request.args.get("demarche")), None)
    page = max(1, request.args.get("page", 1, type=int))
    # Every step where the person may do something: capture is open to every staff role on
    # its territories; each link is then checked on its own in the page.
    lines = queries.step_lines(
        policy.territory_ids(current_user, "contribution.capture"), today,
        CAMPAIGN_PAGE if chosen else STEPS_PER_CAMPAIGN, chosen.id if chosen else None,
        offset=(page - 1) * CAMPAIGN_PAGE if chosen else 0)
    moderation = (queries.moderation_summary(
        policy.territory_ids(current_user, "contribution.moderate"))
        if _may("contribution.moderate") else None)
    syntheses = (queries.syntheses_not_validated(campaigns) if _may("synthesis.edit") else [])
    by_campaign: list[tuple[Campaign, list[queries.StepLine]]] = [
        (group[0].step.campaign, group) for group in
        (list(rows) for _, rows in groupby(lines.listed,
                                           key=lambda line: line.step.campaign_id))]
    total = lines.totals.get(chosen.id, 0) if chosen else 0
    return render_template(
        "manage/dashboard.html", by_campaign=by_campaign, campaigns=campaigns,
        totals=lines.totals, chosen=chosen, page=page,
        pages=max(1, -(-total // CAMPAIGN_PAGE)), to_do_cut=lines.to_do_cut,
        moderation=moderation, todo=to_do_today(lines.to_do, syntheses, today), today=today,
        dev_mails="dev_mails" in current_app.blueprints)
