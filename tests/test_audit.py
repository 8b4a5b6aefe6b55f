"""The audit log records who did what, cannot be rewritten, and admins read it at
/gestion/journal: filters, pages of 50, CSV export."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import audit
from app.accounts.models import Role, User
from app.audit import AuditEntry
from app.extensions import db
from tests.factories import make_departement, make_step, make_user
from tests.helpers import login_as

# ---------------------------------------------------------------------------- recording


def test_record_keeps_actor_action_object_and_changes():
    user = make_user(Role.ADMIN, email="admin@ars.example")
    step = make_step()
    audit.record("step.edit", step, "Changement de ville", {"city": ("Rodez", "Millau")},
                 user=user)
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        "admin@ars.example", "step.edit", "step", step.id)
    assert entry.changes == {"city": ["Rodez", "Millau"]}
    assert entry.at is not None and entry.at.tzinfo is not None


@pytest.mark.parametrize("rewrite", ["update", "delete"])
def test_audit_entries_cannot_be_changed_or_deleted_through_the_orm(rewrite):
    step = make_step()
    audit.record("step.edit", step, "Une action")
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry))
    if rewrite == "update":
        entry.summary = "Autre chose"
    else:
        db.session.delete(entry)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEntry.summary)) == "Une action"


def _one_entry() -> int:
    audit.record("step.edit", make_step(), "Une action")
    db.session.commit()
    return db.session.scalar(sa.select(AuditEntry.id))


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET summary = 'Réécrit' WHERE id = :id",
    "UPDATE audit_entry SET actor = 'quelqu.un@example.org', user_id = NULL WHERE id = :id",
    "DELETE FROM audit_entry WHERE id = :id",
])
def test_the_database_itself_refuses_to_rewrite_the_log(statement):
    entry_id = _one_entry()
    with pytest.raises(sa.exc.DatabaseError, match="ajout seul"):
        db.session.execute(sa.text(statement), {"id": entry_id})
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEntry.summary)) == "Une action"


def test_entry_survives_the_deletion_of_its_author():
    user = make_user(Role.ORGANISER, email="parti@ars.example")
    step = make_step()
    audit.record("step.edit", step, "Avant départ", user=user)
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == user.id))
    db.session.commit()
    entry = db.session.scalar(sa.select(AuditEntry))
    assert entry.user_id is None and entry.actor == "parti@ars.example"
    assert entry.summary == "Avant départ"


# ---------------------------------------------------------------------------- the viewer

PARIS_MIDNIGHT_18_NOV_2022 = datetime(2022, 11, 17, 23, 0, tzinfo=UTC)


def _entry(action="step.edit", actor="camille@ars.example", object_type="step", object_id=1,
           summary="Une action", at=PARIS_MIDNIGHT_18_NOV_2022, **kw) -> AuditEntry:
    entry = AuditEntry(action=action, actor=actor, object_type=object_type,
                       object_id=object_id, summary=summary, at=at, changes={}, **kw)
    db.session.add(entry)
    return entry


@pytest.fixture
def admin():
    return make_user(Role.ADMIN, email="admin@ars.example")


def _summaries(client, query: str = "") -> list[str]:
    response = client.get(f"/gestion/journal{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return re.findall(r"«(\w+)»", response.get_data(as_text=True))


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.MODERATOR])
@pytest.mark.parametrize("url", ["/gestion/journal", "/gestion/journal.csv"])
def test_only_admins_read_the_log(client, role, url):
    region = make_departement()
    _entry(summary="«secret»")
    db.session.commit()
    login_as(client, make_user(role, [region]))
    response = client.get(url)
    assert response.status_code == 403
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/gestion/journal", "/gestion/journal.csv"])
def test_anonymous_visitors_are_sent_to_login_from_the_log(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=")


def test_log_filters_by_actor_action_object_and_day(client, admin):
    day = PARIS_MIDNIGHT_18_NOV_2022
    _entry(summary="«veille»", actor="camille.martin@ars.example", at=day - timedelta(minutes=1))
    _entry(summary="«publication»", action="step.publish", at=day + timedelta(hours=2),
           object_id=2)
    _entry(summary="«matin»", actor="Camille.Martin@ars.example", at=day + timedelta(hours=9))
    _entry(summary="«autre»", actor="dominique@ars.example", object_type="contribution",
           object_id=1, at=day + timedelta(days=1, hours=3))
    db.session.commit()
    login_as(client, admin)
    assert _summaries(client, "?qui=MARTIN") == ["matin", "veille"]
    # The form as a browser sends it: every field, most of them empty.
    assert _summaries(client, "?qui=martin&action=&objet=&numero=&du=&au=") == [
        "matin", "veille"]
    assert _summaries(client, "?action=step.publish") == ["publication"]
    assert _summaries(client, "?objet=step&numero=1") == ["matin", "veille"]
    assert _summaries(client, "?objet=contribution") == ["autre"]
    # Days are Paris days (UTC+1 in November): « veille », at 23:59 Paris time on the 17th,
    # stays out of the 18th.
    assert _summaries(client, "?du=2022-11-18&au=18/11/2022") == ["matin", "publication"]
    assert _summaries(client, "?au=2022-11-17") == ["veille"]
    assert _summaries(client, "?qui=%25") == []  # a % typed is a character, not a wildcard


def test_filter_lists_offer_the_actions_and_objects_of_the_log(client, admin):
    _entry(action="registration.export", object_type="registration")
    db.session.commit()
    login_as(client, admin)
    html = client.get("/gestion/journal").get_data(as_text=True)
    assert '<option value="registration.export">registration.export</option>' in html
    assert '<option value="registration">Inscription</option>' in html


@pytest.mark.parametrize(("query", "field", "message"), [
    ("du=31/02/2022", "du", "Cette date n’est pas valide"),
    ("du=2022-11-20&au=2022-11-18", "au", "La date de fin doit être le même jour"),
    ("numero=douze", "numero", "nombre entier"),
    ("action=step.inventee", "action", "Choisissez une action de la liste"),
])
def test_wrong_filters_are_explained_in_french_and_kept(client, admin, query, field, message):
    _entry()
    db.session.commit()
    login_as(client, admin)
    response = client.get(f"/gestion/journal?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert f'aria-describedby="{field}-hint {field}-messages"' in html \
        or f'aria-describedby="{field}-messages"' in html
    typed = query.split(f"{field}=", 1)[1].split("&")[0]
    if field != "action":
        assert f'value="{typed}"' in html  # the form is shown again as typed
    assert "Aucune entrée" not in html


def test_log_pages_by_fifty_newest_first(client, admin):
    for number in range(1, 121):
        _entry(summary=f"«n{number}»", at=PARIS_MIDNIGHT_18_NOV_2022 + timedelta(minutes=number))
    db.session.commit()
    login_as(client, admin)
    first = client.get("/gestion/journal").get_data(as_text=True)
    assert "120 entrées" in first
    assert re.findall(r"«(\w+)»", first) == [f"n{n}" for n in range(120, 70, -1)]
    older = re.search(r'href="(/gestion/journal\?avant=\d+)"', first).group(1)
    second = client.get(older).get_data(as_text=True)
    assert re.findall(r"«(\w+)»", second) == [f"n{n}" for n in range(70, 20, -1)]
    last = client.get(re.search(r'href="(/gestion/journal\?avant=\d+)"', second).group(1))
    last_html = last.get_data(as_text=True)
    assert re.findall(r"«(\w+)»", last_html) == [f"n{n}" for n in range(20, 0, -1)]
    assert "avant=" not in last_html  # no page after the last
    newer = re.search(r'href="(/gestion/journal\?apres=\d+)"', last_html).group(1)
    assert re.findall(r"«(\w+)»", client.get(newer).get_data(as_text=True)) == \
        [f"n{n}" for n in range(70, 20, -1)]


@pytest.mark.parametrize("cursor", ["avant=99999999999999999999999", "apres=-1", "avant=x"])
def test_odd_paging_cursors_show_the_first_page(client, admin, cursor):
    _entry(summary="«seule»")
    db.session.commit()
    login_as(client, admin)
    assert _summaries(client, f"?{cursor}") == ["seule"]


def test_paging_links_keep_the_filters(client, admin):
    for number in range(120):
        _entry(summary=f"«p{number}»", action="step.publish" if number % 2 else "step.edit")
    db.session.commit()
    login_as(client, admin)
    html = client.get("/gestion/journal?action=step.publish").get_data(as_text=True)
    assert "60 entrées" in html
    link = re.search(r'href="(/gestion/journal\?[^"]*avant=\d+[^"]*)"', html).group(1)
    assert "action=step.publish" in link.replace("&amp;", "&")
    following = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert len(re.findall(r"«(\w+)»", following)) == 10


def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"),
                                       newline=""), delimiter=","))


def test_csv_export_holds_the_filtered_entries_safe_for_excel(client, admin):
    first = _entry(summary="=HYPERLINK(\"http://pirate.example\")")
    first.changes = {"city": ["Rodez", "Millau"]}
    _entry(summary="Ailleurs", actor="dominique@ars.example")
    db.session.commit()
    login_as(client, admin)
    response = client.get("/gestion/journal.csv?qui=camille")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="journal')
    header, *rows = _csv(response)
    assert header[:4] == ["Numéro d’entrée", "Date (heure de Paris)", "Qui", "Action"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Résumé"] == "'=HYPERLINK(\"http://pirate.example\")"
    assert row["Date (heure de Paris)"] == "18/11/2022 00:00:00"
    assert (row["Qui"], row["Type d’objet"], row["Numéro de l’objet"]) == (
        "camille@ars.example", "Étape", "1")
    assert row["Modifications"] == "city : Rodez → Millau"
    # Reading the log in bulk is itself logged.
    exported = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "audit.export"))
    assert exported.actor == "admin@ars.example" and "qui = camille" in exported.summary


def test_csv_export_for_french_excel_uses_semicolons(client, admin):
    _entry(summary="Un; deux")
    db.session.commit()
    login_as(client, admin)
    body = client.get("/gestion/journal.csv?separateur=point-virgule").get_data().decode(
        "utf-8-sig")
    header, row = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    assert row[header.index("Résumé")] == "Un; deux"


def test_csv_export_refuses_wrong_filters(client, admin):
    login_as(client, admin)
    response = client.get("/gestion/journal.csv?du=hier")
    assert response.status_code == 400
    assert "Cette date n’est pas valide" in response.get_data(as_text=True)


def test_entries_about_personal_data_in_general_show_no_object_number(client, admin):
    from app.privacy.services import record_privacy_event

    record_privacy_event("privacy.purge", "3 inscription(s) anonymisée(s)")
    db.session.commit()
    login_as(client, admin)
    html = client.get("/gestion/journal").get_data(as_text=True)
    assert "Données personnelles" in html and "3 inscription(s) anonymisée(s)" in html
    assert "n° None" not in html
