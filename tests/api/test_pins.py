"""/v1/pins and /v1/jobs through the SDK, with a bearer token and with an API key."""

from datetime import timedelta

import pytest
from pinbridge_sdk.errors import APIError, AuthenticationError, NotFoundError, ValidationError
from pinbridge_sdk.models import PinRetryRequest, PinUpdate

from publishing.models import Pin, PinStatus
from publishing.services.analytics_collection import collect_account, pinterest_today
from tests.api.conftest import pin_create
from tests.services.analytics import conftest as analytics_fixtures
from tests.services.analytics.conftest import published_pin

pytestmark = pytest.mark.django_db(transaction=True)
noon = analytics_fixtures.noon


def test_create_queues_the_pin_and_a_repeat_returns_the_same_pin(client, account, board):
    pin = client.pins.create(pin_create(account, board))
    assert pin.status.value == "queued" and pin.media_type.value == "image"
    assert pin.board_id == board.pinterest_board_id and pin.pinterest_account_id == account.public_id
    assert pin.image_url == pin.media_url == "https://images.example.com/red-chair.jpg"
    again = client.pins.create(pin_create(account, board))
    assert again.id == pin.id and Pin.objects.count() == 1
    with pytest.raises(APIError) as conflict:
        client.pins.create(pin_create(account, board, title="Another chair"))
    assert conflict.value.status_code == 409 and conflict.value.code == "idempotency_conflict"


def test_create_names_the_field_at_fault(client, account, board):
    with pytest.raises(ValidationError) as refused:
        client.pins.create(pin_create(account, board, board_id="123456789"))
    assert refused.value.status_code == 422
    assert refused.value.details["error"]["errors"][0]["field"] == "board_id"


def test_validate_is_a_dry_run(client, account, board):
    report = client.pins.validate(pin_create(account, board))
    assert report.valid and report.dry_run and {c.name for c in report.checks} >= {"account", "board_access"}
    assert report.headroom["account_tokens_available"] > 0
    bad = client.pins.validate(pin_create(account, board, board_id="42"))
    assert not bad.valid and any(c.name == "board_access" and c.status.value == "failed" for c in bad.checks)
    assert Pin.objects.count() == 0


def test_batch_reports_each_item(client, account, board):
    result = client.pins.create_batch([
        pin_create(account, board, idempotency_key="a"),
        pin_create(account, board, idempotency_key="b", board_id="404"),
        pin_create(account, board, idempotency_key="a"),
    ])
    assert (result.created_count, result.existing_count, result.failed_count) == (1, 1, 1)
    assert [r.status.value for r in result.results] == ["created", "failed", "existing"]
    assert result.results[1].error["code"] and result.results[0].pin.id == result.results[2].pin.id


def test_get_list_and_list_page_with_filters_search_sort_and_total(client, account, board):
    for n, title in enumerate(["Blue lamp", "Red chair", "Green sofa"]):
        client.pins.create(pin_create(account, board, title=title, idempotency_key=f"k{n}"))
    Pin.objects.filter(title="Green sofa").update(status=PinStatus.FAILED, error_code="board_not_found")
    listed = client.pins.list(sort="title_asc")
    assert [p.title for p in listed] == ["Blue lamp", "Green sofa", "Red chair"]
    page = client.pins.list_page(limit=2, offset=0, sort="created_at_asc")
    assert page.total == 3 and page.has_more and [p.title for p in page.items] == ["Blue lamp", "Red chair"]
    assert [p.title for p in client.pins.list(q="blue")] == ["Blue lamp"]  # title, description or link
    assert [p.title for p in client.pins.list(status="failed")] == ["Green sofa"]
    assert [p.title for p in client.pins.list(error_code="board_not_found")] == ["Green sofa"]
    assert len(client.pins.list(account_id=account.public_id, board_id=board.pinterest_board_id)) == 3
    assert client.pins.list(removed=True) == []
    assert client.pins.get(listed[0].id).title == "Blue lamp"


def test_update_an_unpublished_pin_and_refuse_a_published_one(client, account, board):
    pin = client.pins.create(pin_create(account, board))
    updated = client.pins.update(pin.id, PinUpdate(title="A better chair", description=None))
    assert updated.title == "A better chair" and updated.description is None
    Pin.objects.filter(public_id=pin.id).update(status=PinStatus.PUBLISHED, pinterest_pin_id="1234")
    with pytest.raises(APIError) as refused:
        client.pins.update(pin.id, PinUpdate(title="Too late"))
    assert refused.value.status_code == 409 and refused.value.code == "pin_already_published"


def test_retry_a_failed_pin_optionally_to_another_board(client, account, board):
    pin = client.pins.create(pin_create(account, board))
    with pytest.raises(APIError) as not_failed:
        client.pins.retry(pin.id)
    assert not_failed.value.status_code == 409
    Pin.objects.filter(public_id=pin.id).update(status=PinStatus.FAILED, error_code="pinterest_error")
    other = account.boards.exclude(pk=board.pk).first()
    retried = client.pins.retry(pin.id, PinRetryRequest(board_id=other.pinterest_board_id))
    assert retried.status.value == "queued" and retried.board_id == other.pinterest_board_id
    assert retried.error_code is None


def test_delete_the_record_or_also_on_pinterest(client, account, board):
    kept, removed = (client.pins.create(pin_create(account, board, idempotency_key=k)) for k in ("x", "y"))
    assert client.pins.delete(kept.id) is None
    with pytest.raises(NotFoundError):
        client.pins.get(kept.id)
    outcome = client.pins.delete(removed.id, delete_from_pinterest=True)
    assert outcome.deleted and not outcome.removed_from_pinterest and outcome.reason == "not_published"


def test_bulk_delete_and_bulk_retry_report_each_id(client, account, board):
    queued, failed = (client.pins.create(pin_create(account, board, idempotency_key=k)) for k in ("q", "f"))
    Pin.objects.filter(public_id=failed.id).update(status=PinStatus.FAILED)
    unknown = "00000000-0000-4000-8000-000000000000"
    retried = client.pins.bulk_retry([queued.id, failed.id, unknown])
    assert (retried.succeeded_count, retried.skipped_count, retried.failed_count) == (1, 1, 1)
    deleted = client.pins.bulk_delete([queued.id, failed.id])
    assert deleted.succeeded_count == 2 and client.pins.list() == []


def test_jobs_get_follows_the_pin(client, account, board):
    pin = client.pins.create(pin_create(account, board))
    job = client.jobs.get(pin.id)
    assert job.job_id == job.pin_id == pin.id and job.status.value == "queued" and job.completed_at is None
    with pytest.raises(NotFoundError):
        client.jobs.get("00000000-0000-4000-8000-000000000000")


def test_analytics_in_a_sandbox_workspace_are_the_sandbox_figures_live_then_stored(noon, client, account, board):
    unpublished = client.pins.create(pin_create(account, board))
    with pytest.raises(APIError) as conflict:
        client.pins.analytics(unpublished.id)
    assert conflict.value.status_code == 409  # as in production: not on Pinterest, no analytics
    Pin.objects.filter(public_id=unpublished.id).update(status=PinStatus.FAILED)  # else publishing goes first (429)
    pin = published_pin(account, days_ago=10)
    today = pinterest_today()
    live = client.pins.analytics(pin.public_id, start_date=today - timedelta(days=6), end_date=today,
                                 metrics=["impression"])
    assert (live.provider_mode.value, live.source, live.history_start) == ("simulated", "live", None)
    assert len(live.daily) == 7 and live.totals["impression"] > 0  # the sandbox's figures, not zeros
    assert client.pins.analytics(pin.public_id, include_daily=False).daily == []

    collect_account(account)  # collected like a production account: auto now reads the stored rows
    stored = client.pins.analytics(pin.public_id, start_date=today - timedelta(days=6), end_date=today,
                                   metrics=["impression"])
    assert (stored.provider_mode.value, stored.source) == ("simulated", "stored")
    assert stored.totals == live.totals and stored.history_start is not None


def test_a_viewer_may_read_but_not_write(login, cast, account, board, keyed):
    viewer = login(cast.viewer)
    assert viewer.pins.list() == []
    with pytest.raises(AuthenticationError) as refused:
        viewer.pins.create(pin_create(account, board))
    assert refused.value.status_code == 403 and refused.value.code == "insufficient_role"
    read_only = keyed(scopes=["read"])
    with pytest.raises(AuthenticationError) as no_scope:
        read_only.pins.create(pin_create(account, board))
    assert no_scope.value.code == "insufficient_scope"
    writer = keyed(scopes=["read", "write"])
    pin = writer.pins.create(pin_create(account, board))
    with pytest.raises(AuthenticationError) as not_destructive:
        writer.pins.delete(pin.id)
    assert not_destructive.value.code == "insufficient_scope"


def test_an_outsider_sees_none_of_the_teams_pins(client, outsider_client, account, board):
    pin = client.pins.create(pin_create(account, board))
    for call in (lambda: outsider_client.pins.get(pin.id), lambda: outsider_client.jobs.get(pin.id),
                 lambda: outsider_client.pins.update(pin.id, PinUpdate(title="mine")),
                 lambda: outsider_client.pins.delete(pin.id)):
        with pytest.raises(NotFoundError):
            call()
    assert outsider_client.pins.list() == []
    assert outsider_client.pins.bulk_delete([pin.id]).failed_count == 1
