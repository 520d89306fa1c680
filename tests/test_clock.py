"""The replay clock: what the demo uses to replay the province's 2025 with the services."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from motcua.models import replaying, utcnow


def test_inside_a_replay_now_is_the_replayed_moment_and_after_it_the_real_clock():
    moment = datetime(2025, 7, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with replaying(moment):
        assert utcnow() == moment and utcnow().tzinfo == UTC
        with replaying(moment + timedelta(hours=8)):
            assert utcnow() == moment + timedelta(hours=8)
        assert utcnow() == moment
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        with replaying(datetime(2025, 7, 1)):
            pass
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
