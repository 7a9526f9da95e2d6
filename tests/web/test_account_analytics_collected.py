"""The analytics page over figures the collection job really stored: a production account connected to
the built-in sandbox over HTTP, backfilled by publishing/services/analytics_collection.py, then read by
the page: its totals are the stored days' sums, its charts draw them, its top pins are the account's
pins, and the run it shows is the backfill that succeeded."""

import re
from datetime import timedelta

import pytest
from django.db.models import Sum

from publishing.models import AccountDailyMetric, AnalyticsCollectionRun, PinDailyMetric
from publishing.services.analytics_collection import collect_account, pinterest_today
from tests.services.analytics.conftest import (  # noqa: F401 - fixtures by name
    noon,
    production_account,
    production_pinterest,
    production_workspace,
    published_pin,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_page_shows_what_the_collection_stored(cast, client, production_account,  # noqa: F811
                                                   production_workspace):  # noqa: F811
    pins = [published_pin(production_account, days_ago=days) for days in (3, 12)]
    run = collect_account(production_account, kind=AnalyticsCollectionRun.Kind.BACKFILL)
    assert run.outcome == AnalyticsCollectionRun.Outcome.SUCCEEDED
    client.force_login(cast.viewer)
    client.post("/app/workspace/switch", {"workspace": str(production_workspace.public_id), "next": "/app/"})

    html = client.get(f"/app/accounts/{production_account.public_id}/analytics?days=30").content.decode()

    today = pinterest_today()  # noon UTC: the same date in Paris, the team's zone
    stored = AccountDailyMetric.objects.filter(account=production_account, date__gt=today - timedelta(days=30))
    impressions = stored.aggregate(total=Sum("impressions"))["total"]
    assert impressions > 0
    assert f"<dt>Impressions</dt><dd>{impressions:,}</dd>" in html
    chart = html.split('id="chart-impression"')[1].split("</svg>")[0]
    assert chart.count("<rect") == stored.filter(impressions__gt=0).count()
    linked = re.findall(r'<a href="/app/pins/([0-9a-f-]{36})/">', html)
    assert sorted(linked) == sorted(str(pin.public_id) for pin in pins)
    top = PinDailyMetric.objects.filter(pin=pins[1]).aggregate(total=Sum("impressions"))["total"]
    assert f'<td data-label="Impressions">{top:,}</td>' in html
    assert "backfill on connect, <strong>succeeded</strong>" in html
