"""Schedules approved before their pin exists, through the real pipeline (issue 13): on a real
django-q2 cluster an approved editor's schedule publishes to the Pinterest sandbox at run_at as an
approved pin, and an unapproved one misses its approval deadline and publishes nothing."""

from datetime import timedelta

from django.utils import timezone

from pinterest_sandbox.models import Pin as SandboxPin
from publishing.access import Actor
from publishing.models import ApprovalState, AuditEvent, Schedule, ScheduleStatus
from publishing.services.schedules import schedule_approve, schedule_create
from tests.pipeline_fixtures import pin_payload, wait_for


def editors_schedule(workspace, cast, account, board, seconds, title):
    data = {k: v for k, v in pin_payload(account, board, title=title).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.editor, workspace),
                           data={**data, "run_at": (timezone.now() + timedelta(seconds=seconds)).isoformat()})


def settled(schedule: Schedule) -> bool:
    schedule.refresh_from_db()
    return schedule.status in (ScheduleStatus.DONE, ScheduleStatus.FAILED)


def test_an_approved_schedule_publishes_and_an_unapproved_one_misses_its_deadline(start_cluster, workspace, cast,
                                                                                   account, board):
    approved = editors_schedule(workspace, cast, account, board, seconds=4, title="Approved chair")
    undecided = editors_schedule(workspace, cast, account, board, seconds=4, title="Undecided chair")
    schedule_approve(schedule=approved, actor=Actor.for_user(cast.manager, workspace))
    start_cluster()

    wait_for(lambda: settled(approved) and settled(undecided), timeout=60, message="both schedules to come due")

    assert approved.status == ScheduleStatus.DONE
    assert (approved.pin.approval_state, approved.pin.approved_by) == (ApprovalState.APPROVED, cast.manager)
    assert approved.pin.published_at >= approved.run_at
    assert undecided.status == ScheduleStatus.FAILED and undecided.pin is None
    assert undecided.last_error.startswith("approval_deadline_missed")
    assert list(SandboxPin.objects.values_list("title", flat=True)) == ["Approved chair"]
    assert AuditEvent.objects.filter(action="schedule.approval_deadline_missed",
                                     target_id=str(undecided.public_id)).exists()
