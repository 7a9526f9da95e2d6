"""A schedule's run and an edit at the same moment (issue 13, approval before its pin): the run reads
the schedule before it claims it, so an edit committing between the two must not be lost, nor let the
run publish what the schedule no longer holds. PostgreSQL only: the claim must really wait on the
edit's row lock; the test releases the edit only once the database reports the claim waiting."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApprovalState, Pin, Schedule, ScheduleStatus
from publishing.services.schedules import schedule_approve, schedule_create, schedule_run, schedule_update
from tests.pipeline_fixtures import pin_payload

pytestmark = pytest.mark.django_db(transaction=True)


def _a_claim_is_waiting_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')")
        return cursor.fetchone()[0] > 0


def run_while(change, schedule: Schedule, now) -> str:
    """``schedule_run`` at ``now`` while ``change`` (a service call) holds the schedule's row in an
    open transaction; the change commits only once the run's write waits for it."""
    changed, release, failures = threading.Event(), threading.Event(), []

    def change_and_hold_the_transaction_open():
        try:
            with transaction.atomic():
                change()
                changed.set()
                release.wait(timeout=20)
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    def release_once_the_claim_waits():
        try:
            deadline = time.monotonic() + 20
            while not _a_claim_is_waiting_on_a_lock() and time.monotonic() < deadline:
                time.sleep(0.02)  # polling the database, not a proof: the proof is the lock it reports
        finally:
            release.set()
            connections["default"].close()

    other = threading.Thread(target=change_and_hold_the_transaction_open)
    other.start()
    assert changed.wait(timeout=20)
    watcher = threading.Thread(target=release_once_the_claim_waits)
    watcher.start()
    try:
        return schedule_run(schedule_id=schedule.pk, now=now)
    finally:
        release.set()
        other.join(timeout=20)
        watcher.join(timeout=20)
        assert not failures


@pytest.fixture
def editors_schedule(workspace, cast, offline_account, offline_board):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks that block (PostgreSQL); SQLite serialises every writer anyway")
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
