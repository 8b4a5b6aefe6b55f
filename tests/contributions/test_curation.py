"""Re-tag, merge duplicates, official answers (one by one and from a file)."""

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.accounts.models import Role
from app.audit import AuditEntry
from app.contributions.models import (
    AnswerState,
    ContributionKind,
    ContributionStatus,
    ContributionSupport,
)
from app.extensions import db
from tests.contributions.support import add
from tests.factories import make_campaign, make_user
from tests.helpers import login_as, post_form


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_moderator_retags_a_contribution_and_the_change_is_audited(client, world):
    contribution = add(world, "Ouvrir des centres de santé", ContributionStatus.PENDING)
    login_as(client, make_user(Role.MODERATOR, [world["campaign"].territory]))
    prevention = world["campaign"].challenges[1]
    response = post_form(client, f"/gestion/contributions/{contribution.id}/reclasser", {
        "kind": "testimony", "territory_id": world["ariege"].id,
        "challenge_id": prevention.id, "step_id": 0, "workshop_id": 0},
        token_from=f"/gestion/contributions/{contribution.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert (contribution.kind, contribution.territory_id, contribution.challenge_id) == (
        ContributionKind.TESTIMONY, world["ariege"].id, prevention.id)
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "contribution.retag"))
    assert entry.changes["département"] == [world["aveyron"].display_name,
                                            world["ariege"].display_name]
    assert entry.changes["question"][1] == prevention.title


def test_a_moderator_cannot_move_a_contribution_to_a_territory_outside_theirs(client, world):
    contribution = add(world, "Texte de l’Aveyron", ContributionStatus.PENDING)
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    response = post_form(client, f"/gestion/contributions/{contribution.id}/reclasser", {
        "kind": "proposal", "territory_id": world["ariege"].id,
        "challenge_id": world["challenge"].id, "step_id": 0, "workshop_id": 0},
        token_from=f"/gestion/contributions/{contribution.id}")
    assert response.status_code == 400
    assert "Vous ne modérez pas ce département." in response.get_data(as_text=True)
    db.session.expire_all()
    assert contribution.territory_id == world["aveyron"].id
    assert "contribution.retag" not in audit_actions()


def test_every_curation_action_is_refused_to_a_moderator_of_another_territory(client, world):
    contribution = add(world, "Texte de l’Aveyron")
    other = add(world, "Autre texte de l’Aveyron")
    login_as(client, make_user(Role.ORGANISER, [world["ariege"]]))
    token_page = "/gestion/moderation"
    for url, data in [
        (f"/gestion/contributions/{contribution.id}/reclasser",
         {"kind": "proposal", "territory_id": world["ariege"].id}),
        (f"/gestion/contributions/{contribution.id}/fusionner", {"target": other.reference}),
        (f"/gestion/contributions/{contribution.id}/repondre", {"answer_state": "adopted"}),
    ]:
        assert post_form(client, url, data, token_from=token_page).status_code == 403
    assert client.get(f"/gestion/contributions/{contribution.id}").status_code == 403
    db.session.expire_all()
    assert contribution.answer_state is None and contribution.merged_into_id is None
    assert audit_actions() == []


def test_merging_a_duplicate_moves_its_supports_once_per_person(client, world):
    kept = add(world, "Des maisons de santé dans chaque canton", support_count=2)
    duplicate = add(world, "Une maison de santé par canton", support_count=2)
    db.session.add_all([ContributionSupport(contribution_id=kept.id, supporter_key=key)
                        for key in ("a", "b")])
    db.session.add_all([ContributionSupport(contribution_id=duplicate.id, supporter_key=key)
                        for key in ("b", "c")])
    db.session.commit()
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    response = post_form(client, f"/gestion/contributions/{duplicate.id}/fusionner",
                         {"target": kept.reference.lower()},
                         token_from=f"/gestion/contributions/{duplicate.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert kept.support_count == 3  # a, b, c: b supported both and counts once
    assert duplicate.merged_into_id == kept.id
    assert duplicate.status is ContributionStatus.REJECTED and duplicate.support_count == 0
    assert "contribution.merge" in audit_actions()
    html = client.get("/demarches/cnr/contributions").get_data(as_text=True)
    assert "Des maisons de santé dans chaque canton" in html
    assert "Une maison de santé par canton" not in html
    detail = client.get(f"/gestion/contributions/{kept.id}").get_data(as_text=True)
    assert duplicate.reference in detail  # listed among the duplicates merged here


@pytest.mark.parametrize(("target", "message"), [
    ("self", "ne peut pas être fusionnée avec elle-même"),
    ("C-999999", "Aucune contribution C-999999"),
    ("other-campaign", "même démarche"),
    ("n’importe quoi", "Indiquez une référence de la forme C-000123."),
])
def test_impossible_merges_are_explained_and_change_nothing(client, world, target, message):
    contribution = add(world, "Texte à garder tel quel")
    other_campaign = make_campaign(region=world["campaign"].territory)
    elsewhere = add({**world, "campaign": other_campaign,
                     "challenge": other_campaign.challenges[0]}, "Ailleurs")
    reference = {"self": contribution.reference, "other-campaign": elsewhere.reference}.get(
        target, target)
    login_as(client, make_user(Role.MODERATOR, [world["campaign"].territory]))
    response = post_form(client, f"/gestion/contributions/{contribution.id}/fusionner",
                         {"target": reference},
                         token_from=f"/gestion/contributions/{contribution.id}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert contribution.status is ContributionStatus.PUBLISHED
    assert contribution.merged_into_id is None


def test_an_organiser_answers_a_proposal_and_the_public_sees_it_escaped(client, world):
    proposal = add(world, "Un numéro unique pour les gardes")
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    response = post_form(client, f"/gestion/contributions/{proposal.id}/repondre", {
        "answer_state": "adopted", "answer": "Retenue <b>pour 2023</b>.\nVoir le PRS."},
        token_from=f"/gestion/contributions/{proposal.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.answer_state is AnswerState.ADOPTED and proposal.answered_at is not None
    html = client.get("/demarches/cnr/contributions?reponse=adopted").get_data(as_text=True)
    assert "Réponse des organisateurs" in html and "Retenue" in html
    assert "Retenue &lt;b&gt;pour 2023&lt;/b&gt;." in html
    assert "Un numéro unique pour les gardes" in html
    assert "Un numéro unique" not in client.get(
        "/demarches/cnr/contributions?reponse=studying").get_data(as_text=True)
    assert "contribution.answer" in audit_actions()


def test_answers_speak_for_organisers_only_and_for_proposals_only(client, world):
    proposal = add(world, "Une proposition")
    testimony = add(world, "Un témoignage", kind=ContributionKind.TESTIMONY)
    login_as(client, make_user(Role.MODERATOR, [world["aveyron"]]))
    assert post_form(client, f"/gestion/contributions/{proposal.id}/repondre",
                     {"answer_state": "adopted"},
                     token_from=f"/gestion/contributions/{proposal.id}").status_code == 403
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    response = post_form(client, f"/gestion/contributions/{testimony.id}/repondre",
                         {"answer_state": "adopted"},
                         token_from=f"/gestion/contributions/{testimony.id}",
                         follow_redirects=True)
    assert "seules les propositions reçoivent une réponse officielle" in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert proposal.answer_state is None and testimony.answer_state is None


def answers_csv(rows: list[tuple[str, str, str]]) -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows([("Référence", "État", "Réponse"), *rows])
    return io.BytesIO(text.getvalue().encode("utf-8-sig"))


def upload_answers(client, world, content: io.BytesIO, name: str = "reponses.csv"):
    return post_form(client, "/gestion/demarches/cnr/reponses", {"file": (content, name)},
                     token_from="/gestion/demarches/cnr/contributions",
                     content_type="multipart/form-data")


def confirm_token(html: str) -> str:
    import re
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="token" name="token" type="hidden" value="([^"]+)"', html)
    assert match, "no confirmation form"
    return match.group(1)


def test_answers_imported_from_a_csv_after_a_preview(client, world):
    first, second = add(world, "Proposition un"), add(world, "Proposition deux")
    login_as(client, make_user(Role.ORGANISER, [world["campaign"].territory]))
    response = upload_answers(client, world, answers_csv([
        (first.reference, "retenue", "Elle figure au PRS."),
        (str(second.id), "Hors champ", "Relève de l’Assurance maladie ; pas de l’ARS."),
    ]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 lignes prêtes à importer" in html
    db.session.expire_all()
    assert first.answer_state is None  # nothing saved before confirmation
    response = post_form(client, "/gestion/demarches/cnr/reponses/confirmer",
                         {"token": confirm_token(html)},
                         token_from="/gestion/demarches/cnr/contributions")
    assert response.status_code == 302
    db.session.expire_all()
    assert (first.answer_state, first.answer) == (AnswerState.ADOPTED, "Elle figure au PRS.")
    assert second.answer_state is AnswerState.OUT_OF_SCOPE
    assert second.answer == "Relève de l’Assurance maladie ; pas de l’ARS."
    assert audit_actions().count("contribution.answer") == 2


def test_an_answer_file_with_one_bad_row_imports_nothing(client, world):
    good = add(world, "Proposition valable")
    testimony = add(world, "Un témoignage", kind=ContributionKind.TESTIMONY)
    login_as(client, make_user(Role.ORGANISER, [world["campaign"].territory]))
    response = upload_answers(client, world, answers_csv([
        (good.reference, "À l’étude", "On regarde."),
        (testimony.reference, "retenue", ""),
        ("C-424242", "peut-être", ""),
    ]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 lignes à corriger" in html
    assert f"Ligne 3 : {testimony.reference} n’est pas une proposition." in html
    assert "Ligne 4 : référence « C-424242 » inconnue dans cette démarche ; état inconnu" in html
    assert "Confirmer l’import" not in html
    # The settings form of the same page still shows the campaign's settings.
    assert '<input checked id="contributions_open"' in html
    db.session.expire_all()
    assert good.answer_state is None


def test_answers_imported_from_xlsx_by_a_regional_organiser_only(client, world):
    mine, theirs = add(world, "En Aveyron"), add(world, "En Ariège", territory="ariege")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["reference", "etat", "reponse"])
    sheet.append([mine.reference, "déjà en place", "Existe depuis 2021."])
    sheet.append([theirs.reference, "retenue", "Retenue pour 2023."])
    content = io.BytesIO()
    workbook.save(content)
    content.seek(0)
    login_as(client, make_user(Role.ORGANISER, [world["aveyron"]]))
    # Organisers of a département do not manage the regional campaign's settings.
    assert client.get("/gestion/demarches/cnr/contributions").status_code == 403
    login_as(client, make_user(Role.ORGANISER, [world["campaign"].territory]))
    html = upload_answers(client, world, content, "reponses.xlsx").get_data(as_text=True)
    assert "2 lignes prêtes à importer" in html
    post_form(client, "/gestion/demarches/cnr/reponses/confirmer", {"token": confirm_token(html)},
              token_from="/gestion/demarches/cnr/contributions")
    db.session.expire_all()
    assert mine.answer_state is AnswerState.EXISTING
    assert theirs.answer == "Retenue pour 2023."


def test_files_that_are_not_tables_are_refused_in_french(client, world):
    login_as(client, make_user(Role.ORGANISER, [world["campaign"].territory]))
    png = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    html = upload_answers(client, world, png, "reponses.csv").get_data(as_text=True)
    assert "ni un tableau CSV ni un classeur Excel" in html
    html = upload_answers(client, world, io.BytesIO(b""), "vide.csv").get_data(as_text=True)
    assert "Le fichier est vide." in html or "Choisissez un fichier." in html


def test_organisers_turn_moderation_off_and_close_contributions(client, world):
    login_as(client, make_user(Role.ORGANISER, [world["campaign"].territory]))
    response = post_form(client, "/gestion/demarches/cnr/contributions",
                         {"contributions_open": "y"})  # moderation box left unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert world["campaign"].contributions_open and not world["campaign"].moderation_required
    assert "campaign.contribution_settings" in audit_actions()
    post_form(client, "/gestion/demarches/cnr/contributions", {})
    db.session.expire_all()
    assert not world["campaign"].contributions_open
    client.get("/deconnexion")
    login_as(client, make_user(Role.MODERATOR, [world["campaign"].territory]))
    assert client.get("/gestion/demarches/cnr/contributions").status_code == 403
