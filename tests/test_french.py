"""French labels of dates and times: a time a person reads is in Paris time."""

from __future__ import annotations

from datetime import UTC, datetime

from app.french import datetime_label


def test_an_aware_time_is_read_in_paris_time_winter_and_summer():
    assert datetime_label(datetime(2022, 11, 3, 11, 0, tzinfo=UTC)) == \
        "jeudi 3 novembre 2022 à 12 h"
    assert datetime_label(datetime(2022, 7, 1, 8, 30, tzinfo=UTC)) == \
        "vendredi 1er juillet 2022 à 10 h 30"


def test_a_naive_time_is_taken_as_already_local():
    assert datetime_label(datetime(2022, 11, 3, 11, 0)) == "jeudi 3 novembre 2022 à 11 h"
