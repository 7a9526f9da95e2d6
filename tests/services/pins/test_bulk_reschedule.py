"""Bulk reschedule: schedules moved to one time or by N days (through schedule_update), and failed
pins retried for a chosen time (through pin_retry); one result per id, on a frozen clock for DST."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from publishing.access import AccessForbidden, Actor
from publishing.models import ApprovalState, Pin, PinStatus, Schedule, ScheduleStatus
from publishing.services.delivery import pin_claim, pins_requeue_due, stuck_pins
from publishing.services.errors import ValidationError
from publishing.services.pins import pin_bulk_retry, pin_create
from publishing.services.schedules import schedule_bulk_reschedule, schedule_create
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"
# Five days before Europe/Paris falls back (2026-10-25, 03:00 → 02:00) and noon UTC.
BEFORE_FALL_BACK = "2026-10-20T12:00:00+00:00"
BEFORE_SPRING_FORWARD = "2026-03-24T12:00:00+00:00"


@pytest.fixture
def paris(workspace):
    workspace.timezone = "Europe/Paris"
    workspace.save()
    return workspace


def make_schedule(workspace, cast, account, board, run_at: datetime, title="A red chair") -> Schedule:
    data = pin_payload(account, board, title=title, run_at=run_at.isoformat())
    del data["idempotency_key"]
    return schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data)


def outcome(result) -> list[tuple[str, str | None]]:
    return [(item["status"], item["error_code"]) for item in result["results"]]


@pytest.mark.parametrize("clock", [BEFORE_FALL_BACK], indirect=True)
def test_moving_to_one_local_time_reports_every_id(clock, paris, cast, offline_account, offline_board,
                                                   django_capture_on_commit_callbacks):
    first = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 21, 8, tzinfo=UTC))
    second = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 22, 8, tzinfo=UTC))
    canceled = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 23, 8, tzinfo=UTC))
    Schedule.objects.filter(pk=canceled.pk).update(own_status=ScheduleStatus.CANCELED)
    with django_capture_on_commit_callbacks(execute=True):
        result = schedule_bulk_reschedule(
            actor=Actor.for_user(cast.editor, paris), run_at_local=datetime(2026, 11, 2, 9, 30),
            schedule_ids=[first.public_id, str(second.public_id), canceled.public_id, "not-an-id"])
    assert outcome(result) == [("succeeded", None), ("succeeded", None), ("skipped", "schedule_not_editable"),
                               ("failed", "not_found")]
    assert (result["succeeded_count"], result["skipped_count"], result["failed_count"]) == (2, 1, 1)
    assert "canceled" in result["results"][2]["error_message"]
    moved = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)  # 09:30 in Paris in winter (UTC+1)
    assert {s.run_at for s in Schedule.objects.filter(pk__in=[first.pk, second.pk])} == {moved}
    assert Schedule.objects.get(pk=canceled.pk).run_at == datetime(2026, 10, 23, 8, tzinfo=UTC)
    # Each waits to be dispatched for its new time (a job handed over for the old one finds it not due).
    assert set(Schedule.objects.awaiting_dispatch(moved).values_list("pk", flat=True)) == {first.pk, second.pk}


@pytest.mark.parametrize("clock", [BEFORE_FALL_BACK], indirect=True)
def test_another_teams_schedules_are_not_found(clock, paris, cast, offline_account, offline_board):
    ours = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 21, 8, tzinfo=UTC))
    result = schedule_bulk_reschedule(actor=Actor.for_user(cast.outsider, cast.other_team.workspaces.get()),
                                      schedule_ids=[ours.public_id], shift_days=1)
    assert outcome(result) == [("failed", "not_found")]
    assert result["results"][0]["error_message"] == "Schedule not found."  # never looked up outside the team
    assert Schedule.objects.get(pk=ours.pk).run_at == datetime(2026, 10, 21, 8, tzinfo=UTC)


@pytest.mark.parametrize("clock", [BEFORE_FALL_BACK], indirect=True)
def test_moving_by_days_keeps_the_wall_clock_time_across_the_fall_back(clock, paris, cast, offline_account,
                                                                        offline_board):
    # 09:00 in Paris on the 24th (summer time, UTC+2) is 09:00 on the 25th (winter time, UTC+1).
    nine = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 24, 7, tzinfo=UTC))
    # 02:30 on the 25th happens twice: the single reschedule asks which; so does each item here.
    twice = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 24, 0, 30, tzinfo=UTC))
    result = schedule_bulk_reschedule(actor=Actor.for_user(cast.manager, paris), shift_days=1,
                                      schedule_ids=[nine.public_id, twice.public_id])
    assert outcome(result) == [("succeeded", None), ("failed", "ambiguous_local_time")]
    assert "happens twice in Europe/Paris" in result["results"][1]["error_message"]
    assert Schedule.objects.get(pk=nine.pk).run_at == datetime(2026, 10, 25, 8, tzinfo=UTC)
    assert Schedule.objects.get(pk=twice.pk).run_at == datetime(2026, 10, 24, 0, 30, tzinfo=UTC)  # unchanged


@pytest.mark.parametrize("clock", [BEFORE_SPRING_FORWARD], indirect=True)
def test_moving_by_days_onto_a_skipped_time_refuses_that_item(clock, paris, cast, offline_account, offline_board):
    # 02:30 on 2026-03-28 (UTC+1) moved a day lands in the hour the clocks skip on the 29th.
    skipped = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 3, 28, 1, 30, tzinfo=UTC))
    back = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 3, 30, 7, tzinfo=UTC))
    result = schedule_bulk_reschedule(actor=Actor.for_user(cast.manager, paris), shift_days=1,
                                      schedule_ids=[skipped.public_id])
    assert outcome(result) == [("failed", "nonexistent_local_time")]
    # Back across the change: 09:00 (UTC+2) on the 30th is 09:00 (UTC+1) on the 27th.
    earlier = schedule_bulk_reschedule(actor=Actor.for_user(cast.manager, paris), shift_days=-3,
                                       schedule_ids=[back.public_id])
    assert outcome(earlier) == [("succeeded", None)]
    assert Schedule.objects.get(pk=back.pk).run_at == datetime(2026, 3, 27, 8, tzinfo=UTC)
    into_the_past = schedule_bulk_reschedule(actor=Actor.for_user(cast.manager, paris), shift_days=-30,
                                             schedule_ids=[back.public_id])
    assert outcome(into_the_past) == [("failed", "run_at_in_past")]


@pytest.mark.parametrize("clock", [BEFORE_FALL_BACK], indirect=True)
@pytest.mark.parametrize(("arguments", "field", "code"), [
    ({"run_at_local": datetime(2026, 10, 25, 2, 30)}, "run_at_local", "ambiguous_local_time"),
    ({"run_at_local": datetime(2026, 10, 1, 9, 0)}, "run_at_local", "run_at_in_past"),
    ({"run_at_local": "next tuesday"}, "run_at_local", "invalid_datetime"),
    ({}, "run_at_local", "required"),
    ({"run_at_local": datetime(2026, 11, 2, 9, 0), "shift_days": 1}, "run_at_local", "required"),
    ({"shift_days": 0}, "shift_days", "invalid_shift"),
    ({"shift_days": 400}, "shift_days", "invalid_shift"),
])
def test_a_bad_time_refuses_the_whole_request_naming_the_field(clock, paris, cast, offline_account, offline_board,
                                                               arguments, field, code):
    schedule = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 21, 8, tzinfo=UTC))
    with pytest.raises(ValidationError) as refused:
        schedule_bulk_reschedule(actor=Actor.for_user(cast.manager, paris), schedule_ids=[schedule.public_id],
                                 **arguments)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert Schedule.objects.get(pk=schedule.pk).run_at == datetime(2026, 10, 21, 8, tzinfo=UTC)


@pytest.mark.parametrize("clock", [BEFORE_FALL_BACK], indirect=True)
def test_the_ambiguous_time_is_accepted_once_its_occurrence_is_chosen(clock, paris, cast, offline_account,
                                                                       offline_board):
    schedule = make_schedule(paris, cast, offline_account, offline_board, datetime(2026, 10, 21, 8, tzinfo=UTC))
    schedule_bulk_reschedule(actor=Actor.for_user(cast.manager, paris), schedule_ids=[schedule.public_id],
                             run_at_local=datetime(2026, 10, 25, 2, 30), run_at_fold=1)
    assert Schedule.objects.get(pk=schedule.pk).run_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_viewer_may_not_move_schedules(workspace, cast, offline_account, offline_board):
    schedule = make_schedule(workspace, cast, offline_account, offline_board, timezone.now() + timedelta(days=1))
    with pytest.raises(AccessForbidden):
        schedule_bulk_reschedule(actor=Actor.for_user(cast.viewer, workspace), schedule_ids=[schedule.public_id],
                                 shift_days=1)


# --- pins: "Retry at…" ------------------------------------------------------------------------


def make_pin(workspace, cast, account, board, n: int, **fields) -> Pin:
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data=pin_payload(account, board, idempotency_key=f"retry-at-{n}", title=f"Pin {n}"))
    Pin.objects.filter(pk=pin.pk).update(**fields)
    pin.refresh_from_db()
    return pin


def test_failed_pins_are_retried_for_a_time_and_not_claimed_before_it(
        workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    failed = make_pin(workspace, cast, offline_account, offline_board, 1, status=PinStatus.FAILED, error_code="boom")
    published = make_pin(workspace, cast, offline_account, offline_board, 2, status=PinStatus.PUBLISHED)
    rejected = make_pin(workspace, cast, offline_account, offline_board, 3, status=PinStatus.FAILED,
                        approval_state=ApprovalState.REJECTED, rejection_reason="No")
    queued = make_pin(workspace, cast, offline_account, offline_board, 4, status=PinStatus.QUEUED)
    at = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        result = pin_bulk_retry(actor=Actor.for_user(cast.manager, workspace), at=at,
                                pin_ids=[failed.public_id, published.public_id, rejected.public_id, queued.public_id,
                                         "nope"])
    assert outcome(result) == [("succeeded", None), ("skipped", "conflict"), ("skipped", "awaiting_approval"),
                               ("skipped", "conflict"), ("failed", "not_found")]
    assert "Only failed pins can be retried; this one is published." in result["results"][1]["error_message"]
    assert "already on its way to Pinterest" in result["results"][3]["error_message"]
    assert Pin.objects.get(pk=queued.pk).next_attempt_at is None  # a waiting pin keeps the delivery service's time
    Pin.objects.filter(pk=queued.pk).update(deleted_at=timezone.now())  # out of the sweeper's count below
    failed.refresh_from_db()
    assert (failed.status, failed.next_attempt_at, failed.error_code) == (PinStatus.QUEUED, at, "")
    assert [(args, run_after) for args, run_after in queued_jobs(PUBLISH) if args == (failed.pk,)] == [
        ((failed.pk,), at)]
    assert Pin.objects.get(pk=rejected.pk).approval_state == ApprovalState.REJECTED  # untouched
    # Before its time neither a worker, nor the sweeper, nor the stuck-pins report moves it.
    assert pin_claim(pin_id=failed.pk, now=at - timedelta(seconds=1)) is None
    assert pins_requeue_due(now=at - timedelta(seconds=1), queued_for=timedelta(0))["queued_stale"] == 0
    assert not stuck_pins(now=at - timedelta(seconds=1)).filter(pk=failed.pk).exists()
    assert pin_claim(pin_id=failed.pk, now=at) is not None


def test_retry_at_refuses_a_past_time_and_another_teams_pins(workspace, cast, offline_account, offline_board):
    failed = make_pin(workspace, cast, offline_account, offline_board, 1, status=PinStatus.FAILED)
    with pytest.raises(ValidationError) as refused:
        pin_bulk_retry(actor=Actor.for_user(cast.manager, workspace), pin_ids=[failed.public_id],
                       at=timezone.now() - timedelta(minutes=1))
    assert (refused.value.field, refused.value.code) == ("run_at", "run_at_in_past")
    foreign = pin_bulk_retry(actor=Actor.for_user(cast.outsider, cast.other_team.workspaces.get()),
                             pin_ids=[failed.public_id], at=timezone.now() + timedelta(hours=1))
    assert outcome(foreign) == [("failed", "not_found")]
    assert foreign["results"][0]["error_message"] == "Pin not found."
    assert Pin.objects.get(pk=failed.pk).status == PinStatus.FAILED
    with pytest.raises(AccessForbidden):  # the same permission as retry: an editor may not
        pin_bulk_retry(actor=Actor.for_user(cast.editor, workspace), pin_ids=[failed.public_id],
                       at=timezone.now() + timedelta(hours=1))
