"""/v1/schedules through the SDK, with a bearer token and with an API key."""

from datetime import UTC, datetime, timedelta

import pytest
from pinbridge_sdk.errors import APIError, AuthenticationError, NotFoundError, ValidationError
from pinbridge_sdk.models import ScheduleCreate, ScheduleUpdate

from publishing.models import Schedule, ScheduleStatus

pytestmark = pytest.mark.django_db(transaction=True)


def schedule_create(account, board, *, hours=2, **overrides):
    fields = {"account_id": account.public_id, "board_id": board.pinterest_board_id, "title": "Tomorrow's chair",
              "image_url": "https://images.example.com/chair.jpg",
              "run_at": datetime.now(UTC) + timedelta(hours=hours)}
    fields.update(overrides)
    return ScheduleCreate(**fields)


def test_create_get_and_validate(client, account, board):
    schedule = client.schedules.create(schedule_create(account, board))
    assert schedule.status.value == "scheduled" and schedule.payload["title"] == "Tomorrow's chair"
    assert client.schedules.get(schedule.id).run_at == schedule.run_at
    report = client.schedules.validate(schedule_create(account, board, board_id="77"))
    assert not report.valid and Schedule.objects.count() == 1


def test_run_at_in_the_past_is_refused_naming_the_field(client, account, board):
    with pytest.raises(ValidationError) as refused:
        client.schedules.create(schedule_create(account, board, hours=-1))
    assert refused.value.details["error"]["errors"][0]["field"] == "run_at"


def test_list_and_list_page_with_filters_sort_and_total(client, account, board):
    for hours, title in ((3, "Later"), (1, "Sooner"), (2, "Middle")):
        client.schedules.create(schedule_create(account, board, hours=hours, title=title))
    assert [s.payload["title"] for s in client.schedules.list()] == ["Later", "Middle", "Sooner"]
    page = client.schedules.list_page(limit=2, sort="run_at_asc")
    assert page.total == 3 and page.has_more and [s.payload["title"] for s in page.items] == ["Sooner", "Middle"]
    assert [s.payload["title"] for s in client.schedules.list(q="midd")] == ["Middle"]
    assert [s.payload["title"] for s in client.schedules.list(sort="title_asc")] == ["Later", "Middle", "Sooner"]
    assert len(client.schedules.list(status="scheduled", account_id=account.public_id,
                                     board_id=board.pinterest_board_id)) == 3


def test_update_cancel_retry_and_delete_follow_the_status_rules(client, account, board):
    schedule = client.schedules.create(schedule_create(account, board))
    updated = client.schedules.update(schedule.id, ScheduleUpdate(title="Renamed"))
    assert updated.payload["title"] == "Renamed"
    with pytest.raises(APIError) as still_pending:
        client.schedules.delete(schedule.id)
    assert still_pending.value.status_code == 400
    assert client.schedules.cancel(schedule.id).status.value == "canceled"
    with pytest.raises(APIError) as not_editable:
        client.schedules.update(schedule.id, ScheduleUpdate(title="Too late"))
    assert not_editable.value.status_code == 409 and not_editable.value.code == "schedule_not_editable"
    Schedule.objects.filter(public_id=schedule.id).update(own_status=ScheduleStatus.FAILED, own_error="boom")
    assert client.schedules.retry(schedule.id).status.value == "scheduled"
    client.schedules.cancel(schedule.id)
    assert client.schedules.delete(schedule.id) is None
    with pytest.raises(NotFoundError):
        client.schedules.get(schedule.id)


def test_bulk_cancel_retry_and_delete(client, account, board):
    first, second = (client.schedules.create(schedule_create(account, board, hours=h)) for h in (1, 2))
    canceled = client.schedules.bulk_cancel([first.id, second.id])
    assert canceled.succeeded_count == 2
    retried = client.schedules.bulk_retry([first.id])
    assert retried.skipped_count == 1 and retried.results[0].error_code == "bad_request"
    deleted = client.schedules.bulk_delete([first.id, second.id, "00000000-0000-4000-8000-000000000000"])
    assert (deleted.succeeded_count, deleted.failed_count) == (2, 1)


def test_denials(login, cast, keyed, outsider_client, account, board):
    schedule = keyed().schedules.create(schedule_create(account, board))
    with pytest.raises(AuthenticationError) as viewer:
        login(cast.viewer).schedules.cancel(schedule.id)
    assert viewer.value.status_code == 403
    with pytest.raises(AuthenticationError) as scope:
        keyed(scopes=["read", "write"]).schedules.delete(schedule.id)
    assert scope.value.code == "insufficient_scope"
    with pytest.raises(NotFoundError):
        outsider_client.schedules.get(schedule.id)
    assert outsider_client.schedules.list() == []
