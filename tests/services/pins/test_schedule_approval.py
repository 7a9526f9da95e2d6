"""Approving and rejecting a schedule (issue 13): before its pin exists the decision is the
schedule's own; when it comes due approved its pin is created approved and publishes, rejected it
does not run, undecided it misses its approval deadline. Once it has a held pin, the decision is on
that pin. Dates are a frozen clock (time-machine), and the due-scanner is the real one."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalDecision, ApprovalState, AuditEvent, Pin, PinStatus, Schedule, ScheduleStatus
from publishing.services.errors import InvalidState, PermissionDenied
from publishing.services.pins import pin_edit
from publishing.services.schedules import (
    schedule_approve,
    schedule_bulk_approve,
    schedule_bulk_reject,
    schedule_cancel,
    schedule_create,
    schedule_reject,
    schedule_retry,
    schedule_update,
    schedules_run_due,
)
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RUN_AT = START + timedelta(hours=2)


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def editors_schedule(frozen, workspace, cast, offline_account, offline_board):
    """An editor's schedule due at RUN_AT: it needs approval before then."""
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    schedule = schedule_create(actor=Actor.for_user(cast.editor, workspace), data={**data, "run_at": RUN_AT})
    assert (schedule.needs_approval, schedule.approval_state) == (True, ApprovalState.PENDING)
    return schedule


def come_due(frozen, schedule: Schedule) -> Schedule:
    """Move the clock past run_at and run the due-scanner, as the periodic job does."""
    frozen.move_to(RUN_AT + timedelta(minutes=1))
    schedules_run_due()
    return Schedule.objects.select_related("pin").get(pk=schedule.pk)


def test_approved_before_its_pin_exists_it_publishes_approved_at_run_at(frozen, editors_schedule, cast, workspace,
                                                                      django_capture_on_commit_callbacks):
    approved = schedule_approve(schedule=editors_schedule, actor=Actor.for_user(cast.manager, workspace))
    assert (approved.approval_state, approved.approved_by, approved.pin) == (
        ApprovalState.APPROVED, cast.manager, None)
    assert Pin.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        ran = come_due(frozen, editors_schedule)
    pin = ran.pin
    assert (pin.approval_state, pin.approved_by, pin.error_code) == (ApprovalState.APPROVED, cast.manager, "")
    assert [args for args, _ in queued_jobs(PUBLISH)] == [(pin.pk,)]
    event = AuditEvent.objects.get(action="schedule.approved")
    assert (event.actor_user, event.target_id) == (cast.manager, str(editors_schedule.public_id))
    assert ApprovalDecision.objects.get(schedule=editors_schedule).decided_by == cast.manager


def test_undecided_when_it_comes_due_it_misses_its_deadline_and_publishes_nothing(frozen, editors_schedule):
    missed = come_due(frozen, editors_schedule)
    assert missed.status == ScheduleStatus.FAILED
    assert missed.last_error.startswith("approval_deadline_missed: it was not approved by its time")
    assert missed.pin is None and not Pin.objects.exists()
    event = AuditEvent.objects.get(action="schedule.approval_deadline_missed")
    assert (event.target_id, event.actor_label) == (str(editors_schedule.public_id), "system (schedule)")


def test_a_missed_deadline_tells_the_author_and_the_approvers(frozen, editors_schedule, cast):
    from publishing.models import Notification  # the notifications helper's model (issue 13)

    come_due(frozen, editors_schedule)
    told = set(Notification.objects.filter(event="schedule.approval_deadline_missed")
               .values_list("recipient__email", flat=True))
    assert {cast.editor.email, cast.manager.email, cast.admin.email} <= told


def test_rejected_before_its_pin_exists_it_does_not_run_and_stays_editable(frozen, editors_schedule, cast, workspace):
    rejected = schedule_reject(schedule=editors_schedule, actor=Actor.for_user(cast.manager, workspace),
                               reason=" Off-brand ")
    assert (rejected.status, rejected.last_error, rejected.approval_state) == (
        ScheduleStatus.FAILED, "Rejected: Off-brand", ApprovalState.REJECTED)
    assert come_due(frozen, editors_schedule).pin is None and not Pin.objects.exists()
    assert AuditEvent.objects.get(action="schedule.rejected").details == {"reason": "Off-brand",
                                                                          "before_its_pin": True}
    # Editable: the editor's fix, with a new time, sends it back to its approvers.
    fixed = schedule_update(schedule=editors_schedule, actor=Actor.for_user(cast.editor, workspace),
                            data={"title": "On brand", "run_at": (RUN_AT + timedelta(days=1)).isoformat()})
    assert (fixed.status, fixed.approval_state, fixed.last_error) == (
        ScheduleStatus.SCHEDULED, ApprovalState.PENDING, "")


def test_editing_an_approved_schedules_content_as_an_editor_sends_it_back(frozen, editors_schedule, cast, workspace):
    schedule_approve(schedule=editors_schedule, actor=Actor.for_user(cast.manager, workspace))
    edited = schedule_update(schedule=editors_schedule, actor=Actor.for_user(cast.editor, workspace),
                             data={"title": "Changed after approval"})
    assert edited.approval_state == ApprovalState.PENDING
    assert come_due(frozen, editors_schedule).status == ScheduleStatus.FAILED  # not approved again in time


def test_a_decided_schedule_cannot_be_decided_again(editors_schedule, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    schedule_approve(schedule=editors_schedule, actor=manager)
    with pytest.raises(InvalidState) as again:
        schedule_reject(schedule=editors_schedule, actor=manager, reason="Too late")
    assert again.value.code == "not_awaiting_approval"
    assert not AuditEvent.objects.filter(action="schedule.rejected").exists()


def test_a_canceled_schedule_cannot_be_approved(editors_schedule, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    schedule_cancel(schedule=editors_schedule, actor=manager)
    with pytest.raises(InvalidState) as refused:
        schedule_approve(schedule=editors_schedule, actor=manager)
    assert refused.value.code == "not_awaiting_approval"
    assert not AuditEvent.objects.filter(action="schedule.approved").exists()


def test_the_author_may_not_approve_their_own_schedule(editors_schedule, cast, workspace):
    cast.team.memberships.filter(user=cast.editor).update(role="manager")  # may now approve others' pins
    with pytest.raises(PermissionDenied) as refused:
        schedule_approve(schedule=editors_schedule, actor=Actor.for_user(cast.editor, workspace))
    assert refused.value.code == "self_approval_forbidden"
    editors_schedule.refresh_from_db()
    assert editors_schedule.approval_state == ApprovalState.PENDING
    assert not ApprovalDecision.objects.exists()


def test_a_held_pin_of_a_schedule_is_decided_through_the_schedule(frozen, editors_schedule, cast, workspace):
    manager = Actor.for_user(cast.manager, workspace)
    schedule_approve(schedule=editors_schedule, actor=manager)
    pin = come_due(frozen, editors_schedule).pin
    # The pin has not published yet (no worker here); the editor's change sends it back to approval.
    pin_edit(pin=pin, actor=Actor.for_user(cast.editor, workspace), data={"title": "Late change"})
    pin.refresh_from_db()
    assert (pin.approval_state, pin.error_code) == (ApprovalState.PENDING, "awaiting_approval")
    schedule_approve(schedule=editors_schedule, actor=manager)
    pin.refresh_from_db()
    assert pin.approval_state == ApprovalState.APPROVED
    event = AuditEvent.objects.filter(action="schedule.approved").latest("id")
    assert event.details == {"pin_id": str(pin.public_id)}


def test_a_retried_schedule_that_missed_its_deadline_asks_again(frozen, editors_schedule, cast, workspace):
    come_due(frozen, editors_schedule)
    retried = schedule_retry(schedule=editors_schedule, actor=Actor.for_user(cast.manager, workspace))
    assert (retried.status, retried.approval_state) == (ScheduleStatus.SCHEDULED, ApprovalState.PENDING)


def test_a_missed_deadline_can_be_approved_then_retried_and_publishes(frozen, editors_schedule, cast, workspace,
                                                                     django_capture_on_commit_callbacks):
    """What the missed deadline's message says to do ("Approve it and retry it") must be possible: a
    retry alone asks again but is due at once, so it would only miss its deadline again."""
    missed = come_due(frozen, editors_schedule)
    assert missed.last_error.startswith("approval_deadline_missed")
    manager = Actor.for_user(cast.manager, workspace)
    approved = schedule_approve(schedule=missed, actor=manager)
    assert (approved.approval_state, approved.pin) == (ApprovalState.APPROVED, None)
    retried = schedule_retry(schedule=approved, actor=manager)
    assert (retried.status, retried.approval_state) == (ScheduleStatus.SCHEDULED, ApprovalState.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        ran = come_due(frozen, editors_schedule)
    assert (ran.pin.approval_state, ran.pin.approved_by) == (ApprovalState.APPROVED, cast.manager)
    assert [args for args, _ in queued_jobs(PUBLISH)] == [(ran.pin.pk,)]


def test_a_missed_deadline_given_a_new_time_goes_back_to_its_approvers(frozen, editors_schedule, cast, workspace):
    """"...or give it a new time": the edit resubmits it, pending, as an edit after a rejection does."""
    missed = come_due(frozen, editors_schedule)
    later = RUN_AT + timedelta(days=1)
    resubmitted = schedule_update(schedule=missed, actor=Actor.for_user(cast.editor, workspace),
                                  data={"run_at": later})
    assert (resubmitted.status, resubmitted.approval_state, resubmitted.run_at, resubmitted.last_error) == (
        ScheduleStatus.SCHEDULED, ApprovalState.PENDING, later, "")
    assert AuditEvent.objects.filter(action="schedule.resubmitted").exists()


def test_bulk_approve_and_reject_decide_each_schedule(frozen, workspace, cast, offline_account, offline_board):
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    editor = Actor.for_user(cast.editor, workspace)
    first, second = (schedule_create(actor=editor, data={**data, "run_at": RUN_AT}) for _ in range(2))
    manager = Actor.for_user(cast.manager, workspace)
    outcome = schedule_bulk_approve(actor=manager, schedule_ids=[first.public_id, "not-a-schedule"])
    assert (outcome["succeeded_count"], outcome["failed_count"]) == (1, 1)
    refused = schedule_bulk_reject(actor=manager, schedule_ids=[second.public_id], reason=" ")
    assert (refused["failed_count"], refused["results"][0]["error_code"]) == (1, "required")
    done = schedule_bulk_reject(actor=manager, schedule_ids=[second.public_id], reason="Not this week")
    assert done["succeeded_count"] == 1


def test_the_deadline_uses_the_clock_not_the_job_time(frozen, editors_schedule):
    frozen.move_to(RUN_AT - timedelta(minutes=1))
    assert schedules_run_due() == 0
    editors_schedule.refresh_from_db()
    assert editors_schedule.status == ScheduleStatus.SCHEDULED
    assert timezone.now() < editors_schedule.run_at


def test_a_pin_status_left_alone_by_a_missed_deadline(frozen, editors_schedule):
    come_due(frozen, editors_schedule)
    assert not Pin.objects.filter(status=PinStatus.PUBLISHED).exists()
