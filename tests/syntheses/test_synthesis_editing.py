"""The synthesis texts are never lost: one form for all of them, autosave of one text, a save
based on an older version refused with both versions, an expired page that keeps every text;
and what leaves the workspace (DOCX, PDF, XLSX, CSV, chart) prints the texts as written."""

import csv
import html
import io
import re
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from docx import Document
from pypdf import PdfReader

from app.accounts.models import Role
from app.audit import AuditEntry
from app.contributions.models import ContributionKind
from app.extensions import db
from app.opendata import formats
from app.spreadsheets import csv_document
from app.syntheses import charts
from app.syntheses.models import Synthesis, SynthesisState
from tests import prepared
from tests.contributions.support import add
from tests.factories import make_user
from tests.helpers import count_queries, csrf_token, login_as, post_form

BASE = "/gestion/syntheses/cnr/12"
HIDDEN = re.compile(r'name="((?:version|base)-\d+)" value="([^"]*)"')


def named(user, name: str):
    user.name = name
    db.session.commit()
    return user


@pytest.fixture
def organiser(client, world):
    user = named(make_user(Role.ORGANISER, [world["aveyron"]]), "Claire Martin")
    login_as(client, user)
    return user


def page_form(client) -> dict[str, str]:
    """What the workspace's form would send untouched: every text, its version and base."""
    page = client.get(BASE).get_data(as_text=True)
    fields = dict(HIDDEN.findall(page))
    for key, text in re.findall(r'<textarea[^>]* name="(texte-\d+)"[^>]*>(.*?)</textarea>',
                                page, re.S):
        fields[key] = html.unescape(text)
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return fields


def texts() -> tuple[str, dict[int, str]]:
    synthesis = db.session.scalar(sa.select(Synthesis))
    db.session.refresh(synthesis)
    return synthesis.introduction, {s.challenge_id: s.text for s in synthesis.sections}


def test_one_form_saves_every_text_typed(client, world, organiser):
    question = world["challenge"].id
    form = page_form(client)
    assert {"texte-0", f"texte-{question}", "version-0", f"base-{question}"} <= set(form)
    form.update({"texte-0": "Une introduction tapée d’abord.",
                 f"texte-{question}": "Puis la première question."})
    response = client.post(f"{BASE}/textes", data=form)
    assert response.status_code == 302
    assert texts() == ("Une introduction tapée d’abord.",
                       {question: "Puis la première question."})
    assert "Les 2 textes sont enregistrés." in client.get(BASE).get_data(as_text=True)
    [entry] = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "synthesis.text")).all()
    assert "« Introduction »" in entry.summary and entry.user_id == organiser.id


def test_opening_the_workspace_writes_nothing_and_the_first_save_creates_it(client, world,
                                                                           organiser):
    def syntheses() -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Synthesis))

    with count_queries() as statements:
        page = client.get(BASE)
    assert page.status_code == 200 and 'name="texte-0"' in page.get_data(as_text=True)
    assert [s for s in statements if s.lstrip().upper().startswith(
        ("INSERT", "UPDATE", "DELETE"))] == []
    assert syntheses() == 0
    form = page_form(client)  # opened again: still no draft
    assert syntheses() == 0
    form["texte-0"] = "Le premier texte crée la synthèse."
    assert client.post(f"{BASE}/textes", data=form).status_code == 302
    [synthesis] = db.session.scalars(sa.select(Synthesis)).all()
    assert (synthesis.territory_id, synthesis.state) == (world["aveyron"].id,
                                                          SynthesisState.DRAFT)
    assert texts() == ("Le premier texte crée la synthèse.", {})


def test_saving_one_text_keeps_the_others(client, world, organiser):
    question = world["challenge"].id
    post_form(client, f"{BASE}/texte", {"challenge_id": 0, "text": "Introduction gardée."})
    # The script saves question 1 alone: the introduction stays.
    form = page_form(client)
    answer = client.post(f"{BASE}/texte", headers={"Accept": "application/json"}, data={
        "csrf_token": form["csrf_token"], "challenge_id": question, "text": "Question 1.",
        "version": form[f"version-{question}"], "base": form[f"base-{question}"]})
    assert answer.status_code == 200 and answer.json["status"] == "saved"
    assert texts() == ("Introduction gardée.", {question: "Question 1."})
    # The whole form, with only question 1 changed: the introduction is sent untouched.
    form = page_form(client)
    form[f"texte-{question}"] = "Question 1, revue."
    client.post(f"{BASE}/textes", data=form)
    assert texts() == ("Introduction gardée.", {question: "Question 1, revue."})


def test_autosaves_of_the_same_text_make_one_audit_entry(client, world, organiser):
    def autosave(key: int, text: str) -> None:
        form = page_form(client)
        client.post(f"{BASE}/texte", headers={"Accept": "application/json"}, data={
            "csrf_token": form["csrf_token"], "challenge_id": key, "text": text,
            "version": form[f"version-{key}"], "base": form[f"base-{key}"]})

    autosave(0, "Premier")
    autosave(0, "Premier jet")
    autosave(world["challenge"].id, "Question")
    summaries = db.session.scalars(sa.select(AuditEntry.summary).where(
        AuditEntry.action == "synthesis.text").order_by(AuditEntry.id)).all()
    assert summaries == ["Synthèse Aveyron (12) : texte « Introduction » enregistré",
                         f"Synthèse Aveyron (12) : texte « {world['challenge'].title} » "
                         "enregistré"]


def test_autosave_answers_with_the_paris_time_and_the_next_version(app, client, world,
                                                                    organiser):
    app.config["CONCERTO_NOW"] = "2022-11-03T14:32"  # Paris time (13:32 UTC)
    form = page_form(client)
    answer = client.post(f"{BASE}/texte", headers={"Accept": "application/json"}, data={
        "csrf_token": form["csrf_token"], "challenge_id": 0, "text": "Premier jet.",
        "version": form["version-0"], "base": form["base-0"]})
    assert answer.json["saved_at"] == "14 h 32"
    assert answer.json["version"] == int(form["version-0"]) + 1
    assert answer.headers["Cache-Control"] == "no-store"
    assert page_form(client)["base-0"] == answer.json["base"]


def test_a_save_based_on_an_older_version_is_refused_with_both_versions(client, world,
                                                                        organiser):
    question = world["challenge"].id
    mine = page_form(client)  # Claire opens the page...
    colleague = named(make_user(Role.ORGANISER, [world["aveyron"]]), "Paul Roux")
    login_as(client, colleague)  # ...Paul saves the same text meanwhile...
    theirs = page_form(client)
    theirs[f"texte-{question}"] = "Le texte de Paul."
    assert client.post(f"{BASE}/textes", data=theirs).status_code == 302
    login_as(client, organiser)  # ...then Claire saves hers, based on the older version.
    mine[f"texte-{question}"] = "Le texte de Claire."
    mine["texte-0"] = "Son introduction, sans conflit."
    mine["csrf_token"] = csrf_token(client, BASE)
    response = client.post(f"{BASE}/textes", data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert texts() == ("Son introduction, sans conflit.", {question: "Le texte de Paul."})
    assert "quelqu’un d’autre l’a modifié pendant que vous écriviez" in page
    assert "Ce texte a été enregistré par Paul Roux" in page
    conflict = page[page.index(f'id="conflit-{question}"'):]
    assert "Le texte de Paul." in conflict and "Le texte de Claire." in conflict
    field = re.search(rf'name="texte-{question}"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert field == "Le texte de Claire."  # hers stays in the field
    # Saving again, having seen Paul's: hers replaces it, knowingly.
    again = dict(HIDDEN.findall(page), **{f"texte-{question}": field,
                                          "csrf_token": csrf_token(client, BASE)})
    assert client.post(f"{BASE}/textes", data=again).status_code == 302
    assert texts()[1] == {question: "Le texte de Claire."}


def test_the_script_is_told_of_a_conflict_with_the_other_text(client, world, organiser):
    form = page_form(client)
    post_form(client, f"{BASE}/texte", {"challenge_id": 0, "text": "Déjà changé."})
    answer = client.post(f"{BASE}/texte", headers={"Accept": "application/json"}, data={
        "csrf_token": form["csrf_token"], "challenge_id": 0, "text": "Le mien.",
        "version": form["version-0"], "base": form["base-0"]})
    assert answer.status_code == 409
    assert answer.json["status"] == "conflict" and answer.json["theirs"] == "Déjà changé."
    assert "Claire Martin" in answer.json["editor"]
    assert texts()[0] == "Déjà changé."


def test_a_text_nobody_typed_in_never_overwrites_a_colleagues(client, world, organiser):
    question = world["challenge"].id
    mine = page_form(client)
    post_form(client, f"{BASE}/texte", {"challenge_id": question, "text": "D’un collègue."})
    mine["texte-0"] = "Seule l’introduction a changé."
    mine["csrf_token"] = csrf_token(client, BASE)
    assert client.post(f"{BASE}/textes", data=mine).status_code == 302
    assert texts() == ("Seule l’introduction a changé.", {question: "D’un collègue."})


def test_an_expired_page_keeps_every_text_and_saves_nothing(app, client, world, organiser):
    question = world["challenge"].id
    form = page_form(client)
    form.update({"texte-0": "Intro longue à ne pas perdre.",
                 f"texte-{question}": "Question à ne pas perdre.", "csrf_token": "expiré"})
    for url in (f"{BASE}/textes", f"{BASE}/synthese.docx"):
        response = client.post(url, data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert "La page a expiré" in page
        assert ">Intro longue à ne pas perdre.</textarea>" in page
        assert ">Question à ne pas perdre.</textarea>" in page
        assert texts() == ("", {})
    # The page came back with a fresh token: sending it again saves both.
    again = page_form(client) | {k: v for k, v in form.items() if k.startswith("texte-")}
    again["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for key in ("version-0", "base-0", f"version-{question}", f"base-{question}"):
        again[key] = re.search(rf'name="{key}" value="([^"]*)"', page).group(1)
    assert client.post(f"{BASE}/textes", data=again).status_code == 302
    assert texts() == ("Intro longue à ne pas perdre.", {question: "Question à ne pas perdre."})


def test_a_text_too_long_keeps_every_text_and_saves_nothing(client, world, organiser):
    question = world["challenge"].id
    form = page_form(client)
    form.update({"texte-0": "Gardée.", f"texte-{question}": "Début. " + "x" * 50_001})
    response = client.post(f"{BASE}/textes", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ce texte dépasse 50 000 caractères" in page and ">Gardée.</textarea>" in page
    assert texts() == ("", {})


def test_quoting_and_validating_save_the_texts_typed_first(client, world, organiser):
    testimony = add(world, "Je viens de loin.", kind=ContributionKind.TESTIMONY)
    form = page_form(client)
    form["texte-0"] = "Tapée puis « Citer »."
    assert client.post(f"{BASE}/citer/{testimony.id}", data=form).status_code == 302
    synthesis = db.session.scalar(sa.select(Synthesis))
    db.session.refresh(synthesis)
    assert synthesis.introduction == "Tapée puis « Citer »."
    assert [q.contribution_id for q in synthesis.quotes] == [testimony.id]
    login_as(client, make_user(Role.ADMIN))
    form = page_form(client)
    form["texte-0"] = "Relue par l’administratrice."
    assert client.post(f"{BASE}/valider", data=form).status_code == 302
    db.session.refresh(synthesis)
    assert synthesis.state is SynthesisState.VALIDATED
    assert synthesis.introduction == "Relue par l’administratrice."
    assert "<textarea" not in client.get(BASE).get_data(as_text=True)


@pytest.fixture
def doctors(world):
    world["campaign"].synthesis_deadline = None
    return add(world, "+ de médecins dans les bourgs", support_count=3)


def test_the_docx_prints_a_proposal_as_written(client, world, organiser, doctors):
    response = prepared.download(client, f"{BASE}/synthese.docx", token_from=BASE)
    document = Document(io.BytesIO(response.get_data()))
    cells = [cell.text for table in document.tables for row in table.rows
             for cell in row.cells]
    assert any(cell.startswith("+ de médecins dans les bourgs") for cell in cells)
    assert not any(cell.startswith("'") for cell in cells)


def test_spreadsheets_keep_text_cells_as_written_and_csv_neutralises(world, doctors):
    records = [{"texte": "+ de médecins dans les bourgs"}, {"texte": "=HYPERLINK(\"x\")"},
               {"texte": None}]
    sheet = openpyxl.load_workbook(io.BytesIO(formats.xlsx_bytes(
        ["texte"], records, "contributions"))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells[:2]] == ["+ de médecins dans les bourgs",
                                                  "=HYPERLINK(\"x\")"]
    assert all(cell.data_type == "s" for cell in cells[:2])  # text, never a formula
    streamed = list(csv.reader(io.StringIO("".join(formats.csv_stream(["texte"], records)))))
    assert [row[0] for row in streamed[1:3]] == ["'+ de médecins dans les bourgs",
                                                 "'=HYPERLINK(\"x\")"]
    document = csv_document(["texte"], [["-1 an d’attente"], ["@pseudo"]]).decode("utf-8-sig")
    assert document.splitlines()[1:] == ["'-1 an d’attente", "'@pseudo"]


def test_the_transmitted_xlsx_has_no_apostrophe_and_its_csv_is_neutralised(client, world,
                                                                          organiser, doctors):
    login_as(client, make_user(Role.ADMIN))
    post_form(client, f"{BASE}/valider", {}, token_from=BASE)
    prepared.ask(client, f"{BASE}/transmettre", token_from=BASE)
    synthesis = db.session.scalar(sa.select(Synthesis))
    db.session.refresh(synthesis)
    archive = zipfile.ZipFile(io.BytesIO(client.get(
        f"{BASE}/envois/{synthesis.transmissions[0].id}.zip").get_data()))
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("donnees/contributions.xlsx"))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "+ de médecins dans les bourgs" in values
    assert "'+ de médecins dans les bourgs" in archive.read(
        "donnees/contributions.csv").decode()


def test_the_chart_counts_in_whole_numbers_written_the_french_way():
    figure = charts.contributions_figure(["L’accès aux soins", "La prévention"], [1, 2], [0, 1])
    try:
        figure.canvas.draw()
        labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    finally:
        charts.pyplot.close(figure)
    assert labels and all(re.fullmatch(r"\d+", label) for label in labels), labels
    big = charts.contributions_figure(["L’accès aux soins"], [1200], [300])
    try:
        big.canvas.draw()
        labels = [label.get_text() for label in big.axes[0].get_xticklabels()]
    finally:
        charts.pyplot.close(big)
    assert "1\u202f000" in labels and not any("." in label or "," in label
                                              for label in labels)


def test_a_pdf_table_row_never_breaks_across_pages(client, world, organiser):
    long_text = " ".join(["des délais d’attente trop longs pour un rendez-vous"] * 30)
    proposals = [add(world, f"Proposition {number} : {long_text}", support_count=20 - number)
                 for number in range(10)]
    reader = PdfReader(io.BytesIO(prepared.download(client, f"{BASE}/synthese.pdf",
                                                    token_from=BASE).get_data()))
    pages = [page.extract_text() for page in reader.pages]
    table_pages = set()
    for proposal in proposals:
        [first] = [n for n, text in enumerate(pages)
                   if f"Proposition {proposal.body.split()[1]} :" in text]
        [last] = [n for n, text in enumerate(pages) if proposal.reference in text]
        assert first == last, (proposal.reference, first, last)
        table_pages.add(first)
    assert len(table_pages) > 1  # the table did run over several pages
