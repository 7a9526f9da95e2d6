"""``source=live`` (and ``auto`` without stored figures) in a production workspace whose Pinterest is the
built-in sandbox over real HTTP: the official SDK reads Pinterest's figures through the server, Pinterest's
failures answer as for every other call to Pinterest (502, 429, 409 reconnect), never a 500. Run on
PostgreSQL too."""

from datetime import timedelta

import pytest
from pinbridge_sdk import PinbridgeClient
from pinbridge_sdk.errors import APIError

from pinterest_sandbox import faults
from publishing.access import Actor
from publishing.services.analytics_collection import collect_account, pinterest_today
from publishing.services.keys import api_key_create
from tests.api.conftest import http
from tests.services.analytics import conftest as analytics_fixtures
from tests.services.analytics.conftest import published_pin

pytestmark = pytest.mark.django_db(transaction=True)

noon = analytics_fixtures.noon
production_pinterest = analytics_fixtures.production_pinterest
production_workspace = analytics_fixtures.production_workspace
production_account = analytics_fixtures.production_account


@pytest.fixture
def key(production_workspace) -> str:
    return api_key_create(actor=Actor.system(production_workspace, job="test"), name="analytics",
                          scopes=["read"]).plaintext


@pytest.fixture
def client(production_pinterest, key):
    with PinbridgeClient(base_url=production_pinterest, api_key=key, timeout=30) as sdk:
        yield sdk


def test_the_sdk_reads_live_figures_and_stored_ones_once_collected(client, production_account):
    pin = published_pin(production_account, days_ago=10)
    today = pinterest_today()
    live = client.pins.analytics(pin.public_id, start_date=today - timedelta(days=9), end_date=today)
    assert (live.provider_mode.value, live.source, live.history_start) == ("pinterest", "live", None)
    assert len(live.daily) == 10 and live.totals["impression"] > 0  # the sandbox's figures grow after publishing
    assert live.totals["impression"] == sum(day.metrics["impression"] or 0 for day in live.daily)
    account = client.pinterest.account_analytics(production_account.public_id, source="live", metrics="save")
    assert account.source == "live" and set(account.totals) == {"save"} and len(account.daily) == 30

    collect_account(production_account)  # the collection stores the same figures: auto now reads them
    stored = client.pins.analytics(pin.public_id, start_date=today - timedelta(days=9), end_date=today)
    assert stored.source == "stored" and stored.history_start is not None
    assert stored.totals == live.totals


def test_pinterest_failures_answer_as_elsewhere_never_500(production_pinterest, key, production_account):
    pin = published_pin(production_account, days_ago=5)
    headers = {"X-API-Key": key}
    path = f"/v1/pins/{pin.public_id}/analytics?source=live"
    faults.server_error(endpoint="pins.analytics")
    down = http(production_pinterest, "GET", path, headers=headers)
    assert (down.status_code, down.json()["detail"]["code"]) == (502, "pinterest_unavailable"), down.text
    faults.rate_limit_burst(endpoint="user_account.analytics", reset_seconds=60)
    limited = http(production_pinterest, "GET", f"/v1/pinterest/accounts/{production_account.public_id}/analytics"
                                                "?source=live", headers=headers)
    assert limited.status_code == 429, limited.text
    faults.revoke_token(username=production_account.username)
    revoked = http(production_pinterest, "GET", path, headers=headers)
    assert revoked.status_code == 409, revoked.text


def test_a_live_range_beyond_pinterests_90_days_is_a_422_naming_start_date(client, production_account):
    with pytest.raises(APIError) as refused:
        client.pinterest.account_analytics(production_account.public_id, source="live",
                                           start_date="2026-07-01", end_date="2026-07-31")
    assert refused.value.status_code == 422
    assert refused.value.response.json()["error"]["errors"][0]["field"] == "start_date"
