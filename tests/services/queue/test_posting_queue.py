"""The posting queue: slots in the workspace's zone (Europe/Paris for the cast), the next free slot,
daylight saving, "Add to queue" through schedule_create, and two adds at once on PostgreSQL."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, transaction

from publishing.access import Actor
from publishing.models import AuditEvent, PostingSlot, Schedule, ScheduleStatus
from publishing.services.errors import ValidationError
from publishing.services.posting_queue import (
    NoFreeSlot,
    posting_slots_set,
    queue_add,
    queue_free_slots,
    queue_next_free_slot,
    workspace_time_zone_set,
)
from publishing.services.schedules import schedule_cancel, schedule_create
from tests.pipeline_fixtures import pin_payload


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def admin(cast, workspace) -> Actor:
    return Actor.for_user(cast.admin, workspace)


@pytest.fixture
def manager(cast, workspace) -> Actor:
    return Actor.for_user(cast.manager, workspace)


def queued_payload(account, board, **overrides) -> dict:
    payload = {k: v for k, v in pin_payload(account, board).items() if k != "idempotency_key"}
    return {**payload, **overrides}


def test_slots_are_checked_and_kept_in_the_weeks_order(admin, offline_account):
    kept = posting_slots_set(actor=admin, account=offline_account, slots=[
        {"weekday": 2, "time": "18:00"}, {"weekday": "monday", "time": "09:30"}, {"weekday": 2, "time": "18:00"}])
    assert [(slot.weekday, f"{slot.local_time:%H:%M}") for slot in kept] == [(0, "09:30"), (2, "18:00")]
    assert PostingSlot.objects.filter(account=offline_account).count() == 2
    assert AuditEvent.objects.filter(action="account.slots_changed").count() == 1
    for slots, field in [([{"weekday": 7, "time": "09:00"}], "slots.0.weekday"),
                         ([{"weekday": 1, "time": "09:00"}, {"weekday": 1, "time": "24:00"}], "slots.1.time"),
                         ([{"weekday": 1, "time": "9am"}], "slots.0.time"),
                         ([{"weekday": True, "time": "09:00"}], "slots.0.weekday")]:
        with pytest.raises(ValidationError) as refused:
            posting_slots_set(actor=admin, account=offline_account, slots=slots)
        assert refused.value.field == field
    assert PostingSlot.objects.filter(account=offline_account).count() == 2, "a refused list changes nothing"


@time_machine.travel(utc("2026-11-30T10:00:00"), tick=False)  # a Monday, 11:00 in Paris
def test_next_free_slot_is_the_earliest_and_skips_taken_ones(admin, manager, offline_account, offline_board):
    posting_slots_set(actor=admin, account=offline_account, slots=[
        {"weekday": 0, "time": "09:00"}, {"weekday": 0, "time": "12:00"}, {"weekday": 2, "time": "08:00"}])
    # Monday 09:00 Paris has passed; Monday 12:00 Paris (11:00 UTC) is next.
    assert queue_next_free_slot(offline_account).run_at == utc("2026-11-30T11:00:00")
    taken = schedule_create(actor=manager, data=queued_payload(offline_account, offline_board,
                                                               run_at=utc("2026-11-30T11:00:00")))
    assert queue_next_free_slot(offline_account).run_at == utc("2026-12-02T07:00:00")  # Wednesday 08:00
    assert [s.run_at for s in queue_free_slots(offline_account, count=3)] == [
        utc("2026-12-02T07:00:00"), utc("2026-12-07T08:00:00"), utc("2026-12-07T11:00:00")]
    schedule_cancel(schedule=taken, actor=manager)
    assert queue_next_free_slot(offline_account).run_at == utc("2026-11-30T11:00:00"), "a canceled one frees it"


@time_machine.travel(utc("2026-11-30T10:00:00"), tick=False)
def test_queue_slots_are_filled_in_order(manager, admin, offline_account, offline_board):
    posting_slots_set(actor=admin, account=offline_account, slots=[
        {"weekday": 1, "time": "09:00"}, {"weekday": 3, "time": "09:00"}, {"weekday": 0, "time": "17:30"}])
    made = [queue_add(actor=manager, data=queued_payload(offline_account, offline_board, title=f"Pin {n}"))
            for n in (1, 2, 3)]
    assert [(s.title, s.run_at) for s in made] == [
        ("Pin 1", utc("2026-11-30T16:30:00")),  # Monday 17:30 Paris
        ("Pin 2", utc("2026-12-01T08:00:00")),  # Tuesday 09:00
        ("Pin 3", utc("2026-12-03T08:00:00")),  # Thursday 09:00
    ]
    assert all(s.own_status == ScheduleStatus.SCHEDULED for s in made)
    assert AuditEvent.objects.filter(action="schedule.created").count() == 3, "through schedule_create"


def test_an_account_without_slots_says_so(manager, offline_account, offline_board):
    with pytest.raises(NoFreeSlot) as refused:
        queue_add(actor=manager, data=queued_payload(offline_account, offline_board))
    assert (refused.value.code, refused.value.field, refused.value.status_hint) == (
        "no_posting_slots", "account_id", 409)
    assert not Schedule.objects.exists()


def test_a_bad_account_is_named(manager):
    for value, code in [(None, "required"), ("nope", "invalid_id"),
                        ("3f1d2c8e-0000-4000-8000-000000000000", "account_not_found")]:
        with pytest.raises(ValidationError) as refused:
            queue_add(actor=manager, data={"account_id": value, "title": "x"})
        assert (refused.value.code, refused.value.field) == (code, "account_id")


@time_machine.travel(utc("2026-03-28T12:00:00"), tick=False)  # Saturday; Paris springs forward on Sunday
def test_a_slot_in_the_skipped_hour_moves_to_the_first_valid_time(admin, offline_account):
    posting_slots_set(actor=admin, account=offline_account, slots=[
        {"weekday": 6, "time": "02:30"}, {"weekday": 6, "time": "09:00"}])
    first, second, third = queue_free_slots(offline_account, count=3)
    # 02:00-03:00 does not exist on 2026-03-29: 02:30 becomes 03:00 CEST (01:00 UTC).
    assert (first.run_at, f"{first.local:%H:%M %z}") == (utc("2026-03-29T01:00:00"), "03:00 +0200")
    assert second.run_at == utc("2026-03-29T07:00:00")  # 09:00 CEST
    assert third.run_at == utc("2026-04-05T00:30:00")  # the next Sunday 02:30 exists


@time_machine.travel(utc("2026-10-24T12:00:00"), tick=False)  # Saturday; Paris falls back on Sunday
def test_a_slot_in_the_repeated_hour_is_its_first_occurrence(admin, offline_account):
    posting_slots_set(actor=admin, account=offline_account, slots=[
        {"weekday": 6, "time": "02:30"}, {"weekday": 6, "time": "09:00"}])
    first, second, third = queue_free_slots(offline_account, count=3)
    assert (first.run_at, f"{first.local:%H:%M %z}") == (utc("2026-10-25T00:30:00"), "02:30 +0200")
    assert second.run_at == utc("2026-10-25T08:00:00")  # 09:00 CET
    assert third.run_at == utc("2026-11-01T01:30:00")  # 02:30 CET


def test_changing_the_time_zone_keeps_schedules_in_utc_and_moves_slots(admin, manager, offline_account,
                                                                      offline_board, workspace):
    with time_machine.travel(utc("2026-11-30T10:00:00"), tick=False):
        posting_slots_set(actor=admin, account=offline_account, slots=[{"weekday": 1, "time": "09:00"}])
        queued = queue_add(actor=manager, data=queued_payload(offline_account, offline_board))
        assert queued.run_at == utc("2026-12-01T08:00:00")
        workspace_now, changed = workspace_time_zone_set(actor=admin, time_zone="America/New_York")
        assert changed and workspace_now.timezone == "America/New_York"
        queued.refresh_from_db()
        assert queued.run_at == utc("2026-12-01T08:00:00"), "the UTC instant stays"
        offline_account.workspace.refresh_from_db()
        assert queue_next_free_slot(offline_account).run_at == utc("2026-12-01T14:00:00")  # 09:00 in New York
        with pytest.raises(ValidationError) as refused:
            workspace_time_zone_set(actor=admin, time_zone="Mars/Olympus")
        assert refused.value.field == "time_zone"
        assert AuditEvent.objects.filter(action="workspace.time_zone_changed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(utc("2026-11-30T10:00:00"), tick=True)
def test_two_adds_at_once_take_two_slots(cast, workspace, offline_account, offline_board):
    """An add holds the account's row lock until its schedule is committed: a second add at that
    moment waits for it, then sees the slot taken, instead of reading the same free slot."""
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks that block (PostgreSQL); SQLite serialises every writer anyway")
    admin = Actor.for_user(cast.admin, workspace)
    manager = Actor.for_user(cast.manager, workspace)
    posting_slots_set(actor=admin, account=offline_account, slots=[
        {"weekday": day, "time": "09:00"} for day in range(7)])
    added, release, results, failures = threading.Event(), threading.Event(), [], []

    def add_and_hold_the_transaction_open() -> None:
        try:
            with transaction.atomic():
                results.append(queue_add(actor=manager, data=queued_payload(
                    offline_account, offline_board, title="First")).run_at)
                added.set()
                release.wait(timeout=10)
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    other = threading.Thread(target=add_and_hold_the_transaction_open)
    other.start()
    assert added.wait(timeout=10)
    threading.Timer(0.5, release.set).start()  # commit the first add shortly; the second waits for it
    try:
        second = queue_add(actor=manager, data=queued_payload(offline_account, offline_board, title="Second"))
    finally:
        release.set()
        other.join(timeout=10)
    assert not failures
    assert results == [utc("2026-12-01T08:00:00")]
    assert second.run_at != results[0], "two adds took the same slot"
    assert second.run_at == utc("2026-12-02T08:00:00"), "the next slot (one every day at 09:00 Paris)"
    assert Schedule.objects.filter(account=offline_account).count() == 2
