"""What a mail looks like on the wire: the Subject survives folding, the text and HTML bodies
say the same thing with the same links, the invitation and the check-in code are attached."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

import icalendar
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import mail
from app.mail_html import parse_text
from tests.helpers import post_form
from tests.registrations.helpers import form, open_step

LOZERE = "Concertation CNR santé — Lozère"
PARSER = BytesParser(policy=default_policy)


def wire(message: EmailMessage) -> bytes:
    """The bytes the SMTP server receives (what ``mail.queue`` stores)."""
    return message.as_bytes(policy=mail.MAIL_POLICY)


def header_lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


@pytest.mark.parametrize("subject", [
    f"Invitation presse : {LOZERE}",
    f"Inscription confirmée : {LOZERE}",
    "Changement de date, d’horaire ou de lieu : Installation de la conférence de territoire "
    "— Tarn-et-Garonne",
    "Étape remplie à 80 % : Concertation CNR santé — Hautes-Pyrénées (réunion élargie aux "
    "élus, aux usagers et aux professionnels de santé du département)",
    "Gérer votre accréditation presse",
])
def test_a_long_subject_with_accents_and_a_dash_is_read_back_intact(subject):
    raw = wire(mail.compose("a@example.org", subject, "Bonjour"))
    assert PARSER.parsebytes(raw)["Subject"] == subject
    # Folded as RFC 5322 asks, each line within 78 characters.
    assert max(len(line) for line in header_lines(raw)) <= 78


def test_the_lozere_subject_keeps_the_space_after_the_dash():
    raw = wire(mail.compose("a@example.org", f"Invitation presse : {LOZERE}", "Bonjour"))
    assert "santé — Lozère" in PARSER.parsebytes(raw)["Subject"]
    assert "—Lozère" not in PARSER.parsebytes(raw)["Subject"]


WORDS = st.sampled_from(["santé", "—", "Lozère", "Invitation", "presse", ":", "d’horaire",
                         "«", "»", "(rappel)", "Tarn-et-Garonne", "é", "CNR", "80 %",
                         "ééééééééééééééééééééé", "x" * 70, "Œuvre", "l’étape"])


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(WORDS, min_size=1, max_size=25))
def test_any_subject_of_french_words_is_read_back_intact(words):
    subject = " ".join(words)
    raw = wire(mail.compose("a@example.org", subject, "Bonjour"))
    assert PARSER.parsebytes(raw)["Subject"] == subject


def test_text_is_parsed_into_paragraphs_lists_fields_and_labelled_links():
    blocks, signature = parse_text(
        "Bonjour Camille,\n\nVous suivez :\n- Lozère : vendredi 4 novembre 2022\n- Aude\n\n"
        "Quand : vendredi 4 novembre 2022\nOù : Mende\n\n"
        "Toutes les informations sur l’étape : https://concerto.example/etapes/3\n"
        "Voir https://concerto.example/a, puis revenir.\n\n--\nARS Occitanie\n")
    assert [block.kind for block in blocks] == ["p", "p", "ul", "p", "p", "p"]
    assert [line.label for line in blocks[3].lines] == ["Quand", "Où"]
    [labelled], [inline] = blocks[4].lines, blocks[5].lines  # a link line stands apart
    [link] = labelled.segments
    assert (link.text, link.url, link.show_url) == ("Toutes les informations sur l’étape",
                                                    "https://concerto.example/etapes/3", True)
    assert [(s.text, s.url) for s in inline.segments] == [
        ("Voir ", ""), ("https://concerto.example/a", "https://concerto.example/a"),
        (", puis revenir.", "")]
    assert signature == ["ARS Occitanie"]


@pytest.fixture
def before_the_step(app):
    app.config["CONCERTO_NOW"] = "2022-11-03T12:00"


def received_registration_mail(client, smtp, **overrides) -> tuple[EmailMessage, object]:
    step = open_step(title=LOZERE)
    response = post_form(client, f"/etapes/{step.id}/inscription", form(step, **overrides),
                         token_from="/connexion")
    assert response.status_code == 302
    [message] = smtp.to("camille.durand@example.org")
    return message, step


def test_registration_mail_has_text_html_invitation_and_code(client, smtp, before_the_step):
    message, step = received_registration_mail(client, smtp)
    assert message["Subject"] == f"Inscription confirmée : {LOZERE}"
    step_url = f"http://localhost/etapes/{step.id}"

    text = message.get_body(preferencelist=("plain",))
    assert step_url in text.get_content() and LOZERE in text.get_content()

    html_part = message.get_body(preferencelist=("html",))
    assert html_part.get_content_type() == "text/html"
    alternative = next(p for p in message.walk()
                       if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain", "text/html", "text/calendar"]
    document = lxml.html.fromstring(html_part.get_content())
    assert document.get("lang") == "fr"
    assert LOZERE in document.findtext(".//h1")
    links = {a.get("href"): a.text_content() for a in document.iter("a")}
    assert links[step_url] == "Toutes les informations sur l’étape"
    assert any("/inscriptions/" in href for href in links)
    assert document.xpath("//img") == []  # no remote (nor any) image
    assert "<img" not in html_part.get_content()

    [ics] = [p for p in message.iter_attachments() if p.get_filename() == "invitation.ics"]
    assert ics.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
    assert str(calendar["method"]) == "REQUEST"
    assert str(calendar.walk("VEVENT")[0]["summary"]) == LOZERE
    alternative_ics = [p for p in message.walk() if p.get_content_type() == "text/calendar"
                       and p.get_filename() is None]
    assert [p.get_param("method") for p in alternative_ics] == ["REQUEST"]

    [code] = [p for p in message.iter_attachments() if p.get_filename() == "code-accueil.png"]
    assert code.get_content_type() == "image/png"
    assert code.get_payload(decode=True).startswith(b"\x89PNG")


def test_the_html_part_escapes_what_people_typed(client, smtp, before_the_step):
    message, _ = received_registration_mail(client, smtp,
                                            first_name="<b onmouseover=x>Camille</b>")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b onmouseover=x&gt;Camille&lt;/b&gt;" in html
    document = lxml.html.fromstring(html)
    assert document.xpath("//b") == [] and document.xpath("//*[@onmouseover]") == []
