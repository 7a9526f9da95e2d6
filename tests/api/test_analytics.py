"""Pin and account analytics in a production workspace over HTTP (``provider_mode: pinterest``), read by
the official SDK: stored figures (``source: stored``), how ``auto`` picks its source, unpublished and
removed pins, the Pinboard extensions (collection status, top pins), bad input as a 422 naming the field,
keys limited to other accounts (403) and other teams (404). Run on PostgreSQL too."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from publishing.access import Actor
from publishing.models import Board, PinDailyMetric, PinterestAccount
from publishing.models.pins import PinStatus
from publishing.services.keys import api_key_create
from tests import pipeline_fixtures
from tests.analytics_seed import MISSING_DAY, record_run, seed_account_days, seed_pins
from tests.api.conftest import http
from tests.api.test_approvals import bearer
from tests.web.helpers import bulk_pins

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
FIRST = TODAY - timedelta(days=39)  # 40 days stored, up to today (day MISSING_DAY left out)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


offline_account = pipeline_fixtures.offline_account  # an account row that never reaches Pinterest
offline_board = pipeline_fixtures.offline_board


@pytest.fixture
def prod_account(offline_account, production_workspace) -> PinterestAccount:
    """The offline account, moved to the team's production workspace."""
    offline_account.workspace = production_workspace
    offline_account.save(update_fields=["workspace"])
    return offline_account


@pytest.fixture
def prod_board(prod_account, offline_board) -> Board:
    return offline_board


@pytest.fixture
def seeded(clock, prod_account, prod_board):
    """40 stored days for the account; two published pins (pin k: k*100 impressions, k saves a day)."""
    seed_account_days(prod_account, FIRST, 40)
    pins = seed_pins(prod_account, prod_board, FIRST, 40, 2)
    for k, pin in enumerate(pins, start=1):
        pin.pinterest_pin_id = f"80000000000000000{k}"
        pin.published_at = datetime.combine(FIRST, datetime.min.time(), tzinfo=UTC)
        pin.save(update_fields=["pinterest_pin_id", "published_at"])
    return pins


def key(workspace, scopes=("read",), accounts=None) -> str:
    return api_key_create(actor=Actor.system(workspace, job="test"), name="analytics", scopes=list(scopes),
                          accounts=accounts).plaintext


def test_the_sdk_reads_stored_pinterest_figures(sdk, production_workspace, prod_account, seeded):
    client = sdk(api_key=key(production_workspace))
    week = client.pinterest.account_analytics(prod_account.public_id, start_date=FIRST,
                                              end_date=FIRST + timedelta(days=6), source="stored")
    assert (week.provider_mode.value, week.source, week.history_start) == ("pinterest", "stored", FIRST)
    assert week.data_as_of is not None
    days = [n for n in range(7) if n != MISSING_DAY]  # a day with no stored row is absent, not a zero
    assert [d.date for d in week.daily] == [FIRST + timedelta(days=n) for n in days]
    assert week.totals == {"impression": sum(100 + 10 * n for n in days), "save": sum(5 + n for n in days),
                           "pin_click": sum(2 * n for n in days), "outbound_click": sum(days)}
    assert week.daily[1].metrics == {"impression": 110, "save": 6, "pin_click": 2, "outbound_click": 1}
    assert week.daily[0].data_status == "READY"
    saves = client.pinterest.account_analytics(prod_account.public_id, start_date=FIRST,
                                               end_date=FIRST + timedelta(days=6), metrics=["save"])
    assert saves.source == "stored"  # auto: the stored history covers the range
    assert saves.totals == {"save": 48} and saves.daily[0].metrics == {"save": 5}
    assert client.pinterest.account_analytics(prod_account.public_id, include_daily=False).daily == []

    pin = seeded[1]
    figures = client.pins.analytics(pin.public_id, start_date=TODAY - timedelta(days=9), end_date=TODAY)
    assert (figures.provider_mode.value, figures.source, figures.pinterest_pin_id) == (
        "pinterest", "stored", pin.pinterest_pin_id)
    assert figures.totals == {"impression": 2000, "save": 20, "pin_click": 20, "outbound_click": 0}
    assert len(figures.daily) == 10 and figures.removed_from_pinterest_at is None
    # video views only on request; a pin Pinterest reported none for has null, not 0
    assert client.pins.analytics(pin.public_id, metrics="video_view", source="stored").totals == {"video_view": None}


def test_auto_answers_what_is_stored_beyond_pinterests_window(sdk, production_workspace, prod_account, seeded):
    client = sdk(api_key=key(production_workspace))
    year = client.pinterest.account_analytics(prod_account.public_id, start_date=TODAY - timedelta(days=300),
                                              end_date=TODAY)
    assert (year.source, year.history_start, len(year.daily)) == ("stored", FIRST, 39)


def test_auto_answers_a_range_after_pinterests_today_from_what_is_stored(server, production_workspace,
                                                                        prod_account, clock):
    """Nothing stored, a range after today (UTC): nothing to ask Pinterest (the account never reaches it)."""
    headers = {"X-API-Key": key(production_workspace)}
    future = f"start_date={TODAY + timedelta(days=1)}&end_date={TODAY + timedelta(days=7)}"
    answer = http(server, "GET", f"/v1/pinterest/accounts/{prod_account.public_id}/analytics?{future}",
                  headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["source"], body["daily"], body["totals"]["impression"]) == ("stored", [], None), body


def test_an_unpublished_pin_is_a_conflict_and_a_removed_one_answers_stored(
        server, production_workspace, prod_account, prod_board, seeded):
    headers = {"X-API-Key": key(production_workspace)}
    draft = bulk_pins(production_workspace, prod_account, prod_board, 1, status=PinStatus.QUEUED)[0]
    refused = http(server, "GET", f"/v1/pins/{draft.public_id}/analytics", headers=headers)
    assert (refused.status_code, refused.json()["detail"]["code"]) == (409, "conflict"), refused.text
    removed = seeded[0]
    removed.removed_from_pinterest_at = NOW - timedelta(days=1)
    removed.save(update_fields=["removed_from_pinterest_at"])
    path = f"/v1/pins/{removed.public_id}/analytics?start_date={TODAY - timedelta(days=4)}&end_date={TODAY}"
    answer = http(server, "GET", path, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["source"], body["totals"]["impression"]) == ("stored", 500)
    assert body["removed_from_pinterest_at"].startswith("2026-03-19")
    live = http(server, "GET", f"{path}&source=live", headers=headers)
    assert (live.status_code, live.json()["detail"]["code"]) == (409, "conflict"), live.text


def test_collection_status_and_top_pins(server, production_workspace, prod_account, seeded):
    headers = {"X-API-Key": key(production_workspace)}
    record_run(prod_account, at=NOW - timedelta(days=1))
    record_run(prod_account, outcome="failed", error="Pinterest did not answer", at=NOW - timedelta(hours=1))
    base = f"/v1/pinterest/accounts/{prod_account.public_id}/analytics"
    status = http(server, "GET", f"{base}/collection", headers=headers)
    assert status.status_code == 200, status.text
    body = status.json()
    assert (body["history_start"], body["history_end"]) == (str(FIRST), str(TODAY))
    assert [(r["kind"], r["outcome"], r["calls"], r["error"]) for r in body["runs"]] == [
        ("daily", "failed", 3, "Pinterest did not answer"), ("daily", "succeeded", 3, None)]
    assert len(http(server, "GET", f"{base}/collection?limit=1", headers=headers).json()["runs"]) == 1
    top = http(server, "GET", f"{base}/pins?metric=save&limit=1&start_date={TODAY - timedelta(days=9)}"
                              f"&end_date={TODAY}", headers=headers)
    assert top.status_code == 200, top.text
    body = top.json()
    assert (body["metric"], body["source"], len(body["pins"])) == ("save", "stored", 1)
    assert body["pins"][0]["pin_id"] == str(seeded[1].public_id)
    assert body["pins"][0]["totals"] == {"impression": 2000, "save": 20, "pin_click": 20, "outbound_click": 0,
                                         "video_view": None}
    every = http(server, "GET", f"{base}/pins", headers=headers).json()["pins"]
    assert [p["pin_id"] for p in every] == [str(seeded[1].public_id), str(seeded[0].public_id)]


@pytest.mark.parametrize("query, field", [
    ("start_date=2026-03-10&end_date=2026-03-01", "start_date"),
    ("start_date=2024-01-01&end_date=2026-03-01", "start_date"),
    ("start_date=2026-13-01", "start_date"),
    ("end_date=yesterday", "end_date"),
    ("metrics=impression,likes", "metrics"),
    ("source=everything", "source"),
    ("source=live&start_date=2025-10-01&end_date=2025-10-31", "start_date"),
    ("source=live&start_date=2026-03-21&end_date=2026-03-25", "start_date"),  # after Pinterest's today
])
def test_bad_input_is_a_422_naming_the_field(server, production_workspace, prod_account, seeded, query, field):
    headers = {"X-API-Key": key(production_workspace)}
    for path in (f"/v1/pinterest/accounts/{prod_account.public_id}/analytics",
                 f"/v1/pins/{seeded[0].public_id}/analytics"):
        response = http(server, "GET", f"{path}?{query}", headers=headers)
        assert response.status_code == 422, (path, query, response.text)
        assert response.json()["error"]["errors"][0]["field"] == field, response.text


def test_bad_input_to_the_extensions_is_a_422_naming_the_field(server, production_workspace, prod_account, clock):
    headers = {"X-API-Key": key(production_workspace)}
    base = f"/v1/pinterest/accounts/{prod_account.public_id}/analytics"
    for path, field in ((f"{base}/pins?metric=likes", "metric"), (f"{base}/pins?limit=0", "limit"),
                        (f"{base}/pins?start_date=2026-03-10&end_date=2026-03-01", "start_date"),
                        (f"{base}/collection?limit=101", "limit")):
        response = http(server, "GET", path, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["errors"][0]["field"] == field, response.text
    # an account's figures have no video views
    response = http(server, "GET", f"{base}?metrics=video_view", headers=headers)
    assert (response.status_code, response.json()["error"]["errors"][0]["field"]) == (422, "metrics")


def test_keys_limited_to_other_accounts_and_other_teams_are_refused(
        server, cast, production_workspace, prod_account, seeded):
    other = PinterestAccount.objects.create(workspace=production_workspace, pinterest_user_id="77", username="other")
    limited = {"X-API-Key": key(production_workspace, accounts=[other])}
    outsider = bearer(server, cast.outsider)
    base = f"/v1/pinterest/accounts/{prod_account.public_id}/analytics"
    for path in (base, f"{base}/collection", f"{base}/pins", f"/v1/pins/{seeded[0].public_id}/analytics"):
        refused = http(server, "GET", path, headers=limited)
        assert (refused.status_code, refused.json()["detail"]["code"]) == (403, "account_not_permitted"), path
        assert http(server, "GET", path, headers=outsider).status_code == 404, path
    own = http(server, "GET", f"/v1/pinterest/accounts/{other.public_id}/analytics/pins", headers=limited)
    assert own.status_code == 200 and own.json()["pins"] == []


def test_a_stored_read_costs_a_fixed_number_of_queries(production_workspace, prod_account, seeded,
                                                       django_assert_max_num_queries):
    from publishing.api.analytics import analytics_for
    from publishing.api.schemas.analytics import AnalyticsFilters

    who = Actor.system(production_workspace, job="test")
    with django_assert_max_num_queries(4):
        body = analytics_for(who, AnalyticsFilters(start_date=FIRST, end_date=TODAY), account=prod_account)
    assert body["source"] == "stored" and len(body["daily"]) == 39
    assert PinDailyMetric.objects.filter(account=prod_account).count() == 80
    assert date.fromisoformat(str(body["history_start"])) == FIRST
