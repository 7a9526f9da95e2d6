"""/v1/pinterest board reads never wait for Pinterest on a stale cache (a job refreshes it), and the
calls that must answer from Pinterest (creating a board, a ``fresh`` access check) keep their contract
within the request's Pinterest deadline: a 502 in the API's error format, never a hung request.

Through the official SDK on the live server; Pinterest is the built-in sandbox over real HTTP, and a
counting stand-in (tests/pinterest_stand_in.py) takes its place while a request must not call it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pinbridge_sdk.errors import APIError
from pinbridge_sdk.models import BoardCreateRequest

from publishing import tasks
from publishing.api.routers.pinterest import BOARDS_CACHE_TTL
from publishing.models import PinterestAccount
from publishing.services.pinterest_access import pinterest_for
from tests import pinterest_stand_in as stand_ins
from tests.api.conftest import http
from tests.pipeline_fixtures import queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)
pinterest_stand_in = stand_ins.pinterest_stand_in
hanging_pinterest = stand_ins.hanging_pinterest

REFRESH_JOB = "publishing.tasks.refresh_boards"


def test_a_stale_board_list_is_served_as_stored_and_refreshed_by_one_job(keyed, account, board, settings,
                                                                         pinterest_stand_in):
    with pinterest_for(account) as pinterest:  # made on Pinterest, not yet in Pinboard's cache
        made = pinterest.board_create(name="Made on Pinterest")
    PinterestAccount.objects.filter(pk=account.pk).update(
        boards_synced_at=timezone.now() - BOARDS_CACHE_TTL - timedelta(seconds=1))
    sandbox_api, settings.SANDBOX_PINTEREST_API_BASE = settings.SANDBOX_PINTEREST_API_BASE, pinterest_stand_in.url
    client = keyed()

    stored = [b.id for b in client.pinterest.list_boards(account.public_id)]
    access = client.pinterest.check_board_access(board.pinterest_board_id, account_id=account.public_id)
    assert board.pinterest_board_id in stored and made.id not in stored
    assert access.publishable and access.source == "cache"
    assert pinterest_stand_in.requests == 0, "a board read called Pinterest"
    assert [args for args, _ in queued_jobs(REFRESH_JOB)] == [(account.pk,)], "one job, however many reads"

    settings.SANDBOX_PINTEREST_API_BASE = sandbox_api
    assert tasks.refresh_boards(account.pk) == "4 boards"
    assert made.id in [b.id for b in client.pinterest.list_boards(account.public_id)]
    assert len(queued_jobs(REFRESH_JOB)) == 1  # fresh again: no further job


def test_creating_a_board_while_pinterest_hangs_is_a_502_within_the_deadline(keyed, account, settings,
                                                                             hanging_pinterest):
    settings.SANDBOX_PINTEREST_API_BASE = hanging_pinterest.url
    settings.PINTEREST_TIMEOUT_SECONDS = 300.0  # a job's patience: the request must not borrow it
    settings.PINTEREST_REQUEST_TIMEOUT_SECONDS = 1.0
    client = keyed()  # the SDK gives up after 30 s: a request without the deadline fails the test that way

    with pytest.raises(APIError) as refused:
        client.pinterest.create_board(BoardCreateRequest(account_id=account.public_id, name="Kitchens"))
    # Sent, then no answer: the board may exist now, and the error says so.
    assert refused.value.status_code == 502 and refused.value.code == "outcome_unknown"
    assert "may or may not have happened" in refused.value.message
    access = client.pinterest.check_board_access("12345", account_id=account.public_id, fresh=True)
    assert not access.publishable and access.code == "pinterest_unreachable" and access.source == "pinterest"
    assert hanging_pinterest.requests == 2


def test_the_document_declares_the_502_of_every_operation_that_calls_pinterest_in_the_request(server):
    paths = http(server, "GET", "/v1/openapi.json").json()["paths"]
    for path, method in (("/v1/pinterest/oauth/callback", "get"), ("/v1/pinterest/boards", "get"),
                         ("/v1/pinterest/boards", "post"), ("/v1/pinterest/boards/{board_id}", "patch"),
                         ("/v1/pinterest/boards/{board_id}", "delete"), ("/v1/pins/{pin_id}", "delete")):
        assert "502" in paths[path][method]["responses"], f"{method.upper()} {path}"
