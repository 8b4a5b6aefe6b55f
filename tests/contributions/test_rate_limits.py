"""Abuse limits on submissions and supports: per IP, per email, and shared between processes
through Redis."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from app.extensions import db
from tests.contributions.support import add, all_contributions, contribution_form
from tests.helpers import post_form


def submit(client, world, number: int, email: str = "auteur@example.org"):
    return post_form(client, "/demarches/cnr/contribuer",
                     contribution_form(world, submission_key=f"k-{number}", email=email))


def test_submissions_are_limited_per_ip_with_a_french_message(app, client, world):
    app.config["CONTRIBUTION_LIMIT_PER_IP"] = "3 per hour"
    for number in range(3):
        assert submit(client, world, number, email=f"p{number}@example.org").status_code == 302
    response = submit(client, world, 3, email="p3@example.org")
    assert response.status_code == 429
    assert "Vous avez envoyé trop de demandes" in response.get_data(as_text=True)
    assert len(all_contributions()) == 3
    other_address = post_form(client, "/demarches/cnr/contribuer",
                              contribution_form(world, submission_key="k-9", email=""),
                              environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 302


def test_submissions_are_limited_per_email(app, client, world):
    app.config["CONTRIBUTION_LIMIT_PER_EMAIL"] = "2 per hour"
    assert submit(client, world, 1).status_code == 302
    assert submit(client, world, 2, email=" Auteur@Example.org ").status_code == 302
    assert submit(client, world, 3).status_code == 429
    assert submit(client, world, 4, email="autre@example.org").status_code == 302
    assert submit(client, world, 5, email="").status_code == 302  # no address, no email limit
    assert len(all_contributions()) == 4


def test_supports_are_limited_per_ip(app, client, world):
    app.config["SUPPORT_LIMIT_PER_IP"] = "2 per hour"
    proposals = [add(world, f"Proposition {number}") for number in range(3)]
    codes = [post_form(client, f"/contributions/{p.id}/soutenir", {},
                       token_from="/demarches/cnr/contributions").status_code
             for p in proposals]
    assert codes == [302, 302, 429]
    db.session.expire_all()
    assert [p.support_count for p in proposals] == [1, 1, 0]


SERVER = """
import sys
from werkzeug.serving import make_server
from app import create_app
app = create_app("testing", {
    "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_STORAGE_URI": sys.argv[2],
    "RATELIMIT_KEY_PREFIX": sys.argv[3], "CONTRIBUTION_LIMIT_PER_IP": "3 per hour",
    "WTF_CSRF_ENABLED": False})
make_server("127.0.0.1", int(sys.argv[4]), app, threaded=True).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server on port {port} did not start")


def _post(port: int) -> int:
    data = urllib.parse.urlencode({"body": ""}).encode()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/demarches/cnr/contribuer",
                                    data=data, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _statuses_across_two_processes(app, storage: str) -> list[int]:
    """POST an (invalid) contribution 8 times, alternating between two app processes."""
    prefix, ports = f"test-{uuid.uuid4().hex}", [_free_port(), _free_port()]
    servers = [subprocess.Popen([sys.executable, "-c", SERVER,
                                 app.config["SQLALCHEMY_DATABASE_URI"], storage, prefix,
                                 str(port)], env={**os.environ, "PYTHONPATH": os.getcwd()})
               for port in ports]
    try:
        for port in ports:
            _wait_for(port)
        return [_post(ports[number % 2]) for number in range(8)]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


@pytest.mark.skipif(not os.environ.get("REDIS_URL") and os.environ.get("CI") != "true",
                    reason="needs REDIS_URL (CI sets it)")
def test_limits_are_shared_between_processes_through_redis(app, world):
    shared = _statuses_across_two_processes(app, os.environ.get("REDIS_URL",
                                                                "redis://127.0.0.1:6379/0"))
    assert shared == [200, 200, 200, 429, 429, 429, 429, 429]
    # Without Redis each process counts alone: twice as many get through.
    alone = _statuses_across_two_processes(app, "memory://")
    assert alone == [200] * 6 + [429, 429]
