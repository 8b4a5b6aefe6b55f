"""What a synthesis document says, in order: the campaign context, the figures (per
département × question, then by kind and category, people present), the key proposals and
editorial text of each question, then the quoted testimonies. Shared by the DOCX and the PDF
writers, so both say the same."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.campaigns.models import Challenge
from app.clock import today
from app.contributions.models import Contribution, ContributionKind
from app.syntheses import charts
from app.syntheses.figures import Figures, compute, ranked_proposals
from app.syntheses.models import Synthesis
from app.territories.models import TerritoryKind


@dataclass
class Section:
    challenge: Challenge
    text: str
    proposals: list[Contribution]
    quotes: list[Contribution]


@dataclass
class Report:
    title: str
    subtitle: str
    territory: str
    operator: str
    issued_on: date
    state: str
    context: str
    introduction: str
    figures: Figures
    challenges: list[Challenge]
    sections: list[Section] = field(default_factory=list)

    def chart(self, image_format: str) -> bytes:
        return charts.contributions_by_question(
            [c.title for c in self.challenges],
            [self.figures.count(c, ContributionKind.PROPOSAL) for c in self.challenges],
            [self.figures.count(c, ContributionKind.TESTIMONY) for c in self.challenges],
            image_format)

    def departement_table(self) -> tuple[list[str], list[list[object]]]:
        """Contributions per département (rows) and question (columns), with totals."""
        header = ["Département", *[c.title for c in self.challenges], "Total"]
        counted = [(name, [*(counts.get(c.id, 0) for c in self.challenges), sum(counts.values())])
                   for name, counts in self.figures.by_departement.items()]
        totals = [sum(numbers[index] for _, numbers in counted) for index in range(len(header) - 1)]
        return header, [*([name, *numbers] for name, numbers in counted), ["Total", *totals]]


def build(synthesis: Synthesis, operator: str) -> Report:
    campaign = synthesis.campaign
    regional = synthesis.territory.kind is TerritoryKind.REGION
    report = Report(
        title=f"Synthèse {'régionale' if regional else 'départementale'}",
        subtitle=campaign.title, territory=synthesis.territory.display_name,
        operator=operator, issued_on=today(), state=synthesis.state.label,
        context="\n\n".join(part for part in (campaign.summary, campaign.description) if part),
        introduction=synthesis.introduction, figures=compute(synthesis),
        challenges=list(campaign.challenges))
    quoted = [quote.contribution for quote in synthesis.quotes]
    for challenge in campaign.challenges:
        section = synthesis.section_for(challenge)
        report.sections.append(Section(
            challenge=challenge, text=section.text if section else "",
            proposals=ranked_proposals(synthesis, challenge),
            quotes=[c for c in quoted if c.challenge_id == challenge.id]))
    return report
