"""Where a registration POST's time goes, in this process (``bench.registrations --profile``):
its SQL statements and COMMITs, then a pyinstrument profile of 200 POSTs if it is installed."""

from __future__ import annotations

import os
import sys
import time

from bench.bench import ROOT
from bench.registrations import TOKEN, app_env


def profile(step: int, departement: str, posts: int = 200) -> None:
    """The POST in this process: its statements, then where its time goes."""
    os.environ.update(app_env())
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from tests.helpers import count_queries

    app = create_app()
    client = app.test_client()
    token = TOKEN.search(client.get("/connexion").get_data(as_text=True)).group(1)
    path = f"/etapes/{step}/inscription"
    # The test client speaks https (PREFERRED_URL_SCHEME): Flask-WTF then wants a referrer.
    headers = {"Referer": f"https://localhost{path}"}

    def post(number: int) -> None:
        answer = client.post(path, headers=headers, data={
            "csrf_token": token, "first_name": "Camille", "last_name": "Profil",
            "email": f"profil.{number}@bench.example", "departement_id": departement,
            "category": "citoyens", "workshop_id": "", "consent": "y"})
        assert answer.status_code == 302, answer.status_code

    post(0)
    commits = []
    with app.app_context():
        sa.event.listen(db.engine, "commit", lambda _connection: commits.append(1))
        with count_queries() as statements:
            post(1)
    print(f"\nUn POST d’inscription : {len(statements)} requêtes SQL, {len(commits)} COMMIT")
    for statement in statements:
        print("  ", " ".join(statement.split())[:110])
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("(pip install pyinstrument pour le profil)")
        return
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for number in range(2, posts + 2):
            post(number)
    print(f"{posts} POST en {time.perf_counter() - started:.1f} s dans ce processus")
    print(profiler.output_text(unicode=True, color=False))
