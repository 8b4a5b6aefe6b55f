"""The Flask class Concerto runs on keeps Flask's behaviour while skipping per-request work."""

import functools

from app.flask_app import ConcertoFlask
from tests.contributions.test_rate_limits import submit


def test_plain_functions_and_methods_are_run_as_they_are():
    app = ConcertoFlask(__name__)

    def view() -> str:
        return "ok"

    class Hooks:
        def after(self, response):
            return response

    hooks = Hooks()
    assert app.ensure_sync(view) is view
    assert app.ensure_sync(hooks.after) == hooks.after


def test_coroutine_functions_and_partials_still_go_through_flask():
    app = ConcertoFlask(__name__)

    async def view() -> str:
        return "ok"

    try:
        wrapped = app.ensure_sync(view)
    except RuntimeError as error:  # Flask without its "async" extra says so
        assert "async" in str(error)
    else:
        assert wrapped is not view and wrapped() == "ok"
    partial = functools.partial(lambda value: value, 3)
    assert app.ensure_sync(partial) is partial


def test_an_anonymous_request_gets_no_session_cookie_and_a_signed_in_one_keeps_its_own(
        app, client):
    answer = client.get("/connexion")
    assert answer.status_code == 200
    with client.session_transaction() as session:
        session["probe"] = "valeur"
    with client.session_transaction() as session:
        assert session["probe"] == "valeur"
    anonymous = app.test_client().get("/")
    assert "Set-Cookie" not in anonymous.headers


def test_limited_writes_still_pass_through_every_hook_of_the_limiter(app, client, world):
    """Its hooks are skipped for reading requests only: a POST is counted, refused past its
    limit and told its quota in the headers (the after-request hook)."""
    app.config["CONTRIBUTION_LIMIT_PER_IP"] = "1 per hour"
    first = submit(client, world, 1)
    assert first.status_code == 302 and "X-RateLimit-Remaining" in first.headers
    assert submit(client, world, 2).status_code == 429
    assert "X-RateLimit-Remaining" not in client.get("/demarches/cnr/contribuer").headers
