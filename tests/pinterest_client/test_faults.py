"""Every fault the sandbox can inject reaches the caller as its typed error, with the
machine error_code the pipeline stores and the permanent/transient hint it retries by."""

import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.errors import MISSING_SCOPE, RATE_LIMITED, SERVER_ERROR
from pinterest_sandbox.models import Pin as SandboxPin
from publishing.pinterest import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    ImageProblem,
    ImageUnreachable,
    InvalidRequest,
    MissingScope,
    NotFound,
    OutcomeUnknown,
    PinterestClient,
    RateLimited,
    ServerError,
    TransportError,
)
from publishing.pinterest.models import ImageUrlSource

from .conftest import sandbox_account, start_a_fresh_rate_limit_window

IMAGE = ImageUrlSource(url="https://images.example.com/pic.jpg")
THIRTY_DAYS = 30 * 24 * 3600


ERROR_ANSWERS = [
    # status, code, error type, error_code, permanent
    (400, 1, InvalidRequest, "invalid_request", True),
    (401, 2, AuthenticationFailed, "token_expired", True),
    (401, 3, MissingScope, "scope_missing", True),
    (403, 29, Forbidden, "forbidden", True),
    (404, 40, NotFound, "board_not_found", True),
    (429, 8, RateLimited, "rate_limited", False),
    (500, 500, ServerError, "pinterest_unavailable", False),
    (503, 503, ServerError, "pinterest_unavailable", False),
    (504, 504, ServerError, "pinterest_unavailable", False),
]


def test_each_injected_error_answer_maps_to_its_type(pinterest, subtests):
    # One live server for all cases: each injected rule covers exactly the next call.
    for status, code, error_type, error_code, permanent in ERROR_ANSWERS:
        with subtests.test(status=status, code=code):
            faults.inject(endpoint="boards.list", status=status, code=code)

            with pytest.raises(error_type) as raised:
                pinterest.boards_list()

            error = raised.value
            assert (error.status, error.code, error.error_code, error.permanent) == (
                status,
                code,
                error_code,
                permanent,
            )
            assert error.request_id, "the sandbox's x-pinterest-rid travels with the error"
            if status >= 500:
                assert error.message == SERVER_ERROR
    assert len(pinterest.boards_list()) == 3, "each fault was for one call only"


def test_a_board_delete_pinterest_cannot_lock_is_a_transient_conflict(pinterest, board_id):
    message = "Could not get exclusive access to delete the board."
    faults.inject(endpoint="boards.delete", status=409, code=409, message=message)

    with pytest.raises(Conflict) as raised:
        pinterest.board_delete(board_id)

    assert (raised.value.status, raised.value.message, raised.value.error_code) == (409, message, "conflict")
    assert raised.value.transient
    pinterest.board_delete(board_id)


def test_a_non_json_502_from_the_edge_is_a_server_error(pinterest, contract):
    contract.expect_off_contract_response()
    faults.bad_gateway_html(endpoint="boards.get")

    with pytest.raises(ServerError) as raised:
        pinterest.board_get("123")

    assert raised.value.status == 502 and raised.value.code is None
    assert "502 Bad Gateway" in raised.value.message
    assert raised.value.transient


def test_rate_limits_expose_the_seconds_until_the_window_resets(pinterest, settings, subtests):
    with subtests.test("an injected burst"):
        faults.rate_limit_burst(endpoint="pins.create", reset_seconds=17)
        with pytest.raises(RateLimited) as raised:
            pinterest.pin_create(board_id="1", media_source=IMAGE)
        assert (raised.value.status, raised.value.code, raised.value.message) == (429, 8, RATE_LIMITED)
        assert raised.value.reset_seconds == 17
        assert pinterest.rate_limit.remaining == 0

    with subtests.test("the per-token limit"):
        start_a_fresh_rate_limit_window()
        settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 2
        pinterest.user_account()
        pinterest.user_account()
        with pytest.raises(RateLimited) as raised:
            pinterest.user_account()
        assert 1 <= raised.value.reset_seconds <= 60
        assert raised.value.error_code == "rate_limited"


IMAGE_FAILURES = [
    # kind, error type, code, error_code, permanent
    ("too_small", ImageProblem, 233, "image_too_small", True),
    ("broken", ImageProblem, 235, "image_broken", True),
    ("unreachable", ImageUnreachable, 1, "image_unreachable", False),
]


def test_image_failures_map_to_image_problems(pinterest, board_id, subtests):
    for kind, error_type, code, error_code, permanent in IMAGE_FAILURES:
        with subtests.test(kind=kind):
            faults.image_failure(kind=kind)

            with pytest.raises(error_type) as raised:
                pinterest.pin_create(board_id=board_id, media_source=IMAGE)

            assert isinstance(raised.value, ImageProblem)
            assert (raised.value.code, raised.value.error_code, raised.value.permanent) == (
                code,
                error_code,
                permanent,
            )


def expire_by_moving_the_clock(access_token: str) -> None:
    faults.advance_clock(THIRTY_DAYS + 60)  # past every access token's 30 days


def test_revoked_and_expired_tokens_are_authentication_failed(make_client, subtests):
    # The clock goes last: it expires every token at once.
    for fault in (faults.revoke_token, faults.expire_access_token, expire_by_moving_the_clock):
        with subtests.test(fault.__name__):
            owner = sandbox_account()
            client = make_client(owner.access_token)
            client.user_account()
            fault(owner.access_token)

            with pytest.raises(AuthenticationFailed) as raised:
                client.user_account()

            assert (raised.value.status, raised.value.code, raised.value.error_code) == (
                401,
                2,
                "token_expired",
            )


def test_a_token_without_the_scope_is_missing_scope(live_server, make_client, board_id):
    reader = sandbox_account(scopes=["boards:read", "pins:read", "user_accounts:read"])

    with pytest.raises(MissingScope) as raised:
        make_client(reader.access_token).pin_create(board_id=board_id, media_source=IMAGE)

    assert (raised.value.status, raised.value.code, raised.value.message) == (401, 3, MISSING_SCOPE)
    assert raised.value.permanent


def test_slow_answers_are_waited_for_up_to_the_timeout(make_client, account, board_id, subtests):
    impatient = make_client(account.access_token, timeout=0.5)

    with subtests.test("within the timeout: just slow"):
        faults.latency(endpoint="user_account.get", seconds=0.3)
        assert make_client(account.access_token, timeout=3).user_account().username == account.user.username

    with subtests.test("a read past the timeout: a transport error, safe to retry"):
        faults.latency(endpoint="boards.list", seconds=3)
        with pytest.raises(TransportError) as raised:
            impatient.boards_list()
        assert type(raised.value) is TransportError
        assert raised.value.transient and raised.value.status is None

    with subtests.test("a create past the timeout: an unknown outcome"):
        faults.latency(endpoint="pins.create", seconds=3)
        with pytest.raises(OutcomeUnknown):
            impatient.pin_create(board_id=board_id, media_source=IMAGE)


def test_a_dropped_connection_is_an_unknown_outcome_only_for_a_create(pinterest, board_id, subtests):
    with subtests.test("create"):
        # Nothing was created, but from where the client stands it cannot know that.
        faults.drop_connection(endpoint="pins.create")
        with pytest.raises(OutcomeUnknown):
            pinterest.pin_create(board_id=board_id, media_source=IMAGE)
        assert not SandboxPin.objects.exists()

    with subtests.test("read"):
        faults.drop_connection(endpoint="boards.list")
        with pytest.raises(TransportError) as raised:
            pinterest.boards_list()
        assert type(raised.value) is TransportError


def test_nothing_listening_is_a_transport_error():
    with PinterestClient("http://127.0.0.1:9/v5", "pina_token", timeout=2) as nowhere:
        with pytest.raises(TransportError) as raised:
            nowhere.pin_create(board_id="1", media_source=IMAGE)

    assert type(raised.value) is TransportError, "a refused connection sent nothing: no unknown outcome"


def test_every_exchange_of_a_test_was_contract_checked(pinterest, board_id, contract):
    pinterest.user_account()
    pinterest.pin_create(board_id=board_id, media_source=IMAGE)
    faults.inject(endpoint="pins.get", status=404, code=50, message="Pin not found.")
    with pytest.raises(NotFound):
        pinterest.pin_get("1")

    assert [line.split(" ", 1)[0] + " " + line.rsplit(" ", 1)[1] for line in contract.checked] == [
        "GET 200",
        "POST 201",
        "GET 404",
    ]
