"""Stored analytics for the chart pages' tests (web and e2e): rows written straight into the tables
the collection job fills (publishing.models.analytics), with figures a test can add up by hand.

The account's figures on day ``n`` of the seeded range (0 = its first day): impressions 100 + 10n,
saves 5 + n, pin clicks 2n, outbound clicks n (n = 3 is left out: a day Pinterest reported nothing).
Each pin ``k`` (1-based) has ``k * 100`` impressions and ``k`` saves on each seeded day."""

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from publishing.models import AccountDailyMetric, AnalyticsCollectionRun, PinDailyMetric, PinterestAccount
from tests.web.helpers import bulk_pins

MISSING_DAY = 3


def account_figures(n: int) -> dict[str, int]:
    return {"impressions": 100 + 10 * n, "saves": 5 + n, "pin_clicks": 2 * n, "outbound_clicks": n}


def seed_account_days(account: PinterestAccount, first: date, days: int, *, status: str = "READY") -> None:
    AccountDailyMetric.objects.bulk_create([
        AccountDailyMetric(account=account, date=first + timedelta(days=n), data_status=status,
                           collected_at=timezone.now(), **account_figures(n))
        for n in range(days) if n != MISSING_DAY])


def seed_pin_figures(pin, first: date, days: int, *, k: int = 1) -> None:
    """``k * 100`` impressions, ``k`` saves and pin clicks a day for ``days`` days from ``first``."""
    PinDailyMetric.objects.bulk_create([
        PinDailyMetric(pin=pin, account=pin.account, date=first + timedelta(days=n), impressions=k * 100, saves=k,
                       pin_clicks=k, outbound_clicks=0, data_status="READY", collected_at=timezone.now())
        for n in range(days)])


def seed_pins(account: PinterestAccount, board, first: date, days: int, count: int, *, titles=None) -> list:
    """``count`` published pins of ``account``, pin k with k*100 impressions and k saves a day."""
    pins = bulk_pins(account.workspace, account, board, count, published_at=timezone.now())
    for k, pin in enumerate(pins, start=1):
        if titles:
            pin.title = titles[k - 1]
            pin.save(update_fields=["title"])
        seed_pin_figures(pin, first, days, k=k)
    return pins


def record_run(account: PinterestAccount, *, outcome=AnalyticsCollectionRun.Outcome.SUCCEEDED, error="",
               at: datetime | None = None) -> AnalyticsCollectionRun:
    at = at or timezone.now()
    return AnalyticsCollectionRun.objects.create(
        account=account, kind=AnalyticsCollectionRun.Kind.DAILY, outcome=outcome, error=error,
        start_date=at.astimezone(UTC).date() - timedelta(days=2), end_date=at.astimezone(UTC).date(), calls=3,
        started_at=at - timedelta(minutes=1), finished_at=at)
