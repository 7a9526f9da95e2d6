"""Pin and account analytics through the client, over real HTTP against the sandbox: per-day figures
by Pinterest's metric names, oldest first; bad ranges refused before sending; errors mapped as ever.

The answers are checked against the OpenAPI document; the requests of pins/analytics are not (its
``metric_types`` is a ``oneOf`` of two overlapping enums no list with IMPRESSION can satisfy)."""

from datetime import date, timedelta

import httpx
import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.schemas import PinCreate
from pinterest_sandbox.services.pins import pin_create
from publishing.pinterest import AnalyticsDay, InvalidRequest, NotFound, PinterestClient, RateLimited
from tests.pinterest_contract import assert_contract

DAY = 24 * 3600


@pytest.fixture
def answers_checked():
    def on_response(response: httpx.Response) -> None:
        response.read()
        assert_contract(response, request="/analytics" not in response.request.url.path
                        or "/user_account/" in response.request.url.path)

    return {"response": [on_response]}


@pytest.fixture
def client(api_base, account, answers_checked):
    with PinterestClient(api_base, account.access_token, timeout=5, event_hooks=answers_checked) as pinterest:
        yield pinterest


def sandbox_pin(account) -> str:
    body = PinCreate.model_validate({"board_id": "1", "title": "t",
                                     "media_source": {"source_type": "image_url", "url": "https://e.example/a.jpg"}})
    return pin_create(board=account.user.boards.first(), section=None, body=body, media_upload=None).pinterest_id


def test_pin_and_account_analytics_are_days_of_figures(client, account):
    pin_id = sandbox_pin(account)
    faults.advance_clock(5 * DAY)
    today = sandbox_now().date()
    days = client.pin_analytics(pin_id, start_date=today - timedelta(days=6), end_date=today,
                                metric_types=["IMPRESSION", "SAVE"])
    assert [day.date for day in days] == [today - timedelta(days=n) for n in range(6, -1, -1)]
    assert all(isinstance(day, AnalyticsDay) for day in days)
    assert days[-1].data_status == "PROCESSING" and days[-2].data_status == "READY"
    assert days[-2].count("IMPRESSION") > 0 and days[-2].count("VIDEO_MRC_VIEW") is None
    account_days = client.user_account_analytics(start_date=today - timedelta(days=6), end_date=today,
                                                 metric_types=["IMPRESSION"])
    assert [day.count("IMPRESSION") for day in account_days] == [day.count("IMPRESSION") for day in days]


def test_what_pinterest_would_refuse_is_refused_before_sending(client, subtests):
    start = date(2026, 1, 1)
    for name, call in {
        "end before start": lambda: client.user_account_analytics(start_date=start, end_date=start - timedelta(1)),
        "longer than 90 days": lambda: client.user_account_analytics(start_date=start,
                                                                     end_date=start + timedelta(91)),
        "unknown metric": lambda: client.pin_analytics("1", start_date=start, end_date=start,
                                                       metric_types=["CLOSEUP"]),
        "no metric for a pin": lambda: client.pin_analytics("1", start_date=start, end_date=start, metric_types=[]),
        "pin id not digits": lambda: client.pin_analytics("../x", start_date=start, end_date=start,
                                                          metric_types=["SAVE"]),
    }.items():
        with subtests.test(name), pytest.raises(InvalidRequest):
            call()


def test_errors_are_mapped_as_for_every_call(client):
    today = sandbox_now().date()
    with pytest.raises(NotFound):
        client.pin_analytics("12345", start_date=today, end_date=today, metric_types=["SAVE"])
    with pytest.raises(InvalidRequest):  # Pinterest's own 400: more than 90 days back
        client.user_account_analytics(start_date=today - timedelta(days=91), end_date=today - timedelta(days=91))
    faults.rate_limit_burst(endpoint="user_account.analytics", reset_seconds=9)
    with pytest.raises(RateLimited) as raised:
        client.user_account_analytics(start_date=today, end_date=today)
    assert raised.value.reset_seconds == 9
