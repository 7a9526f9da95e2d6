"""The overview's rate meter: the same buckets /v1/rate-meter reports, read in a constant number of queries."""

import re

import pytest

from publishing.models import PinterestAccount
from publishing.services.pacing import pacing_meter, pacing_take
from tests.web.helpers import queries_to_render


def meter_row(html: str, key: str) -> str:
    match = re.search(rf'<tr id="rate-{key}">.*?</tr>', html, re.S)
    assert match, key
    return re.sub(r"\s+", " ", match.group(0))


@pytest.fixture(autouse=True)
def database_buckets(settings):
    settings.PACING_REDIS_URL = ""  # the database buckets (Redis is not for these tests)
    settings.PACING_ACCOUNT_CAPACITY, settings.PACING_ACCOUNT_REFILL_PER_SECOND = 50, 0.000001
    settings.PACING_GLOBAL_CAPACITY, settings.PACING_GLOBAL_REFILL_PER_SECOND = 200, 0.000001


def test_the_overview_shows_each_bucket_as_the_api_reports_it(cast, login, offline_account):
    for _ in range(3):
        assert pacing_take(account=offline_account) == 0.0  # three publishes' worth taken
    html = login(cast.viewer).get("/app/").content.decode()
    api = pacing_meter(account=offline_account)
    account_row = meter_row(html, f"account-{offline_account.public_id}")
    assert api["account"]["tokens_available"] == 47 and "47 of 50" in account_row
    assert "@acme_offline" in account_row and 'max="50" value="47"' in account_row
    assert "197 of 200" in meter_row(html, "server")


def test_the_rate_meter_runs_the_same_queries_for_1_or_30_accounts(cast, login, offline_account):
    client = login(cast.admin)
    one = queries_to_render(client, "/app/")
    for number in range(29):
        PinterestAccount.objects.create(workspace=offline_account.workspace, pinterest_user_id=f"20{number}",
                                        username=f"acct{number}", access_token="pina_x")
    html = client.get("/app/").content.decode()
    assert html.count('<tr id="rate-account-') == 30
    assert queries_to_render(client, "/app/") == one
