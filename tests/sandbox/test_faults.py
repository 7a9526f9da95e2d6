"""Every fault the sandbox can be told to produce, seen from a client over real HTTP."""

import time

import httpx
import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.models import Board, FaultRule, MediaUpload, Pin
from tests.pinterest_contract import assert_contract
from tests.sandbox.helpers import image_pin, upload_video


@pytest.fixture
def board_id(account) -> str:
    return Board.objects.filter(owner=account.user).first().pinterest_id


def test_an_injected_error_answers_the_next_n_calls_then_stops(account, board_id):
    faults.inject(endpoint="pins.create", status=500, times=2)
    for _ in range(2):
        response = account.post("/pins", json=image_pin(board_id))
        assert response.status_code == 500
        assert response.json() == {
            "code": 500,
            "message": "Something went wrong on our end. Sorry about that.",
        }
        assert response.headers["x-pinterest-rid"]
    assert account.post("/pins", json=image_pin(board_id)).status_code == 201
    assert Pin.objects.count() == 1
    assert not FaultRule.objects.exists()


def test_an_error_with_its_own_code_and_message(account):
    faults.inject(endpoint="boards.get", status=409, code=409, message="Could not get exclusive access.")
    response = account.get("/boards/1")
    assert (response.status_code, response.json()) == (
        409,
        {"code": 409, "message": "Could not get exclusive access."},
    )


def test_faults_only_hit_their_endpoint(account, board_id):
    faults.inject(endpoint="pins.create", status=503)
    assert account.get("/boards").status_code == 200
    assert account.post("/pins", json=image_pin(board_id)).status_code == 503


def test_a_fault_for_any_endpoint_until_cleared(account):
    faults.inject(endpoint="*", status=503, times=None)
    assert [account.get("/boards").status_code for _ in range(3)] == [503, 503, 503]
    faults.clear()
    assert account.get("/boards").status_code == 200


def test_unknown_endpoints_and_zero_times_are_refused(db):
    with pytest.raises(ValueError, match="Unknown endpoint"):
        faults.inject(endpoint="pins.upsert", status=500)
    with pytest.raises(ValueError, match="times"):
        faults.inject(endpoint="pins.create", status=500, times=0)


def test_a_bad_gateway_with_an_html_body(account):
    faults.bad_gateway_html(endpoint="boards.list")
    response = account.http.get("/boards")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text
    assert response.headers["x-pinterest-rid"]


def test_a_rate_limit_burst_reports_the_given_reset(account):
    faults.rate_limit_burst(endpoint="boards.list", times=2, reset_seconds=7)
    for _ in range(2):
        response = account.get("/boards")
        assert (response.status_code, response.json()["code"]) == (429, 8)
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert response.headers["X-RateLimit-Reset"] == "7"
    assert account.get("/boards").status_code == 200


def test_a_spam_block_is_a_429_that_says_spam(account, board_id):
    faults.spam_block()
    response = account.post("/pins", json=image_pin(board_id))
    assert (response.status_code, response.json()["code"]) == (429, 8)
    assert "spam" in response.json()["message"]


def test_latency_delays_the_answer(account):
    faults.latency(endpoint="user_account.get", seconds=0.4)
    started = time.monotonic()
    assert account.get("/user_account").status_code == 200
    assert time.monotonic() - started >= 0.4
    assert not FaultRule.objects.exists()  # used up: the next call is not delayed


def test_a_timeout_after_create_leaves_the_pin_created(account, board_id):
    account.get("/boards")  # the server's first request loads every URLconf: keep that out of the timing
    faults.timeout_after_create(seconds=3)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        account.http.post("/pins", json=image_pin(board_id, title="Unknown outcome"), timeout=1)
    assert time.monotonic() - started < 3
    listed = account.get(f"/boards/{board_id}/pins").json()["items"]
    assert [p["title"] for p in listed] == ["Unknown outcome"]
    assert Pin.objects.filter(title="Unknown outcome").count() == 1


def test_a_dropped_connection_after_create_leaves_the_pin_created(account, board_id):
    faults.drop_connection_after_create()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        account.http.post("/pins", json=image_pin(board_id, title="Dropped"))
    assert Pin.objects.filter(title="Dropped").count() == 1
    assert account.get("/boards").status_code == 200  # the server and the client carry on


def test_a_dropped_connection_before_the_work_creates_nothing(account, board_id):
    faults.drop_connection(endpoint="pins.create")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        account.http.post("/pins", json=image_pin(board_id))
    assert not Pin.objects.exists()


IMAGE_FAILURES = [
    ("too_small", 403, 233, "Your image is too small. Please choose a larger image and try again."),
    ("broken", 403, 235, "Sorry, this image is broken. Please pick a different image."),
    ("unreachable", 400, 1, "Sorry, we could not fetch the image."),
]


def test_image_failures(account, board_id, subtests):
    for kind, status, code, text in IMAGE_FAILURES:
        with subtests.test(kind=kind):
            faults.image_failure(kind=kind)
            response = account.post("/pins", json=image_pin(board_id))
            assert response.status_code == status
            assert response.json() == {"code": code, "message": text}
    assert not Pin.objects.exists()


def register_and_upload(account) -> dict:
    registered = account.post("/media", json={"media_type": "video"}).json()
    assert upload_video(httpx.Client(), registered).status_code == 204
    return registered


def poll(account, media_id: str, times: int) -> list[str]:
    return [account.get(f"/media/{media_id}").json()["status"] for _ in range(times)]


def test_the_next_media_stays_processing(account):
    faults.media_stuck_processing()
    stuck = register_and_upload(account)
    faults.advance_clock(3600)
    assert poll(account, stuck["media_id"], 3) == ["processing"] * 3
    normal = register_and_upload(account)
    assert poll(account, normal["media_id"], 2) == ["processing", "succeeded"]


def test_the_next_media_fails_although_its_bytes_are_a_video(account):
    faults.media_fail()
    registered = register_and_upload(account)
    assert poll(account, registered["media_id"], 2) == ["processing", "failed"]


def test_a_named_media_can_be_made_to_fail_even_after_it_succeeded(account):
    registered = register_and_upload(account)
    assert poll(account, registered["media_id"], 2)[-1] == "succeeded"
    faults.media_fail(media_id=registered["media_id"])
    assert poll(account, registered["media_id"], 1) == ["failed"]
    faults.media_stuck_processing(media_id=registered["media_id"])
    assert MediaUpload.objects.get(pinterest_id=registered["media_id"]).status == "processing"


def test_an_expired_upload_policy(account):
    registered = account.post("/media", json={"media_type": "video"}).json()
    faults.upload_policy_expired()
    response = upload_video(httpx.Client(), registered)
    assert response.status_code == 403
    assert "Policy expired" in response.text
    assert upload_video(httpx.Client(), registered).status_code == 204


def test_the_token_endpoint_can_fail_too(sandbox_url, settings):
    faults.server_error(endpoint="oauth.token", status=503)
    response = httpx.post(
        f"{sandbox_url}/v5/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(settings.SANDBOX_PINTEREST_APP_ID, settings.SANDBOX_PINTEREST_APP_SECRET),
    )
    assert_contract(response)
    assert response.status_code == 503


def test_expiring_an_access_token(account):
    faults.expire_access_token(account.access_token)
    assert account.get("/boards").json()["code"] == 2


def test_the_clock_moves_and_resets(account):
    from pinterest_sandbox.clock import sandbox_now

    before = sandbox_now()
    faults.advance_clock(3600)
    assert (sandbox_now() - before).total_seconds() >= 3600
    faults.reset_clock()
    assert (sandbox_now() - before).total_seconds() < 60
