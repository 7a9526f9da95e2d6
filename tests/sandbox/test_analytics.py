"""Pin and account analytics over real HTTP, checked against Pinterest's OpenAPI document: the
shapes, the scopes, the date limits, figures that grow with a pin's age, and faults.

The document's ``metric_types`` of pins/analytics is a ``oneOf`` of two enums that share most of
their values (IMPRESSION is in both), so no request naming a common metric can satisfy it: those
requests are checked for their response only (``pin_report``)."""

from datetime import timedelta

import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import Board
from pinterest_sandbox.seed import sandbox_pin_backdate
from tests.sandbox.conftest import open_account
from tests.sandbox.helpers import image_pin

# Figures depend on the hour of the day: every test starts at noon (sandbox time), whenever it runs.
pytestmark = pytest.mark.usefixtures("midday")

DAY = 24 * 3600
PIN_METRICS = "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,VIDEO_MRC_VIEW"


@pytest.fixture
def board_id(account) -> str:
    return Board.objects.filter(owner=account.user).first().pinterest_id


def _pin(account, board_id) -> str:
    return account.post("/pins", json=image_pin(board_id)).json()["id"]


def pin_report(account, pin_id: str, **params):
    return account.send("GET", f"/pins/{pin_id}/analytics", params=params)


def _range(days_back: int, days_long: int) -> dict:
    start = sandbox_now().date() - timedelta(days=days_back)
    return {"start_date": start.isoformat(), "end_date": (start + timedelta(days=days_long)).isoformat()}


def _impressions(report: dict) -> list[float]:
    return [day["metrics"]["IMPRESSION"] for day in report["all"]["daily_metrics"]]


def test_a_pins_figures_are_zero_before_it_existed_then_grow_ready_for_past_days(account, board_id):
    pin_id = _pin(account, board_id)
    faults.advance_clock(10 * DAY)
    response = pin_report(account, pin_id, **_range(14, 14), metric_types=PIN_METRICS)
    assert response.status_code == 200
    days = response.json()["all"]["daily_metrics"]
    assert len(days) == 15
    assert [day["date"] for day in days] == sorted(day["date"] for day in days)
    assert {day["data_status"] for day in days[:-1]} == {"READY"} and days[-1]["data_status"] == "PROCESSING"
    assert all(value == 0 for value in _impressions(response.json())[:4])  # before the pin was created
    assert all(value > 0 for value in _impressions(response.json())[5:])
    assert "VIDEO_MRC_VIEW" not in days[-2]["metrics"]  # an image pin has no video views
    summary = response.json()["all"]["summary_metrics"]
    assert summary["IMPRESSION"] == sum(_impressions(response.json()))
    # Deterministic: the same question, the same answer.
    again = pin_report(account, pin_id, **_range(14, 13), metric_types=PIN_METRICS)
    assert _impressions(again.json()) == _impressions(response.json())[:-1]


def test_todays_figures_grow_while_the_day_lasts_and_totals_grow_with_time(account, board_id):
    pin_id = _pin(account, board_id)
    faults.advance_clock(3 * DAY - sandbox_now().timestamp() % DAY + 6 * 3600)  # 06:00 three days on
    query = {"start_date": (sandbox_now().date() - timedelta(days=5)).isoformat(),
             "end_date": sandbox_now().date().isoformat(), "metric_types": "IMPRESSION"}
    morning = pin_report(account, pin_id, **query).json()
    faults.advance_clock(12 * 3600)
    evening = pin_report(account, pin_id, **query).json()
    assert _impressions(evening)[:-1] == _impressions(morning)[:-1]
    assert _impressions(evening)[-1] > _impressions(morning)[-1] > 0
    assert evening["all"]["summary_metrics"]["IMPRESSION"] > morning["all"]["summary_metrics"]["IMPRESSION"]


def test_account_analytics_are_the_sum_over_its_pins(account, board_id):
    first, second = _pin(account, board_id), _pin(account, board_id)
    faults.advance_clock(4 * DAY)
    window = _range(6, 6)
    per_pin = [_impressions(pin_report(account, pin, **window, metric_types="IMPRESSION").json())
               for pin in (first, second)]
    response = account.get("/user_account/analytics", params=window)
    assert response.status_code == 200
    account_days = response.json()["all"]["daily_metrics"]
    assert [day["metrics"]["IMPRESSION"] for day in account_days] == [a + b for a, b in zip(*per_pin, strict=True)]
    # metric_types is optional here: every account metric by default, rates included.
    assert set(account_days[-2]["metrics"]) == {"ENGAGEMENT", "ENGAGEMENT_RATE", "IMPRESSION", "OUTBOUND_CLICK",
                                                "OUTBOUND_CLICK_RATE", "PIN_CLICK", "PIN_CLICK_RATE", "SAVE",
                                                "SAVE_RATE"}
    only = account.get("/user_account/analytics", params={**window, "metric_types": "SAVE"}).json()
    assert set(only["all"]["daily_metrics"][-2]["metrics"]) == {"SAVE"}


def test_pinterests_date_limits_are_400_code_1(account, board_id, subtests):
    pin_id = _pin(account, board_id)
    today = sandbox_now().date()
    cases = {
        "start more than 90 days back": (today - timedelta(days=91), today - timedelta(days=91), "start_date:"),
        "end more than 90 days past start": (today - timedelta(days=90), today + timedelta(days=1), "end_date:"),
        "start after end": (today, today - timedelta(days=1), "end_date:"),
    }
    for name, (start, end, field) in cases.items():
        with subtests.test(name):
            for path, extra in ((f"/pins/{pin_id}/analytics", {"metric_types": "IMPRESSION"}),
                                ("/user_account/analytics", {})):
                response = account.send("GET", path, params={"start_date": start.isoformat(),
                                                             "end_date": end.isoformat(), **extra})
                assert response.status_code == 400
                assert response.json()["code"] == 1 and field in response.json()["message"]
    with subtests.test("exactly 90 days back and 90 days long is allowed"):
        start = today - timedelta(days=90)
        ok = account.get("/user_account/analytics",
                         params={"start_date": start.isoformat(), "end_date": (start + timedelta(days=90)).isoformat()})
        assert ok.status_code == 200 and len(ok.json()["all"]["daily_metrics"]) == 91
    with subtests.test("bad values"):
        for params in ({"start_date": "2026-13-01", "end_date": today.isoformat(), "metric_types": "IMPRESSION"},
                       {**_range(1, 1), "metric_types": "CLOSEUP"},
                       {**_range(1, 1)}):
            response = account.send("GET", f"/pins/{pin_id}/analytics", params=params)
            assert response.status_code == 400 and response.json()["code"] == 1


def test_scopes_ownership_and_faults_apply(sandbox_url, account, board_id, subtests):
    pin_id = _pin(account, board_id)
    window = {**_range(2, 2), "metric_types": "IMPRESSION"}
    with subtests.test("pin analytics need pins:read and boards:read"):
        weak = open_account(sandbox_url, scopes=["boards:read", "user_accounts:read"])
        response = weak.send("GET", f"/pins/{pin_id}/analytics", params=window)
        assert (response.status_code, response.json()["code"]) == (401, 3)
        weak.http.close()
    with subtests.test("account analytics need user_accounts:read"):
        weak = open_account(sandbox_url, scopes=["boards:read", "pins:read"])
        response = weak.send("GET", "/user_account/analytics", params=_range(2, 2))
        assert (response.status_code, response.json()["code"]) == (401, 3)
        weak.http.close()
    with subtests.test("another user's pin is refused"):
        other = open_account(sandbox_url, boards=1)
        assert other.send("GET", f"/pins/{pin_id}/analytics", params=window).status_code == 403
        other.http.close()
    with subtests.test("an unknown pin is 404"):
        assert account.send("GET", "/pins/12345/analytics", params=window).status_code == 404
    with subtests.test("faults"):
        faults.server_error(endpoint="pins.analytics")
        faults.rate_limit_burst(endpoint="user_account.analytics", reset_seconds=7)
        assert pin_report(account, pin_id, **window).status_code == 500
        limited = account.get("/user_account/analytics", params=_range(2, 2))
        assert limited.status_code == 429 and limited.headers["X-RateLimit-Reset"] == "7"
        assert pin_report(account, pin_id, **window).status_code == 200


def test_analytics_have_their_own_rate_limit_category(account, settings, fresh_rate_window):
    settings.SANDBOX_ANALYTICS_RATE_LIMIT_PER_MINUTE = 2
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 5
    window = _range(1, 1)
    remaining = [account.get("/user_account/analytics", params=window).headers["X-RateLimit-Remaining"]
                 for _ in range(2)]
    assert remaining == ["1", "0"]
    limited = account.get("/user_account/analytics", params=window)
    assert limited.status_code == 429 and limited.headers["X-RateLimit-Limit"] == "2, 2;w=60"
    # The general budget (boards, pins, publishing) is untouched by the analytics calls.
    assert account.get("/boards").headers["X-RateLimit-Remaining"] == "4"


def test_top_pins_rank_the_accounts_pins_by_the_metric_asked_for(account, board_id, sandbox_url):
    pins = [_pin(account, board_id) for _ in range(3)]
    faults.advance_clock(3 * DAY)
    window = _range(3, 3)
    impressions = {pin: sum(_impressions(pin_report(account, pin, **window, metric_types="IMPRESSION").json()))
                   for pin in pins}
    response = account.get("/user_account/analytics/top_pins",
                           params={**window, "sort_by": "IMPRESSION", "num_of_pins": 2, "metric_types": "IMPRESSION"})
    assert response.status_code == 200
    body = response.json()
    assert body["sort_by"] == "IMPRESSION" and len(body["pins"]) == 2
    assert [item["pin_id"] for item in body["pins"]] == sorted(pins, key=lambda pin: -impressions[pin])[:2]
    assert body["pins"][0]["metrics"] == {"IMPRESSION": impressions[body["pins"][0]["pin_id"]]}
    assert body["pins"][0]["data_status"][window["end_date"]] == "PROCESSING"
    assert account.send("GET", "/user_account/analytics/top_pins", params=window).status_code == 400  # sort_by
    weak = open_account(sandbox_url, scopes=["user_accounts:read"])
    assert weak.send("GET", "/user_account/analytics/top_pins",
                     params={**window, "sort_by": "SAVE"}).status_code == 401  # pins:read missing
    weak.http.close()


def test_a_backdated_pin_has_its_history_at_once_and_nothing_before_it(account, board_id):
    """The seeding hook (pinterest_sandbox/seed.py) a demo account's history is made with: a pin
    created now but backdated 20 days answers 20 READY days of growing figures, zero before them."""
    pin_id = _pin(account, board_id)
    before = _impressions(pin_report(account, pin_id, **_range(30, 30), metric_types=PIN_METRICS).json())
    assert sum(before[:-1]) == 0  # created today: no past day has figures

    created = sandbox_pin_backdate(pinterest_id=pin_id, days=20)

    report = pin_report(account, pin_id, **_range(30, 30), metric_types=PIN_METRICS).json()
    impressions = _impressions(report)
    assert (sandbox_now() - created).days == 20
    assert all(value == 0 for value in impressions[:10])  # the days before its (new) creation
    assert all(value > 0 for value in impressions[10:-1])
    assert impressions[16] > impressions[10]  # ramping up over its first week
    with pytest.raises(ValueError):
        sandbox_pin_backdate(pinterest_id=pin_id, days=-1)
