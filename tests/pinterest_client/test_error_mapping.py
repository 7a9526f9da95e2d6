"""Pinterest's answers map to one typed error each, with a stable error_code and retry hint.

These feed ``error_from_response`` real httpx responses built from the bodies the reference
documents; the same mapping is exercised end to end against the sandbox in test_faults.py.
"""

import httpx
import pytest

from publishing.pinterest import errors
from publishing.pinterest.errors import error_from_response, upload_error_from_response
from publishing.pinterest.models import Pin
from publishing.pinterest.transport import CREATED, DELETED, Call, handle_response

RATE_LIMIT_MESSAGE = (
    "This request exceeded a rate limit. This can happen if the client exceeds one of the published rate "
    "limits or if multiple write operations are applied to an object within a short time window."
)


def answer(status: int, body: dict | None = None, *, text: str | None = None, headers: dict | None = None):
    request = httpx.Request("GET", "https://api.pinterest.com/v5/boards")
    if body is not None:
        return httpx.Response(status, json=body, headers=headers, request=request)
    return httpx.Response(status, text=text or "", headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "code", "message", "error_type", "error_code", "permanent"),
    [
        (400, 1, "Invalid parameters.", errors.InvalidRequest, "invalid_request", True),
        (401, 2, "Authentication failed.", errors.AuthenticationFailed, "token_expired", True),
        (
            401,
            3,
            "Your token does not have sufficient permissions",
            errors.MissingScope,
            "scope_missing",
            True,
        ),
        (401, 7, "Not authorized to access board or Pin.", errors.Forbidden, "forbidden", True),
        (403, 29, "You are not permitted to access that resource.", errors.Forbidden, "forbidden", True),
        (404, 40, "Board not found.", errors.NotFound, "board_not_found", True),
        (404, 404, "Board not found.", errors.NotFound, "board_not_found", True),
        (
            404,
            2031,
            "Sorry! We couldn't find this board section.",
            errors.NotFound,
            "board_section_not_found",
            True,
        ),
        (404, 50, "Pin not found.", errors.NotFound, "pin_not_found", True),
        (404, 404, "Media upload not found", errors.NotFound, "media_not_found", True),
        (403, 233, "Your image is too small.", errors.ImageProblem, "image_too_small", True),
        (403, 235, "Sorry, this image is broken.", errors.ImageProblem, "image_broken", True),
        (400, 1, "Sorry, we could not fetch the image.", errors.ImageUnreachable, "image_unreachable", False),
        (409, 409, "Could not get exclusive access to delete the board.", errors.Conflict, "conflict", False),
        (429, 8, RATE_LIMIT_MESSAGE, errors.RateLimited, "rate_limited", False),
        (429, 429, "Blocked by our spam filter", errors.RateLimited, "spam_blocked", False),
        (500, 500, "Something went wrong on our end", errors.ServerError, "pinterest_unavailable", False),
        (503, 503, "Service unavailable", errors.ServerError, "pinterest_unavailable", False),
    ],
)
def test_each_documented_error_body_maps_to_its_type(
    status, code, message, error_type, error_code, permanent
):
    error = error_from_response(answer(status, {"code": code, "message": message, "status": "failure"}))

    assert type(error) is error_type
    assert (error.status, error.code, error.message) == (status, code, message)
    assert error.error_code == error_code
    assert error.permanent is permanent and error.transient is not permanent


def test_a_non_json_502_from_an_edge_proxy_is_a_transient_server_error():
    error = error_from_response(answer(502, text="<html><body><h1>502 Bad Gateway</h1></body></html>"))

    assert isinstance(error, errors.ServerError) and error.transient
    assert error.code is None
    assert error.message.startswith("Bad Gateway: <html>")


def test_rate_limited_exposes_reset_seconds_and_request_id():
    error = error_from_response(
        answer(
            429,
            {"code": 8, "message": RATE_LIMIT_MESSAGE},
            headers={"X-RateLimit-Reset": "17", "X-RateLimit-Remaining": "0", "x-pinterest-rid": "abc123"},
        )
    )

    assert error.reset_seconds == 17
    assert error.request_id == "abc123"
    assert "request id abc123" in str(error)


def test_rate_limited_without_reset_header_falls_back_to_retry_after_then_none():
    assert (
        error_from_response(
            answer(429, {"code": 8, "message": "x"}, headers={"Retry-After": "3"})
        ).reset_seconds
        == 3
    )
    assert (
        error_from_response(
            answer(429, {"code": 8, "message": "x"}, headers={"X-RateLimit-Reset": "soon"})
        ).reset_seconds
        is None
    )


def test_a_huge_error_body_is_cut_to_a_storable_message():
    error = error_from_response(answer(500, text="x" * 100_000))

    assert len(error.message) <= errors.MESSAGE_LIMIT + 40


def test_s3_xml_refusals_are_upload_rejections_not_pinterest_errors():
    xml = "<Error><Code>AccessDenied</Code><Message>Policy expired.</Message></Error>"
    error = upload_error_from_response(answer(403, text=xml))

    assert isinstance(error, errors.MediaUploadRejected) and error.permanent
    assert error.error_code == "media_upload_rejected"
    assert "Policy expired." in error.message


@pytest.mark.parametrize(
    ("exception", "changes_state", "error_type"),
    [
        (httpx.ConnectError("refused"), True, errors.TransportError),
        (httpx.ConnectTimeout("slow"), True, errors.TransportError),
        (httpx.ReadTimeout("slow"), True, errors.OutcomeUnknown),
        (httpx.RemoteProtocolError("Server disconnected"), True, errors.OutcomeUnknown),
        (httpx.ReadTimeout("slow"), False, errors.TransportError),
    ],
)
def test_transport_failures_say_whether_a_change_may_have_happened(exception, changes_state, error_type):
    error = errors.error_from_transport(exception, changes_state=changes_state)

    assert type(error) is error_type
    assert error.transient and error.status is None


@pytest.mark.parametrize("status", [200, 201])
def test_creates_accept_200_and_201(status):
    call = Call("pins/create", "POST", "pins", success=CREATED)
    pin = handle_response(call, answer(status, {"id": "123", "title": "t", "unknown_field": {"x": 1}}), Pin)

    assert (pin.id, pin.title) == ("123", "t")


@pytest.mark.parametrize("status", [200, 204])
def test_deletes_accept_200_and_204(status):
    assert handle_response(Call("pins/delete", "DELETE", "pins/1", success=DELETED), answer(status)) is None


def test_an_unreadable_success_of_a_create_is_an_unknown_outcome_and_of_a_read_unexpected():
    garbage = answer(201, {"title": "no id"})

    with pytest.raises(errors.OutcomeUnknown):
        handle_response(Call("pins/create", "POST", "pins", success=CREATED), garbage, Pin)
    with pytest.raises(errors.UnexpectedResponse):
        handle_response(Call("pins/get", "GET", "pins/1"), answer(200, {"title": "no id"}), Pin)
