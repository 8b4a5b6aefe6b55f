"""Fixtures of the job tests."""

from __future__ import annotations

import pytest

from tests.jobs.queues import private_queue


@pytest.fixture
def rq_mode(app):
    """The app queues its jobs in Redis, on a queue of this test's own (its name)."""
    with private_queue(app) as name:
        yield name
