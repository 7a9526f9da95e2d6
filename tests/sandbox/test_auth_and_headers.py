"""Bearer authentication, scopes, and the headers every v5 answer carries."""

import httpx

from pinterest_sandbox import faults
from tests.pinterest_contract import assert_contract
from tests.sandbox.conftest import open_account

MISSING_SCOPE = (
    "Your token does not have sufficient permissions to perform this operation. "
    "Please ensure your token is authorized with the correct set of scopes."
)


def assert_pinterest_headers(response: httpx.Response) -> None:
    assert len(response.headers["x-pinterest-rid"]) >= 16
    assert response.headers["X-RateLimit-Limit"] == "1000, 1000;w=60"
    assert response.headers["X-RateLimit-Remaining"].isdigit()
    assert 1 <= int(response.headers["X-RateLimit-Reset"]) <= 60


def test_a_call_without_a_token_is_401_code_2(sandbox_url):
    response = assert_contract(httpx.get(f"{sandbox_url}/v5/boards"), request=False)
    assert response.status_code == 401
    assert response.json() == {"code": 2, "message": "Authentication failed."}
    assert_pinterest_headers(response)


def test_an_unknown_token_is_401_code_2(sandbox_url):
    response = httpx.get(f"{sandbox_url}/v5/user_account", headers={"Authorization": "Bearer pina_nope"})
    assert_contract(response)
    assert (response.status_code, response.json()["code"]) == (401, 2)


def test_a_token_expires_when_sandbox_time_passes_thirty_days(account):
    assert account.get("/user_account").status_code == 200
    faults.advance_clock(30 * 24 * 3600 + 1)
    response = account.get("/user_account")
    assert (response.status_code, response.json()["code"]) == (401, 2)


def test_a_revoked_token_is_refused(account):
    faults.revoke_token(account.access_token)
    response = account.get("/boards")
    assert response.json() == {"code": 2, "message": "Authentication failed."}


def test_revoking_every_token_of_a_user_by_username(account):
    assert faults.revoke_token(username=account.user.username) == 1
    assert account.get("/boards").status_code == 401


def test_a_missing_scope_is_401_code_3_with_pinterests_text(sandbox_url):
    acct = open_account(sandbox_url, scopes=["boards:read"])
    response = acct.get("/user_account")
    assert response.status_code == 401
    assert response.json() == {"code": 3, "message": MISSING_SCOPE}
    assert acct.get("/boards").status_code == 200


SCOPE_CASES = [
    (["boards:read"], "POST", "/boards"),
    (["boards:read", "boards:write", "pins:read"], "POST", "/pins"),
    (["boards:read"], "GET", "/pins/123"),
    (["pins:read"], "POST", "/media"),
    (["boards:read", "boards:write"], "GET", "/media/123"),
]


def test_each_operation_demands_the_scopes_the_spec_lists(sandbox_url, subtests):
    for scopes, method, path in SCOPE_CASES:
        with subtests.test(method=method, path=path):
            acct = open_account(sandbox_url, scopes=scopes)
            response = acct.send(method, path, json={})
            assert (response.status_code, response.json()["code"]) == (401, 3)


def test_every_answer_carries_a_unique_request_id_and_rate_limit_headers(account, fresh_rate_window):
    responses = [account.get("/boards"), account.get("/boards/1"), account.send("POST", "/boards", json={})]
    for response in responses:
        assert_pinterest_headers(response)
    assert len({r.headers["x-pinterest-rid"] for r in responses}) == 3
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in responses]
    assert remaining == [999, 998, 997]


def test_an_unknown_v5_path_is_a_json_404_with_the_headers(account):
    response = account.http.get("/not_an_endpoint")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not found."}
    assert_pinterest_headers(response)


def test_trailing_slashes_are_not_redirected(account):
    response = account.http.get("/boards/")
    assert response.status_code == 404


def test_a_verb_the_path_does_not_have_is_405_json(account):
    response = account.http.put("/boards")
    assert response.status_code == 405
    assert response.json()["code"] == 405
    assert_pinterest_headers(response)


def test_ids_that_are_not_digits_are_400_code_1_naming_the_parameter(account):
    response = account.send("GET", "/boards/abc")
    assert response.status_code == 400
    assert response.json()["code"] == 1
    assert "board_id" in response.json()["message"]
