"""/v1/dashboard/summary and /v1/rate-meter through the SDK."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from pinbridge_sdk.errors import AuthenticationError, NotFoundError, ValidationError

from publishing.models import Pin, PinStatus
from tests.api.conftest import pin_create
from tests.conftest import at_every_clock

pytestmark = pytest.mark.django_db(transaction=True)


@at_every_clock
def test_summary_counts_outcomes_in_the_range(clock, client, account, board):
    published, failed, waiting = (client.pins.create(pin_create(account, board, idempotency_key=k))
                                  for k in ("p", "f", "w"))
    now = timezone.now()
    Pin.objects.filter(public_id=published.id).update(status=PinStatus.PUBLISHED, published_at=now)
    Pin.objects.filter(public_id=failed.id).update(status=PinStatus.FAILED, failed_at=now)
    summary = client.dashboard.summary(tz="Europe/Paris")
    assert summary.granularity.value == "day" and summary.timezone == "Europe/Paris" and len(summary.series) >= 30
    assert summary.pins.by_status["published"] == summary.pins.by_status["failed"] == 1
    assert summary.pins.submitted == 3 and summary.pins.total == 3 and summary.pins.success_rate == 0.5
    assert summary.queue.queued == 1 and summary.previous_pins.total == 0
    assert summary.published_by_account[0].account_id == account.public_id
    assert sum(point.created for point in summary.series) == 3
    hourly = client.dashboard.summary(start=datetime.now(UTC) - timedelta(hours=6), end=datetime.now(UTC),
                                      account_id=account.public_id)
    assert hourly.granularity.value == "hour" and hourly.import_jobs is None and len(hourly.series) in (6, 7)


def test_summary_refuses_a_bad_range_or_zone(client):
    with pytest.raises(ValidationError):
        client.dashboard.summary(start="2020-01-01T00:00:00", end="2026-01-01T00:00:00")
    with pytest.raises(ValidationError) as zone:
        client.dashboard.summary(tz="Mars/Olympus")
    assert zone.value.code == "invalid_timezone"


def test_rate_meter_shows_both_buckets(client, account):
    meter = client.rate_meter.get(account.public_id)
    assert meter.account.account_id == str(account.public_id) and meter.account.capacity > 0
    assert meter.global_.capacity >= meter.account.capacity and meter.global_.refill_rate > 0


def test_denials(sdk, outsider_client, account):
    with pytest.raises(AuthenticationError):
        sdk().dashboard.summary()
    with pytest.raises(NotFoundError):
        outsider_client.rate_meter.get(account.public_id)
    assert outsider_client.dashboard.summary().pins.total == 0
