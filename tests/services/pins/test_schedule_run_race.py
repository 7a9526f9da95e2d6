"""A schedule's run and an edit at the same moment (issue 13, approval before its pin): the run reads
the schedule before it claims it, so an edit committing between the two must not be lost, nor let the
run publish what the schedule no longer holds. PostgreSQL only: the claim must really wait on the
edit's row lock; the test releases the edit only once the database reports the claim waiting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, Pin, Schedule, ScheduleStatus
from publishing.services.schedules import schedule_approve, schedule_create, schedule_run, schedule_update
from tests.pipeline_fixtures import pin_payload
from tests.services.pins.lock_races import needs_postgresql, while_held

pytestmark = pytest.mark.django_db(transaction=True)


def run_while(change, schedule: Schedule, now) -> str:
    """``schedule_run`` at ``now`` while ``change`` (a service call) holds the schedule's row."""
    return while_held(change, lambda: schedule_run(schedule_id=schedule.pk, now=now))


@pytest.fixture
def editors_schedule(workspace, cast, offline_account, offline_board):
    needs_postgresql()
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.editor, workspace), data={
        **data, "title": "Approved words", "run_at": timezone.now() + timedelta(hours=1)})


def test_an_edit_sending_an_approved_schedule_back_to_approval_while_it_runs_publishes_nothing(
        editors_schedule, cast, workspace):
    schedule = editors_schedule
    schedule_approve(schedule=schedule, actor=Actor.for_user(cast.manager, workspace))
    outcome = run_while(lambda: schedule_update(schedule=Schedule.objects.get(pk=schedule.pk), actor=Actor.for_user(
        cast.editor, workspace), data={"title": "Words nobody approved"}), schedule, schedule.run_at + timedelta(
        minutes=1))
    after = Schedule.objects.get(pk=schedule.pk)
    assert after.title == "Words nobody approved" and after.approval_state == ApprovalState.PENDING
    # The run saw the edit: the new words were not approved by their time, and nothing was made.
    assert not Pin.objects.exists(), outcome
    assert (outcome, after.own_status) == ("approval_deadline_missed", ScheduleStatus.FAILED)


def test_approved_while_its_deadline_is_being_recorded_it_runs_approved(editors_schedule, cast, workspace):
    schedule = editors_schedule
    outcome = run_while(lambda: schedule_approve(schedule=Schedule.objects.get(pk=schedule.pk),
                                                 actor=Actor.for_user(cast.manager, workspace)),
                        schedule, schedule.run_at + timedelta(minutes=1))
    after = Schedule.objects.select_related("pin").get(pk=schedule.pk)
    assert (outcome, after.approval_state) == ("ran", ApprovalState.APPROVED)
    assert after.pin.approval_state == ApprovalState.APPROVED and not after.last_error
