"""The API fuzzed against its own OpenAPI document (schemathesis): every generated request gets
an answer that matches the document (status, content type, JSON schema), never a server
error."""

import os

import schemathesis
from hypothesis import HealthCheck, given, settings

from app.contributions.models import AnswerState, ContributionKind
from tests.contributions.support import add
from tests.factories import make_step

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))


def test_the_api_matches_its_openapi_document(app, world):
    make_step(world["campaign"], world["aveyron"])
    add(world, "Une proposition <b>publiée</b> 🩺", answer_state=AnswerState.STUDYING,
        answer="À l’étude.", pseudonym="Lou")
    add(world, "Un témoignage", kind=ContributionKind.TESTIMONY, territory="ariege")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate()

        call()
