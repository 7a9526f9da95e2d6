"""Schedules: local times with DST, UTC storage, one pin per schedule, state rules."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import Pin, PinStatus, Schedule, ScheduleStatus
from publishing.services.errors import BadRequest, InvalidState, ValidationError
from publishing.services.schedules import (
    local_time_to_utc,
    schedule_cancel,
    schedule_create,
    schedule_delete,
    schedule_retry,
    schedule_run,
    schedule_update,
    schedule_validate,
    schedules_dispatch_due,
    schedules_run_due,
)
from tests.pipeline_fixtures import pin_payload, queued_jobs

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
RUN = "publishing.tasks.run_schedule"


def schedule_data(account, board, **overrides):
    data = pin_payload(account, board)
    del data["idempotency_key"]
    data["run_at"] = (timezone.now() + timedelta(hours=1)).isoformat()
    data.update(overrides)
    return data


def make_due(schedule):
    Schedule.objects.filter(pk=schedule.pk).update(run_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def schedule(workspace, cast, offline_account, offline_board):
    return schedule_create(actor=Actor.for_user(cast.manager, workspace), data=schedule_data(offline_account,
                                                                                              offline_board))


def test_local_times_become_utc():
    assert local_time_to_utc(datetime(2026, 7, 1, 9, 30), PARIS) == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert local_time_to_utc(datetime(2026, 1, 1, 9, 30), PARIS) == datetime(2026, 1, 1, 8, 30, tzinfo=UTC)


def test_a_local_time_skipped_by_the_spring_change_is_refused():
    with pytest.raises(ValidationError) as refused:
        local_time_to_utc(datetime(2026, 3, 29, 2, 30), PARIS)
    assert refused.value.code == "nonexistent_local_time"
    assert "does not exist in Europe/Paris" in refused.value.message


def test_a_local_time_repeated_by_the_autumn_change_needs_a_choice():
    with pytest.raises(ValidationError) as refused:
        local_time_to_utc(datetime(2026, 10, 25, 2, 30), PARIS)
    assert refused.value.code == "ambiguous_local_time"
    assert "+02:00" in refused.value.message and "+01:00" in refused.value.message
    assert local_time_to_utc(datetime(2026, 10, 25, 2, 30), PARIS, fold=0) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_time_to_utc(datetime(2026, 10, 25, 2, 30), PARIS, fold=1) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_schedule_entered_in_the_workspace_zone_is_stored_in_utc(workspace, cast, offline_account, offline_board):
    workspace.timezone = "Europe/Paris"
    workspace.save()
    next_july = datetime(timezone.now().year + 1, 7, 1, 9, 30)
    created = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=schedule_data(
        offline_account, offline_board, run_at=None, run_at_local=next_july.isoformat()))
    assert created.run_at == next_july.replace(hour=7, tzinfo=UTC)


def test_a_new_schedule_waits_in_its_table_and_is_dispatched_for_run_at(
        workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = schedule_create(actor=Actor.for_user(cast.manager, workspace),
                                  data=schedule_data(offline_account, offline_board))
    assert created.status == ScheduleStatus.SCHEDULED
    assert created.title == "A red chair" and created.media_type == "image"
    assert queued_jobs(RUN) == []  # the broker holds no job for a schedule an hour away
    with django_capture_on_commit_callbacks(execute=True):
        schedules_dispatch_due(now=created.run_at - timedelta(seconds=1))
    [(args, run_after)] = queued_jobs(RUN)
    assert args == (created.pk,) and run_after == created.run_at


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"run_at": "2020-01-01T00:00:00Z"}, "run_at", "run_at_in_past"),
    ({"run_at": "2099-01-01T09:00:00"}, "run_at", "timezone_required"),
    ({"run_at": "tomorrow"}, "run_at", "invalid_datetime"),
    ({"run_at": None}, "run_at", "required"),
    ({"board_id": "900000000000000999"}, "board_id", "board_not_found"),
    ({"title": "\x00"}, "title", "invalid_characters"),
    # West of UTC, the last hour of year 9999 falls past it in UTC: refused, not an OverflowError.
    ({"run_at": "9999-12-31T23:00:00-05:00"}, "run_at", "invalid_datetime"),
])
def test_bad_schedules_are_refused_naming_the_field(workspace, cast, offline_account, offline_board, overrides,
                                                    field, code):
    with pytest.raises(ValidationError) as refused:
        schedule_create(actor=Actor.for_user(cast.manager, workspace),
                        data=schedule_data(offline_account, offline_board, **overrides))
    assert refused.value.field == field
    assert refused.value.fields[field]
    assert refused.value.code == code
    assert not Schedule.objects.exists()


def test_a_local_time_past_the_calendar_end_in_utc_is_refused_not_a_crash(workspace, cast, offline_account,
                                                                          offline_board):
    workspace.timezone = "America/New_York"  # 23:00 on 9999-12-31 there is past year 9999 in UTC
    workspace.save()
    with pytest.raises(ValidationError) as refused:
        schedule_create(actor=Actor.for_user(cast.manager, workspace), data=schedule_data(
            offline_account, offline_board, run_at=None, run_at_local="9999-12-31T23:00"))
    assert (refused.value.field, refused.value.code) == ("run_at_local", "invalid_datetime")
    assert not Schedule.objects.exists()


def test_running_a_due_schedule_creates_its_pin_once(schedule, cast):
    make_due(schedule)
    assert schedule_run(schedule_id=schedule.pk) == "ran"
    assert schedule_run(schedule_id=schedule.pk) == "already_run"
    assert schedules_run_due() == 0

    schedule.refresh_from_db()
    pin = Pin.objects.get()
    assert schedule.pin == pin and schedule.status == ScheduleStatus.QUEUED
    assert (pin.source, pin.idempotency_key, pin.created_by) == ("schedule", f"schedule:{schedule.public_id}",
                                                                 cast.manager)


def test_a_schedule_is_not_run_before_its_time(schedule):
    assert schedule_run(schedule_id=schedule.pk) == "not_due"
    assert not Pin.objects.exists()


def test_a_schedule_whose_pin_cannot_be_created_fails_with_the_reason(schedule, offline_board):
    offline_board.deleted_at = timezone.now()
    offline_board.save()
    make_due(schedule)
    assert schedule_run(schedule_id=schedule.pk) == "failed"
    schedule.refresh_from_db()
    assert schedule.status == ScheduleStatus.FAILED and "board" in schedule.last_error


def test_only_scheduled_schedules_can_be_edited(schedule, cast):
    later = (timezone.now() + timedelta(days=2)).isoformat()
    updated = schedule_update(
        schedule=schedule,
        actor=Actor.for_user(cast.manager, schedule.workspace),
        data={"title": "Later", "run_at": later},
    )
    assert updated.title == "Later"
    make_due(schedule)
    schedule_run(schedule_id=schedule.pk)
    with pytest.raises(InvalidState) as refused:
        schedule_update(
            schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace), data={"title": "Too late"}
        )
    assert refused.value.code == "schedule_not_editable"


def test_cancel_is_allowed_while_scheduled_or_queued_and_withdraws_the_pin(schedule, cast):
    make_due(schedule)
    schedule_run(schedule_id=schedule.pk)
    canceled = schedule_cancel(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))
    assert canceled.status == ScheduleStatus.CANCELED
    assert Pin.objects.get().deleted_at is not None
    with pytest.raises(BadRequest):
        schedule_cancel(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))


def test_delete_is_only_for_finished_schedules(schedule, cast):
    with pytest.raises(BadRequest) as refused:
        schedule_delete(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))
    assert (refused.value.code, refused.value.status_hint) == ("bad_request", 400)
    schedule_cancel(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))
    schedule_delete(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))
    assert not Schedule.objects.exists()


def test_only_failed_schedules_are_retried(schedule, cast):
    with pytest.raises(BadRequest):
        schedule_retry(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))


def test_retrying_a_failed_schedule_without_a_pin_schedules_it_again(schedule, cast):
    Schedule.objects.filter(pk=schedule.pk).update(own_status=ScheduleStatus.FAILED, own_error="boom",
                                                   run_at=timezone.now() - timedelta(minutes=5))
    retried = schedule_retry(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))
    assert (retried.status, retried.last_error) == (ScheduleStatus.SCHEDULED, "")
    assert schedules_run_due() == 1  # run_at has passed: the next tick runs it


def test_retrying_a_failed_schedule_retries_its_failed_pin(schedule, cast):
    make_due(schedule)
    schedule_run(schedule_id=schedule.pk)
    pin = Pin.objects.get()
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.FAILED, error_code="pinterest_unavailable")
    assert Schedule.objects.get(pk=schedule.pk).status == ScheduleStatus.FAILED  # it reports its pin's status

    retried = schedule_retry(schedule=schedule, actor=Actor.for_user(cast.manager, schedule.workspace))
    pin.refresh_from_db()
    assert pin.status == PinStatus.QUEUED
    assert retried.status == ScheduleStatus.QUEUED  # it follows its pin


def test_problems_with_the_time_and_the_pin_are_reported_together(workspace, cast, offline_account, offline_board):
    with pytest.raises(ValidationError) as refused:
        schedule_create(actor=Actor.for_user(cast.manager, workspace),
                        data=schedule_data(offline_account, offline_board, run_at=None, title=""))
    assert set(refused.value.fields) == {"run_at", "title"}


def test_validate_checks_the_pin_and_run_at(workspace, offline_account, offline_board):
    report = schedule_validate(
        actor=Actor.system(workspace, job="test"),
        data=schedule_data(offline_account, offline_board, run_at="2020-01-01T00:00:00Z"),
    )
    checks = {check["name"]: check["status"] for check in report["checks"]}
    assert report["valid"] is False and checks["run_at"] == "failed" and checks["board_access"] == "passed"


def test_bulk_schedule_operations_report_every_id(schedule, workspace, cast):
    from publishing.services.schedules import schedule_bulk

    canceled = schedule_bulk(
        actor=Actor.for_user(cast.manager, workspace), schedule_ids=[schedule.public_id, "not-an-id"], action="cancel"
    )
    assert [(r["status"], r["error_code"]) for r in canceled["results"]] == [("succeeded", None),
                                                                             ("failed", "not_found")]
    again = schedule_bulk(
        actor=Actor.for_user(cast.manager, workspace), schedule_ids=[schedule.public_id], action="cancel"
    )
    assert again["skipped_count"] == 1
    foreign = schedule_bulk(
        actor=Actor.for_user(cast.outsider, cast.other_team.workspaces.get()),
        schedule_ids=[schedule.public_id],
        action="delete",
    )
    assert foreign["failed_count"] == 1 and Schedule.objects.filter(pk=schedule.pk).exists()
