"""The schedule dispatcher (services/schedules.py, schedules_dispatch_due): schedules wait in their own
table, the broker only ever holds those due within the next poll, each is handed over once however
many dispatchers run, and nothing starts before its ``run_at``. Query plans, not timings, show that
the polls stay bounded however many schedules and delayed jobs wait."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from publishing.access import Actor
from publishing.brokers import DUE_MARGIN, OrmBroker, RedisBroker
from publishing.models import Pin, Schedule, ScheduleStatus
from publishing.services.queue import task_enqueue
from publishing.services.schedules import (
    DISPATCH_AHEAD,
    schedule_create,
    schedule_run,
    schedule_update,
    schedules_dispatch_due,
)
from tests.pipeline_fixtures import pin_payload, queued_jobs
from tests.services.pins.lock_races import needs_postgresql, while_held

RUN = "publishing.tasks.run_schedule"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def create(workspace, cast, account, board, run_at: datetime, **overrides) -> Schedule:
    data = {k: v for k, v in pin_payload(account, board, **overrides).items() if k != "idempotency_key"}
    return schedule_create(actor=Actor.for_user(cast.manager, workspace), data={**data, "run_at": run_at.isoformat()})


def bulk_copies(template: Schedule, run_ats: list[datetime]) -> list[Schedule]:
    """Copies of ``template`` at each time, bulk-created (as an import of thousands would leave them)."""
    fields = {field.attname: getattr(template, field.attname) for field in Schedule._meta.concrete_fields
              if field.name not in ("id", "public_id", "idempotency_key", "pin")}
    return Schedule.objects.bulk_create(Schedule(**{**fields, "public_id": uuid.uuid4(), "run_at": run_at})
                                        for run_at in run_ats)


def analyze(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def test_future_schedules_leave_the_broker_empty_and_the_dispatch_reads_only_the_due(
        frozen, workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = create(workspace, cast, offline_account, offline_board, NOW + timedelta(hours=1))
    far = bulk_copies(first, [NOW + timedelta(days=1, minutes=n) for n in range(10_000)])
    due = bulk_copies(first, [NOW - timedelta(seconds=5), NOW + timedelta(seconds=1)])
    analyze(Schedule._meta.db_table)
    assert queued_jobs(RUN) == []

    with django_capture_on_commit_callbacks(execute=True):
        assert schedules_dispatch_due() == 2

    overdue, soon = due
    assert sorted(queued_jobs(RUN)) == [((overdue.pk,), None if settings.REDIS_URL else NOW),  # at once
                                        ((soon.pk,), soon.run_at)]
    assert not Schedule.objects.filter(pk__in=[s.pk for s in far], dispatched_at__isnull=False).exists()
    # The dispatcher's read is a range of the (own_status, run_at) index, whatever waits beyond it.
    plan = Schedule.objects.awaiting_dispatch(NOW + DISPATCH_AHEAD)[:500].explain()
    assert "schedule_due_idx" in plan, plan


def test_a_schedule_is_handed_over_once_for_its_exact_time_and_never_runs_before_it(
        frozen, workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    run_at = NOW + timedelta(minutes=10, microseconds=250_000)
    schedule = create(workspace, cast, offline_account, offline_board, run_at)

    with django_capture_on_commit_callbacks(execute=True):
        assert schedules_dispatch_due(now=run_at - DISPATCH_AHEAD - timedelta(seconds=1)) == 0
        assert schedules_dispatch_due(now=run_at - timedelta(seconds=1)) == 1
        assert schedules_dispatch_due(now=run_at - timedelta(seconds=0.5)) == 0  # once
    assert queued_jobs(RUN) == [((schedule.pk,), run_at)]  # waits for run_at itself, not for a poll

    # A job reaching it early (a clock ahead of this one) publishes nothing and hands it back.
    assert schedule_run(schedule_id=schedule.pk, now=run_at - timedelta(milliseconds=1)) == "not_due"
    assert not Pin.objects.exists()
    assert Schedule.objects.get(pk=schedule.pk).dispatched_at is None
    assert schedule_run(schedule_id=schedule.pk, now=run_at) == "ran"
    assert Pin.objects.get().schedule.pk == schedule.pk


def test_a_new_time_is_dispatched_again_and_the_old_job_finds_it_not_due(
        frozen, workspace, cast, offline_account, offline_board, django_capture_on_commit_callbacks):
    schedule = create(workspace, cast, offline_account, offline_board, NOW + timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        schedules_dispatch_due(now=schedule.run_at - timedelta(seconds=1))
    later = NOW + timedelta(hours=2)
    schedule_update(schedule=schedule, actor=Actor.for_user(cast.manager, workspace), data={"run_at": later})

    assert schedule_run(schedule_id=schedule.pk, now=NOW + timedelta(seconds=31)) == "not_due"
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules_dispatch_due(now=NOW + timedelta(seconds=31)) == 0
        assert schedules_dispatch_due(now=later) == 1
    assert [run_after for _, run_after in queued_jobs(RUN)] == [NOW + timedelta(seconds=30), later]


def test_a_job_due_within_the_next_poll_waits_for_its_time(db, frozen, django_capture_on_commit_callbacks):
    """Started before its time, a job finds its work not due (a claim refusing it) and waits for the
    sweepers; so only a job already due goes straight to the queue."""
    soon = NOW + timedelta(milliseconds=300)
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue(RUN, 1, at=soon)
        task_enqueue(RUN, 2, at=NOW)
    assert sorted(queued_jobs(RUN)) == [((1,), soon), ((2,), None if settings.REDIS_URL else NOW)]


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_hand_each_due_schedule_over_once(workspace, cast, offline_account, offline_board):
    needs_postgresql()
    now = timezone.now()
    template = create(workspace, cast, offline_account, offline_board, now + timedelta(hours=1))
    due = bulk_copies(template, [now - timedelta(seconds=n) for n in range(1, 41)])

    # One dispatcher holds its transaction open (another thread) while the other dispatches here.
    second = while_held(schedules_dispatch_due, schedules_dispatch_due, wait_seconds=10)
    later = schedules_dispatch_due()

    handed_over = sorted(args for args, _ in queued_jobs(RUN))
    assert handed_over == sorted((schedule.pk,) for schedule in due), (second, later)
    assert Schedule.objects.filter(pk__in=[s.pk for s in due], dispatched_at__isnull=True).count() == 0
    assert Schedule.objects.get(pk=template.pk).own_status == ScheduleStatus.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_the_publishing_clusters_broker_dispatches_a_due_schedule_before_it_pops(
        workspace, cast, offline_account, offline_board):
    """What the pusher does, on whichever broker the settings name (the Redis broker rewrites its
    list key: the dispatch must not depend on it)."""
    schedule = create(workspace, cast, offline_account, offline_board, timezone.now() + timedelta(hours=1))
    Schedule.objects.filter(pk=schedule.pk).update(run_at=timezone.now() - timedelta(seconds=1))

    popped = get_broker().dequeue()

    assert popped and [SignedPackage.loads(payload)["args"] for _, payload in popped] == [(schedule.pk,)]
    assert Schedule.objects.get(pk=schedule.pk).dispatched_at is not None


@pytest.mark.skipif("settings.REDIS_URL")
def test_the_orm_broker_pops_the_oldest_due_job_through_its_index(db, frozen):
    broker = get_broker()
    assert isinstance(broker, OrmBroker)
    OrmQ.objects.bulk_create(OrmQ(key=broker.list_key, payload="a retry", lock=NOW + timedelta(minutes=n))
                             for n in range(1, 10_001))
    OrmQ.objects.bulk_create([OrmQ(key=broker.list_key, payload="due second", lock=NOW - timedelta(seconds=1)),
                              OrmQ(key=broker.list_key, payload="due first", lock=NOW - timedelta(seconds=2))])
    analyze(OrmQ._meta.db_table)

    assert [payload for _, payload in broker.dequeue()] == ["due first"]
    assert [payload for _, payload in broker.dequeue()] == ["due second"]
    plan = OrmQ.objects.filter(key=broker.list_key).order_by("lock")[:1].explain()
    assert "pinboard_ormq_key_lock_idx" in plan, plan


@pytest.mark.skipif("settings.REDIS_URL")
def test_a_pusher_with_nothing_due_waits_only_until_the_next_delayed_job(db, frozen, monkeypatch):
    """A delayed job (a pin's slot, a schedule's run_at) is handed out at its time, not up to a poll
    after it: with nothing due, the pusher sleeps until the earliest row's time if that comes first."""
    broker = get_broker()
    assert isinstance(broker, OrmBroker)
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the pusher's wait, recorded; the frozen clock moves by it
        slept.append(seconds)
        frozen.shift(timedelta(seconds=seconds))
    monkeypatch.setattr("publishing.brokers.time.sleep", sleep)

    assert broker.dequeue() is None and slept == [pytest.approx(settings.Q_CLUSTER["poll"])]  # none waits
    OrmQ.objects.create(key=broker.list_key, payload="a slot", lock=timezone.now() + timedelta(milliseconds=150))
    OrmQ.objects.create(key=broker.list_key, payload="later", lock=timezone.now() + timedelta(minutes=1))
    slept.clear()
    assert broker.dequeue() is None
    assert slept == [pytest.approx(0.150 + DUE_MARGIN)]
    assert [payload for _, payload in broker.dequeue()] == ["a slot"]  # at its time
    assert broker.dequeue() is None and slept[-1] == pytest.approx(settings.Q_CLUSTER["poll"])


@pytest.mark.skipif("not settings.REDIS_URL")
def test_the_redis_pusher_blocks_only_until_the_next_delayed_job(db, monkeypatch):
    broker = get_broker()
    assert isinstance(broker, RedisBroker)
    blocked: list[float] = []
    pop = broker.connection.blpop

    def blpop(key, timeout):
        blocked.append(timeout)
        return pop(key, timeout)
    monkeypatch.setattr(broker.connection, "blpop", blpop)

    RedisBroker(list_key=settings.Q_CLUSTER["name"], run_at=timezone.now() + timedelta(milliseconds=300)).enqueue(
        "a slot")
    assert broker.dequeue() in (None, [(None, b"a slot")])
    assert 0 < blocked[0] <= 0.3 + DUE_MARGIN


def test_a_schedules_job_publishes_its_pin_itself_and_the_due_scanner_enqueues_it(workspace, cast, account, board):
    """The schedule's own job publishes the pin it makes in the same job (not a pusher's poll later,
    as a job of its own); the due-scanner, which runs many, enqueues each pin's job instead."""
    from publishing.models import PinStatus
    from publishing.services.schedules import schedules_run_due
    from publishing.tasks import run_schedule

    first, second = (create(workspace, cast, account, board, timezone.now() + timedelta(hours=1), title=title)
                     for title in ("First", "Second"))
    Schedule.objects.filter(pk__in=[first.pk, second.pk]).update(run_at=timezone.now() - timedelta(seconds=1))

    assert run_schedule(first.pk) == "ran"
    first.refresh_from_db()
    assert first.pin.status == PinStatus.PUBLISHED and first.pin.pinterest_pin_id
    assert queued_jobs("publishing.tasks.publish_pin") == []

    assert schedules_run_due() == 1
    second.refresh_from_db()
    assert second.pin.status == PinStatus.QUEUED
    assert [args for args, _ in queued_jobs("publishing.tasks.publish_pin")] == [(second.pin.pk,)]
