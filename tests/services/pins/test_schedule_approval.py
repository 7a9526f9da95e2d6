"""Approving and rejecting a schedule (issue 13): the decision is on the pin the schedule made and
held for approval, recorded in the audit log for the schedule as well as its pin."""

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, AuditEvent, PinStatus, Schedule, ScheduleStatus
from publishing.services.errors import InvalidState, PermissionDenied
from publishing.services.schedules import (
    schedule_approve,
    schedule_cancel,
    schedule_create,
    schedule_reject,
    schedule_run,
)
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"


@pytest.fixture
def editors_schedule(workspace, cast, offline_account, offline_board):
    """An editor's schedule, not yet due: it will make its pin held for approval."""
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    schedule = schedule_create(actor=Actor.for_user(cast.editor, workspace),
                               data={**data, "run_at": timezone.now() + timedelta(hours=1)})
    assert schedule.needs_approval
    return schedule


def come_due(schedule: Schedule) -> Schedule:
    Schedule.objects.filter(pk=schedule.pk).update(run_at=timezone.now() - timedelta(seconds=1))
    assert schedule_run(schedule_id=schedule.pk) == "ran"
    return Schedule.objects.select_related("pin").get(pk=schedule.pk)


def test_approving_a_schedule_approves_its_held_pin_and_audits_both(editors_schedule, cast, workspace,
                                                                    django_capture_on_commit_callbacks):
    held = come_due(editors_schedule)
    assert held.pin.approval_state == ApprovalState.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        approved = schedule_approve(schedule=held, actor=Actor.for_user(cast.manager, workspace))
    pin = approved.pin
    pin.refresh_from_db()
    assert (pin.approval_state, pin.approved_by, pin.error_code) == (ApprovalState.APPROVED, cast.manager, "")
    assert [args for args, _ in queued_jobs(PUBLISH)] == [(pin.pk,)]
    event = AuditEvent.objects.get(action="schedule.approved")
    assert (event.actor_user, event.target_id, event.details) == (
        cast.manager, str(held.public_id), {"pin_id": str(pin.public_id)})
    assert AuditEvent.objects.filter(action="pin.approved", target_id=str(pin.public_id)).exists()


def test_rejecting_a_schedule_fails_its_pin_with_the_reason_and_audits_both(editors_schedule, cast, workspace):
    held = come_due(editors_schedule)
    rejected = schedule_reject(schedule=held, actor=Actor.for_user(cast.manager, workspace), reason=" Off-brand ")
    rejected.refresh_from_db()
    assert (rejected.status, rejected.last_error) == (ScheduleStatus.FAILED, "Rejected: Off-brand")
    assert (rejected.pin.status, rejected.pin.approval_state) == (PinStatus.FAILED, ApprovalState.REJECTED)
    event = AuditEvent.objects.get(action="schedule.rejected")
    assert (event.actor_user, event.target_id, event.details) == (
        cast.manager, str(held.public_id), {"pin_id": str(rejected.pin.public_id), "reason": "Off-brand"})
    assert AuditEvent.objects.get(action="pin.rejected").details == {"reason": "Off-brand"}


def test_before_its_pin_exists_there_is_nothing_to_decide(editors_schedule, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    with pytest.raises(InvalidState) as refused:
        schedule_approve(schedule=editors_schedule, actor=manager)
    assert refused.value.code == "not_awaiting_approval"
    with pytest.raises(InvalidState):
        schedule_reject(schedule=editors_schedule, actor=manager, reason="No")
    editors_schedule.refresh_from_db()
    assert (editors_schedule.status, editors_schedule.needs_approval) == (ScheduleStatus.SCHEDULED, True)
    assert not AuditEvent.objects.filter(action__in=["schedule.approved", "schedule.rejected"]).exists()


def test_a_decided_schedule_cannot_be_decided_again(editors_schedule, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    held = come_due(editors_schedule)
    schedule_approve(schedule=held, actor=manager)
    with pytest.raises(InvalidState) as again:
        schedule_reject(schedule=held, actor=manager, reason="Too late")
    assert again.value.code == "not_awaiting_approval"
    assert not AuditEvent.objects.filter(action="schedule.rejected").exists()


def test_a_canceled_schedule_cannot_be_approved(editors_schedule, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    held = come_due(editors_schedule)
    schedule_cancel(schedule=held, actor=manager)  # withdraws the held pin
    with pytest.raises(InvalidState) as refused:
        schedule_approve(schedule=held, actor=manager)
    assert refused.value.code == "not_awaiting_approval"
    assert not AuditEvent.objects.filter(action="schedule.approved").exists()


def test_the_author_may_not_approve_their_own_schedule(editors_schedule, cast, workspace):
    held = come_due(editors_schedule)
    cast.team.memberships.filter(user=cast.editor).update(role="manager")  # may now approve others' pins
    with pytest.raises(PermissionDenied) as refused:
        schedule_approve(schedule=held, actor=Actor.for_user(cast.editor, workspace))
    assert refused.value.code == "self_approval_forbidden"
    held.pin.refresh_from_db()
    assert held.pin.approval_state == ApprovalState.PENDING
    assert not AuditEvent.objects.filter(action="schedule.approved").exists()
