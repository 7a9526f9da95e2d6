"""The contract checker itself must fail on responses that break Pinterest's OpenAPI document,
or every other contract assertion in the suite proves nothing."""

import httpx
import pytest

from tests.pinterest_contract import ContractViolation, assert_contract

BASE = "http://127.0.0.1:9/sandbox/pinterest/v5"


def fake(
    method: str, path: str, status: int, json=None, *, headers=None, request_json=None
) -> httpx.Response:
    request = httpx.Request(
        method, BASE + path, headers={"Authorization": "Bearer pina_x", **(headers or {})}, json=request_json
    )
    return httpx.Response(status, json=json, request=request)


def test_a_board_list_that_matches_the_spec_passes():
    board = {"id": "123", "name": "Recipes", "privacy": "PUBLIC"}
    assert_contract(fake("GET", "/boards", 200, {"items": [board], "bookmark": None}))


def test_a_board_without_its_required_name_is_a_violation():
    with pytest.raises(ContractViolation, match="name"):
        assert_contract(fake("GET", "/boards", 200, {"items": [{"id": "123"}], "bookmark": None}))


def test_an_id_that_is_not_digits_is_a_violation():
    with pytest.raises(ContractViolation):
        assert_contract(fake("GET", "/boards/123", 200, {"id": "abc", "name": "Recipes"}))


def test_an_error_body_without_code_is_a_violation():
    with pytest.raises(ContractViolation):
        assert_contract(fake("GET", "/boards/123", 404, {"message": "Board not found."}))


def test_a_request_body_breaking_the_spec_is_a_violation_unless_only_the_response_is_checked():
    response = fake(
        "POST",
        "/pins",
        400,
        {"code": 1, "message": "bad"},
        request_json={
            "board_id": "1",
            "title": "x" * 101,
            "media_source": {"source_type": "image_url", "url": "u"},
        },
    )
    with pytest.raises(ContractViolation):
        assert_contract(response)
    assert_contract(response, request=False)


def test_urls_outside_v5_are_refused():
    response = httpx.Response(
        204, request=httpx.Request("POST", "http://127.0.0.1:9/sandbox/pinterest/media-upload/")
    )
    with pytest.raises(ContractViolation, match="not a Pinterest v5 URL"):
        assert_contract(response)
