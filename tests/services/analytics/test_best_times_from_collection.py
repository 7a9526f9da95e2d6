"""Best times learned end to end: an audience planted in the sandbox (pins posted on Tuesday at 19:00
in Paris get 5x the engagement), collected over real HTTP by the production code path, then found by
publishing.services.best_times, across the end of summer time (25 October 2026) in Europe/Paris.
A new account, connected the same way, has not enough data and says so."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from pinterest_sandbox.seed import sandbox_pin_engagement_set
from publishing.access import Actor
from publishing.models import AnalyticsCollectionRun, Pin, PinDailyMetric, PinterestAccount
from publishing.services.analytics_collection import collect_account
from publishing.services.best_times import best_times
from tests.best_times_seed import local
from tests.services.analytics.conftest import published_pin

PLANTED = (1, 19)  # Tuesday 19:00, Paris
ORDINARY = [(0, 9), (2, 12), (3, 19), (4, 8)]


def published_at(account: PinterestAccount, at: datetime, *, factor: float = 1.0) -> Pin:
    """A published pin whose sandbox audience engages ``factor`` times as much as with an ordinary pin."""
    pin = published_pin(account, at=at)
    sandbox_pin_engagement_set(pinterest_id=pin.pinterest_pin_id, factor=factor)
    return pin


def test_the_hour_planted_in_the_sandbox_is_collected_and_suggested(production_account, cast):
    workspace = production_account.workspace
    workspace.timezone = "Europe/Paris"
    workspace.save(update_fields=["timezone"])
    # "Now" is Monday 30 November 2026, noon UTC: five weeks of pins, 12 October to 13 November, all
    # with their first 7 days over; the first two weeks are still summer time (19:00 Paris = 17:00 UTC).
    for week in range(5):
        monday = date(2026, 10, 12) + timedelta(weeks=week)
        for weekday, hour in [PLANTED, *ORDINARY]:
            at = local(monday + timedelta(days=weekday), hour)
            published_at(production_account, at, factor=5.0 if (weekday, hour) == PLANTED else 1.0)

    run = collect_account(production_account, kind=AnalyticsCollectionRun.Kind.BACKFILL)

    assert run is not None and run.outcome == AnalyticsCollectionRun.Outcome.SUCCEEDED, run and run.error
    assert run.pins_collected == 25 and run.calls == 26  # the account, then each pin once
    assert PinDailyMetric.objects.filter(account=production_account, data_status="READY").count() > 25 * 7
    found = best_times(actor=Actor.for_user(cast.admin, workspace), account=production_account)
    assert found.enough_data, found.missing
    assert found.pins_counted == 25
    best = found.suggestions[0]
    assert (best.weekday, best.hour, best.pins) == (*PLANTED, 5)
    assert best.lift > 1.2  # 5x engagement, after the 90th-percentile cap and the shrinkage toward the average
    shown, rest = best.evidence.removeprefix("Tue 19:00: ").split("×", 1)
    # Within half a tenth of the lift, in decimals: as floats, 1.6 - 1.55 is 0.050000000000000044.
    assert abs(Decimal(shown) - Decimal(str(best.lift))) <= Decimal("0.05")
    assert rest == " the average saves over 8 weeks (5 pins)"


def test_a_new_account_collected_from_the_sandbox_has_not_enough_data(production_account, cast):
    published_at(production_account, local(date(2026, 11, 17), 19))

    run = collect_account(production_account, kind=AnalyticsCollectionRun.Kind.BACKFILL)

    assert run is not None and run.outcome == AnalyticsCollectionRun.Outcome.SUCCEEDED
    found = best_times(actor=Actor.for_user(cast.admin, production_account.workspace), account=production_account)
    assert not found.enough_data and found.suggestions == []
    assert found.missing.startswith("1 of 20 pins with 7 days of figures")
