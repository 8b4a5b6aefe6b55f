"""Fixtures shared by the fault tests (tests/operations/faults.py)."""

from tests.operations.faults import database_behind_a_proxy  # noqa: F401 (a fixture)
