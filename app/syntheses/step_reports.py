"""The report an organiser writes once a step is held: what its form starts from (the people
checked in, or the report saved before) and saving it, published on the step page or not."""

from __future__ import annotations

from dataclasses import dataclass

from app import audit
from app.accounts.models import User
from app.campaigns.models import Step
from app.clock import now, today
from app.extensions import db
from app.participants import CATEGORIES
from app.registrations.queries import attendance
from app.syntheses.models import StepReport


class StepReportError(ValueError):
    """The message is for the person writing the report."""


@dataclass
class ReportText:
    """What the organiser writes: people present per category, then the texts."""

    present: dict[str, int | None]
    organisations: str
    discussion: str
    proposals: str
    published: bool


def checked_in_by_category(step: Step) -> dict[str, int]:
    return {category: line["present"] for category, line in attendance(step.id).items()
            if line["present"]}


def may_report(step: Step) -> bool:
    """The report is written after the step, or on its day."""
    return step.day is not None and step.day <= today()


def form_data(step: Step) -> dict[str, object]:
    """The form's fields: the saved report, else the people checked in per category."""
    report = step.report
    counts = report.attendance if report else checked_in_by_category(step)
    data: dict[str, object] = {f"present_{code}": counts.get(code, 0) for code in CATEGORIES}
    if report:
        data.update(organisations=report.organisations, discussion=report.discussion,
                    proposals=report.proposals, published=report.published_at is not None)
    return data


def save(step: Step, text: ReportText, user: User) -> StepReport:
    """Write (or rewrite) the step's report; raises StepReportError before the step. A report
    published before keeps its date of publication."""
    if not may_report(step):
        raise StepReportError("L’étape n’a pas encore eu lieu : le compte rendu s’écrit après.")
    report = step.report or StepReport(step=step)
    db.session.add(report)
    report.attendance = {code: count for code, count in text.present.items() if count}
    report.organisations = text.organisations
    report.discussion = text.discussion
    report.proposals = text.proposals
    if not text.published:
        report.published_at = None
    elif report.published_at is None:
        report.published_at = now()
    audit.record("step.report", step, f"Compte rendu de « {step.title} » "
                 + ("publié" if report.published_at else "enregistré"), user=user)
    db.session.commit()
    return report
