"""What collection costs at Pinterest, per account per day, measured over a simulated week of daily
runs against the sandbox (after 90 days of history and the backfill), and held to the formula
``1 + N30 + (pins published 31-90 days ago whose weekday it is)``, about ``1 + N30 + N31_90 / 7``.

The suite checks the formula on two daily runs of a small account; the week-long measurements (one pin a
day: 360 calls; a hundred pins a week: about 1,300 pins and 5,200 calls) run with ANALYTICS_MEASURE=1:
    ANALYTICS_MEASURE=1 .venv/bin/pytest tests/services/analytics/test_calls_per_day.py -s -p no:randomly
"""

import math
import os
from datetime import timedelta
from statistics import mean

import pytest

from publishing.models import AnalyticsCollectionRun, Pin
from publishing.services import analytics_collection as collection
from publishing.services.analytics_collection import collect_account, pinterest_today
from tests.services.analytics.conftest import published_pin

pytestmark = pytest.mark.django_db(transaction=True)


def expected_calls(account) -> int:
    today = pinterest_today()
    n30 = n_weekly = 0
    for pin in Pin.objects.filter(account=account):
        age = (today - pin.published_at.date()).days
        if age < collection.DAILY_PIN_DAYS:
            n30 += 1
        elif age <= collection.FOLLOW_PIN_DAYS and pin.pk % 7 == today.toordinal() % 7:
            n_weekly += 1
    return 1 + n30 + n_weekly


def simulate(account, noon, pins_per_day: float, *, days: int = 7) -> list[int]:
    """90 days of history at ``pins_per_day``, the backfill, then ``days`` daily runs (each day's pins
    published in the morning). The calls of each daily run, each checked against the formula."""
    for day in range(90, 0, -1):
        for _ in range(math.floor((91 - day) * pins_per_day) - math.floor((90 - day) * pins_per_day)):
            published_pin(account, days_ago=day)
    backfill = collect_account(account, kind=AnalyticsCollectionRun.Kind.BACKFILL)
    assert backfill.outcome == AnalyticsCollectionRun.Outcome.SUCCEEDED
    calls = []
    for day in range(days):
        noon.shift(timedelta(days=1))
        for _ in range(math.floor((91 + day) * pins_per_day) - math.floor((90 + day) * pins_per_day)):
            published_pin(account, days_ago=0.1)
        run = collect_account(account)
        assert run.outcome == AnalyticsCollectionRun.Outcome.SUCCEEDED, run.error
        assert run.calls == expected_calls(account)
        calls.append(run.calls)
    print(f"\n{pins_per_day:.2f} pins/day: backfill {backfill.calls} calls; daily runs {calls}, "
          f"mean {mean(calls):.1f} calls/day")
    return calls


@pytest.fixture
def unhurried(monkeypatch, settings):
    """No time slices and a generous analytics budget: the cost of collection alone."""
    monkeypatch.setattr(collection, "RUN_SECONDS", 3600.0)
    settings.SANDBOX_ANALYTICS_RATE_LIMIT_PER_MINUTE = 100_000


def test_each_daily_run_costs_what_the_formula_says(production_account, noon, unhurried):
    simulate(production_account, noon, 0.5, days=2)


measurement = pytest.mark.skipif(not os.environ.get("ANALYTICS_MEASURE"), reason="a measurement: ANALYTICS_MEASURE=1")


@measurement
def test_one_pin_a_day_costs_about_40_calls_a_day(production_account, noon, unhurried):
    calls = simulate(production_account, noon, 1)
    assert 35 <= mean(calls) <= 45  # 1 + 30 + 60 / 7 = 39.6


@measurement
def test_a_hundred_pins_a_week_costs_about_550_calls_a_day(production_account, noon, unhurried):
    calls = simulate(production_account, noon, 100 / 7)
    assert 500 <= mean(calls) <= 600  # 1 + 428.6 + 857.1 / 7 = 552
