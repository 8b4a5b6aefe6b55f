"""Documents prepared by a worker, as a person gets them: click the button (a POST), land on the
document's page, click « Télécharger ». Jobs run as soon as the request commits in the tests
(JOBS_MODE=eager), so the page already says it is ready."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import post_form

DOWNLOAD = re.compile(r'href="(/gestion/documents/[0-9a-f]{32}/fichier)"')


def ask(client: FlaskClient, url: str, token_from: str) -> str:
    """POST the button; the address of the document's page."""
    response = post_form(client, url, {}, token_from=token_from)
    assert response.status_code == 302, response.status_code
    assert re.fullmatch(r"/gestion/documents/[0-9a-f]{32}", response.location)
    return response.location


def download(client: FlaskClient, url: str, token_from: str) -> TestResponse:
    page = client.get(ask(client, url, token_from))
    assert page.status_code == 200
    link = DOWNLOAD.search(page.get_data(as_text=True))
    assert link, page.get_data(as_text=True)
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    return response
