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


def test_an_edit_sending_an_approved_schedule_back_to_approval_while_it_runs_publishes_nothing(
        workspace, cast, offline_account, offline_board):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks that block (PostgreSQL); SQLite serialises every writer anyway")
    data = {k: v for k, v in pin_payload(offline_account, offline_board).items() if k != "idempotency_key"}
    run_at = timezone.now() + timedelta(hours=1)
    editor = Actor.for_user(cast.editor, workspace)
    schedule = schedule_create(actor=editor, data={**data, "title": "Approved words", "run_at": run_at})
    schedule_approve(schedule=schedule, actor=Actor.for_user(cast.manager, workspace))
    edited, release, failures = threading.Event(), threading.Event(), []

    def edit_and_hold_the_transaction_open():
        try:
            with transaction.atomic():
                schedule_update(schedule=Schedule.objects.get(pk=schedule.pk), actor=editor,
                                data={"title": "Words nobody approved"})
                edited.set()
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

    other = threading.Thread(target=edit_and_hold_the_transaction_open)
    other.start()
    assert edited.wait(timeout=20)
    watcher = threading.Thread(target=release_once_the_claim_waits)
    watcher.start()
    try:
        outcome = schedule_run(schedule_id=schedule.pk, now=run_at + timedelta(minutes=1))
    finally:
        release.set()
        other.join(timeout=20)
        watcher.join(timeout=20)
    assert not failures
    after = Schedule.objects.get(pk=schedule.pk)
    assert after.title == "Words nobody approved" and after.approval_state == ApprovalState.PENDING
    # The run saw the edit: the new words were not approved by their time, and nothing was made.
    assert not Pin.objects.exists(), outcome
    assert (outcome, after.own_status) == ("approval_deadline_missed", ScheduleStatus.FAILED)
