"""The per-token rate limit: 429 code 8 with the reset in seconds, a fresh window when sandbox
time moves on, and each token counted on its own."""

import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.seed import sandbox_tokens_issue
from tests.sandbox.conftest import open_account

RATE_LIMITED = {
    "code": 8,
    "message": "This request exceeded a rate limit. This can happen if the client exceeds one of the published "
    "rate limits or if multiple write operations are applied to an object within a short time window.",
}


@pytest.fixture
def limit_of_three(settings, fresh_rate_window):
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 3


def test_the_call_past_the_limit_is_429_code_8_with_remaining_zero(account, limit_of_three):
    remaining = [account.get("/boards").headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    response = account.get("/boards")
    assert response.status_code == 429
    assert response.json() == RATE_LIMITED
    assert response.headers["X-RateLimit-Limit"] == "3, 3;w=60"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(response.headers["X-RateLimit-Reset"]) <= 60


def test_the_limit_resets_when_the_window_passes(account, limit_of_three):
    for _ in range(4):
        account.get("/user_account")
    assert account.get("/user_account").status_code == 429
    faults.advance_clock(60)
    response = account.get("/user_account")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "2"


def test_each_token_has_its_own_budget(account, limit_of_three, sandbox_url):
    for _ in range(4):
        account.get("/boards")
    second = sandbox_tokens_issue(user=account.user)
    response = account.http.get("/boards", headers={"Authorization": f"Bearer {second.access_token}"})
    assert response.status_code == 200


def test_a_limited_call_does_no_work(account, limit_of_three):
    for n in range(3):
        account.post("/boards", json={"name": f"Board {n}"})
    assert account.post("/boards", json={"name": "One too many"}).status_code == 429
    assert not account.user.boards.filter(name="One too many").exists()


def test_the_default_limit_is_generous(sandbox_url):
    account = open_account(sandbox_url)
    assert account.get("/boards").headers["X-RateLimit-Limit"] == "1000, 1000;w=60"
