"""A synthesis as an editable DOCX (for the ministry) and as a PDF (for publication): title
page, table of contents, page numbers, the date; figures as tables and a chart."""

from __future__ import annotations

import base64
import io

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from flask import current_app, render_template
from markdown_it.token import Token

from app.contributions.models import ContributionKind
from app.documents.models import PreparedDocument
from app.documents.services import Built, DocumentError
from app.extensions import db
from app.markdown import to_html, tokens
from app.syntheses.citations import CitedContribution, of_report
from app.syntheses.models import Synthesis
from app.syntheses.report import Report, build

BLUE = RGBColor(0x00, 0x00, 0x91)
MIMETYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}


def report_of(synthesis_id: int) -> Report:
    synthesis = db.session.get(Synthesis, synthesis_id)
    if synthesis is None:
        raise DocumentError("Cette synthèse n’existe plus.")
    return build(synthesis, current_app.config["BRAND_OPERATOR"])


def synthesis_pdf(document: PreparedDocument) -> Built:
    """Builder of app.documents (run by a worker)."""
    return Built(MIMETYPES["pdf"], pdf(report_of(document.subject_id)))


def synthesis_docx(document: PreparedDocument) -> Built:
    return Built(MIMETYPES["docx"], docx(report_of(document.subject_id)))


def pdf(report: Report) -> bytes:
    from weasyprint import HTML

    html = render_template("syntheses/document.html", report=report, markdown=to_html,
                           kinds=ContributionKind, cited=of_report(report),
                           chart_svg=base64.b64encode(report.chart("svg")).decode())
    return HTML(string=html).write_pdf()


def _field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC…): Word computes it when the document opens."""
    run = paragraph.add_run()
    begin, code, separate, end = (OxmlElement("w:fldChar"), OxmlElement("w:instrText"),
                                  OxmlElement("w:fldChar"), OxmlElement("w:fldChar"))
    begin.set(qn("w:fldCharType"), "begin")
    code.set(qn("xml:space"), "preserve")
    code.text = instruction
    separate.set(qn("w:fldCharType"), "separate")
    end.set(qn("w:fldCharType"), "end")
    run._r.extend([begin, code, separate])
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(end)


def _update_fields_on_open(document: WordDocument) -> None:
    setting = OxmlElement("w:updateFields")
    setting.set(qn("w:val"), "true")
    document.settings.element.append(setting)


def _table(document: WordDocument, header: list[str], rows: list[list[object]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            # Printed as written: formula escaping is for spreadsheets only (app.spreadsheets).
            cell.text = "" if value is None else str(value)
    document.add_paragraph()


def _hyperlink(paragraph: Paragraph, url: str) -> None:
    """``url`` as a link Word opens on a click, shown as written."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK,
                                                  is_external=True))
    run = paragraph.add_run(url)
    run.font.color.rgb, run.font.underline = BLUE, True
    link.append(run._r)  # moved from the paragraph into the link
    paragraph._p.append(link)


def _cited(document: WordDocument, cited: list[CitedContribution]) -> None:
    """The annex: each contribution the texts cite, as its public page shows it."""
    document.add_page_break()
    document.add_heading("Contributions citées", level=1)
    document.add_paragraph("Les contributions publiées dont les textes de cette synthèse "
                           "citent la référence, avec l’adresse de leur page publique.")
    _table(document, ["Référence", "Début du texte", "Département", "Question", "Adresse"],
           [[c.reference, c.excerpt, c.departement, c.question, ""] for c in cited])
    table = document.tables[-1]
    for row, contribution in zip(table.rows[1:], cited, strict=True):
        if contribution.url:
            _hyperlink(row.cells[-1].paragraphs[0], contribution.url)


def _markdown(document: WordDocument, text: str) -> None:
    """Paragraphs, headings and lists of the organiser's Markdown, with bold and italics."""
    style, paragraph = "Normal", None
    for token in tokens(text):
        if token.type == "bullet_list_open":
            style = "List Bullet"
        elif token.type == "ordered_list_open":
            style = "List Number"
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            style = "Normal"
        elif token.type == "heading_open":
            paragraph = document.add_paragraph(style="Heading 4")
        elif token.type == "paragraph_open":  # a list item's paragraph takes the list style
            paragraph = document.add_paragraph(style=style)
        elif token.type == "inline" and paragraph is not None:
            _inline(paragraph, token.children or [])


def _inline(paragraph: Paragraph, children: list[Token]) -> None:
    """A paragraph's text, in bold and italics where the Markdown says."""
    bold = italic = False
    for child in children:
        if child.type in ("strong_open", "strong_close"):
            bold = child.type == "strong_open"
        elif child.type in ("em_open", "em_close"):
            italic = child.type == "em_open"
        elif child.type in ("text", "code_inline"):
            run = paragraph.add_run(child.content)
            run.bold, run.italic = bold, italic
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run(" ")


def docx(report: Report) -> bytes:
    document = Document()
    _page_setup(document)
    _title_page(document, report)
    _contents(document, report)
    _context(document, report)
    _figures(document, report)
    _key_proposals(document, report)
    _quotes(document, report)
    cited = of_report(report)
    if cited:
        _cited(document, cited)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_setup(document: WordDocument) -> None:
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(10.5)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)


def _title_page(document: WordDocument, report: Report) -> None:
    """Operator, title, campaign, territory and date; no page number on it."""
    document.sections[0].different_first_page_header_footer = True
    operator = document.add_paragraph()
    operator.paragraph_format.space_before = Cm(6)
    operator.add_run(report.operator.upper()).bold = True
    title = document.add_paragraph()
    run = title.add_run(report.title)
    run.bold, run.font.size, run.font.color.rgb = True, Pt(26), BLUE
    document.add_paragraph().add_run(report.subtitle).font.size = Pt(15)
    territory = document.add_paragraph().add_run(report.territory)
    territory.bold, territory.font.size = True, Pt(18)
    document.add_paragraph(f"Document établi le {report.issued_on.strftime('%d/%m/%Y')} — "
                           f"état : {report.state.lower()}")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _contents(document: WordDocument, report: Report) -> None:
    """The page numbers in the footer and the table of contents, both Word fields."""
    footer = document.sections[0].footer.paragraphs[0]
    footer.add_run(f"{report.title} — {report.territory} — page ")
    _field(footer, "PAGE", "1")
    document.add_heading("Sommaire", level=1)
    _field(document.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u',
           "Le sommaire se met à jour à l’ouverture du document (touche F9 sinon).")
    _update_fields_on_open(document)
    document.add_section(WD_SECTION.NEW_PAGE)


def _context(document: WordDocument, report: Report) -> None:
    document.add_heading("Contexte de la concertation", level=1)
    _markdown(document, report.context)
    _markdown(document, report.introduction)


def _figures(document: WordDocument, report: Report) -> None:
    """The totals, then a table per breakdown, and the chart of contributions per question."""
    figures = report.figures
    document.add_heading("Les chiffres", level=1)
    document.add_paragraph(f"{len(figures.steps_held)} étape(s) tenue(s), {figures.present} "
                           f"participant(s) présent(s), {figures.contributions} "
                           "contribution(s) publiée(s).")
    document.add_heading("Contributions publiées par département et par question", level=2)
    _table(document, *report.departement_table())
    document.add_heading("Contributions par question et par type", level=2)
    document.add_picture(io.BytesIO(report.chart("png")), width=Cm(16))
    _table(document, ["Question", "Propositions", "Paroles de citoyen"], [
        [c.title, figures.count(c, ContributionKind.PROPOSAL),
         figures.count(c, ContributionKind.TESTIMONY)] for c in report.challenges])
    document.add_heading("Contributions par catégorie d’auteur", level=2)
    _table(document, ["Catégorie", "Contributions"], list(map(list, figures.by_category.items())))
    document.add_heading("Participants présents par catégorie", level=2)
    _table(document, ["Catégorie", "Présents"],
           list(map(list, figures.present_by_category.items())))
    document.add_heading("Étapes tenues", level=2)
    _table(document, ["Étape", "Date", "Présents"], [
        [step.title, step.day.strftime("%d/%m/%Y") if step.day else "",
         figures.present_by_step[step.id]] for step in figures.steps_held])


def _key_proposals(document: WordDocument, report: Report) -> None:
    """Per question: the organiser's text, then its published proposals, most supported first."""
    document.add_page_break()
    document.add_heading("Les propositions clés par question", level=1)
    for section in report.sections:
        document.add_heading(section.challenge.title, level=2)
        _markdown(document, section.text)
        if section.proposals:
            _table(document, ["Proposition", "Département", "Soutiens", "Réponse"], [
                [(f"{p.title} — " if p.title else "") + f"{p.body} ({p.reference})",
                 p.territory.name, p.support_count,
                 p.answer_state.label if p.answer_state else ""] for p in section.proposals])
        else:
            document.add_paragraph("Aucune proposition publiée sur cette question.")


def _quotes(document: WordDocument, report: Report) -> None:
    """The quoted testimonies, per question."""
    document.add_page_break()
    document.add_heading("Paroles de citoyens", level=1)
    quoted = [section for section in report.sections if section.quotes]
    for section in quoted:
        document.add_heading(section.challenge.title, level=2)
        for quote in section.quotes:
            paragraph = document.add_paragraph(style="Quote")
            paragraph.add_run(f"« {quote.body} »")
            document.add_paragraph(f"{quote.reference} — {quote.author_label}, "
                                   f"{quote.territory.name}").runs[0].font.size = Pt(8.5)
    if not quoted:
        document.add_paragraph("Aucune parole citée.")
