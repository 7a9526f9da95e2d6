"""A rate-limited backlog on a real cluster: every pin is enqueued for its slot (or its turn)
once, no job wakes before its pin is due (no ``not_claimed``: a lost wake-up would leave the pin
to the one-minute sweeper), the bucket's pace holds, and a due schedule's pin goes ahead of the
backlog still waiting."""

from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_q.models import Task

from publishing.access import Actor
from publishing.models import Pin, PinStatus
from publishing.services.pins import pin_create
from publishing.services.schedules import schedule_create
from tests.jobs.test_pacing_across_clusters import RECORDING_SLACK_SECONDS
from tests.pipeline_fixtures import pin_payload, queued_jobs, wait_for

PUBLISH = "publishing.tasks.publish_pin"
CAPACITY = 3
REFILL_PER_MINUTE = 240  # four a second: a 30-pin backlog takes about seven seconds
PACING_ENV = {
    "PACING_ACCOUNT_CAPACITY": str(CAPACITY),
    "PACING_ACCOUNT_REFILL_PER_MINUTE": str(REFILL_PER_MINUTE),
    "PACING_GLOBAL_CAPACITY": "1000",
    "PACING_GLOBAL_REFILL_PER_MINUTE": "60000",
    "PACING_RESERVATION_HORIZON_SECONDS": "1",
}


def start_paced_cluster(start_cluster, extra_env: dict | None = None) -> None:
    """A cluster, once its start-up sweep has run: the sweep enqueues every queued pin again (a
    crashed cluster's jobs are gone), whose second job rightly finds nothing to claim."""
    start_cluster(media=False, extra_env={**PACING_ENV, **(extra_env or {})})
    wait_for(lambda: Task.objects.filter(func="publishing.tasks.recover_orphaned_work").exists(), timeout=30,
             message="the cluster's start-up sweep")


def backlog(workspace, cast, account, board, count: int, prefix: str = "backlog") -> list[Pin]:
    with transaction.atomic():  # every job is enqueued at the commit, at once
        return [pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                           data=pin_payload(account, board, idempotency_key=f"{prefix}-{n}", title=f"Chair {n}"))
                for n in range(count)]


def excess_over_the_bucket(times: list[float]) -> float:
    """The most publishes any window holds beyond ``capacity + rate * (seconds + slack)``."""
    rate = REFILL_PER_MINUTE / 60
    return max((j - i + 1) - (CAPACITY + rate * (times[j] - times[i] + RECORDING_SLACK_SECONDS))
               for i in range(len(times)) for j in range(i, len(times)))


def test_a_backlog_publishes_every_pin_at_the_pace_with_no_lost_wake_up(start_cluster, workspace, cast, account,
                                                                          board):
    start_paced_cluster(start_cluster)
    ids = [pin.pk for pin in backlog(workspace, cast, account, board, 30)]
    wait_for(lambda: Pin.objects.filter(pk__in=ids, status=PinStatus.PUBLISHED).count() == len(ids), timeout=90,
             interval=0.2, message="every pin to publish")
    wait_for(lambda: not queued_jobs(PUBLISH), timeout=30, message="every publish job to have run")

    results = list(Task.objects.filter(func=PUBLISH).values_list("result", flat=True))
    assert "not_claimed" not in results, results
    # One job when the pin is queued, one for its slot or turn, and on a starved machine a third for
    # slots pushed on by a moment: 1.9 jobs a pin on a quiet machine, 2.6 once at a load average of 10.
    # Polling the bucket, as before issue 14, costs a job a second of waiting: about 4.5 a pin here.
    assert len(results) <= 3 * len(ids), sorted(Counter(results).items())
    times = sorted(at.timestamp() for at in Pin.objects.filter(pk__in=ids).values_list("published_at", flat=True))
    assert excess_over_the_bucket(times) <= 0


def test_a_due_schedule_publishes_ahead_of_the_backlog(start_cluster, workspace, cast, account, board):
    # 80 pins at four a second: their first jobs keep the two workers busy while the first turns
    # come, which then reserve their slots at once, seconds ahead (as a backlog does on a loaded
    # machine); the schedule's pin must go ahead of those slots too, not only of the turns.
    start_paced_cluster(start_cluster)
    ids = [pin.pk for pin in backlog(workspace, cast, account, board, 80)]
    wait_for(lambda: Pin.objects.filter(pk__in=ids, status=PinStatus.PUBLISHED).count() >= 12, timeout=60,
             message="the backlog to be under way")
    held_ahead = Pin.objects.filter(pk__in=ids, pace_slot_at__gt=timezone.now()).count()
    data = pin_payload(account, board, title="Scheduled chair")
    del data["idempotency_key"]
    data["run_at"] = (timezone.now() + timedelta(seconds=1)).isoformat()
    schedule = schedule_create(actor=Actor.for_user(cast.manager, workspace), data=data)

    def scheduled_pin_published():
        schedule.refresh_from_db()
        return schedule.pin is not None and schedule.pin.published_at
    published_at = wait_for(scheduled_pin_published, timeout=60, message="the scheduled pin to publish")
    wait_for(lambda: Pin.objects.filter(pk__in=ids, status=PinStatus.PUBLISHED).count() == len(ids), timeout=90,
             interval=0.2, message="the rest of the backlog")

    # When the schedule's run made its pin (when the schedule runs is the dispatcher's business),
    # this much of the backlog was still waiting; the pin went ahead of nearly all of it: all but
    # the slots due while it was made and published (about a second at four a second). Put after
    # the slots held ahead, it would see about ten more go first.
    backlog_published = Pin.objects.filter(pk__in=ids)
    waiting_then = backlog_published.filter(published_at__gt=schedule.pin.created_at).count()
    after_it = backlog_published.filter(published_at__gt=published_at).count()
    print(f"\n[measure] schedule pin published {(published_at - schedule.pin.created_at).total_seconds():.2f}s "
          f"after it was made; {after_it} of the {waiting_then} backlog pins then waiting published after it; "
          f"{held_ahead} held slots ahead")
    assert waiting_then >= 15
    assert after_it >= waiting_then - 5, (after_it, waiting_then)
