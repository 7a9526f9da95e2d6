"""The measuring side of bench/publishing.py (run by it through pytest, which brings the suite's
fixtures: the sandbox over real HTTP, a connected account, real ``manage.py qcluster`` clusters).
Each test prints ``[measure]`` lines; bench/publishing.py reads them. Not part of ``make test``:
nothing here asserts a timing."""

import os
import statistics
import time
from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Task

from publishing.access import Actor
from publishing.models import Pin, PinStatus
from publishing.services.delivery import pin_publish
from publishing.services.pins import pin_create
from publishing.services.schedules import schedule_create
from tests.pipeline_fixtures import pin_payload, wait_for

PUBLISH_TASK = "publishing.tasks.publish_pin"
ROUND_PINS = 100
ROUNDS = 3
# 3 publishes a second: below what the workers sustain on a loaded 2-core machine, so the bucket,
# not the CPU, sets the pace (at 5 a second the run measured the workers' throughput instead).
ROUND_RATE_PER_MINUTE = 180
# The 500-pin run: about 3 minutes at this rate. BENCH_PUBLISH_RUN_PINS makes it shorter.
RUN_PINS = int(os.environ.get("BENCH_PUBLISH_RUN_PINS", "500"))
RUN_RATE_PER_MINUTE = 180
BACKLOG_PINS = 150
CAPACITY = 10


def pacing_env(rate_per_minute: int) -> dict:
    return {"PACING_ACCOUNT_CAPACITY": str(CAPACITY), "PACING_ACCOUNT_REFILL_PER_MINUTE": str(rate_per_minute),
            "PACING_GLOBAL_CAPACITY": "100000", "PACING_GLOBAL_REFILL_PER_MINUTE": "600000", "Q_WORKERS": "4"}


class TaskResults:
    """Every publish job result the cluster saves, polled often: django-q2 keeps only the newest
    ``save_limit`` results, so a long run is read as it goes."""

    def __init__(self):
        self.results: dict[str, object] = {}

    def poll(self) -> None:
        for task_id, result in Task.objects.filter(func=PUBLISH_TASK).values_list("id", "result"):
            self.results[task_id] = result

    def not_claimed(self) -> int:
        return sum(1 for result in self.results.values() if result == "not_claimed")


def start_paced_cluster(start_cluster, rate_per_minute: int) -> None:
    """A cluster, once its start-up sweep ran (it enqueues every queued pin again, rightly)."""
    start_cluster(media=False, extra_env=pacing_env(rate_per_minute))
    wait_for(lambda: Task.objects.filter(func="publishing.tasks.recover_orphaned_work").exists(), timeout=60,
             message="the cluster's start-up sweep")


def create_pins(actor, account, board, count: int, prefix: str) -> list[int]:
    with transaction.atomic():  # every job is enqueued at the commit, at once
        return [pin_create(actor=actor, source="api", data=pin_payload(
            account, board, idempotency_key=f"{prefix}-{n}", title=f"{prefix} {n}")).pk for n in range(count)]


def wait_published(pin_ids: list[int], results: TaskResults, timeout: float) -> None:
    def done():
        results.poll()
        return Pin.objects.filter(pk__in=pin_ids, status=PinStatus.PUBLISHED).count() == len(pin_ids)
    wait_for(done, timeout=timeout, interval=0.2, message="every pin to publish")


def test_one_publish_job(sandbox, workspace, cast, account, board, settings):
    settings.PACING_ACCOUNT_CAPACITY = settings.PACING_GLOBAL_CAPACITY = 100000
    actor = Actor.for_user(cast.manager, workspace)
    cpu, queries, statements = [], [], []
    for n in range(16):
        pin = pin_create(actor=actor, source="api", data=pin_payload(account, board, idempotency_key=f"one-{n}"))
        with CaptureQueriesContext(connection) as captured:
            started = time.thread_time()  # this thread only: the sandbox answers in the live server's
            assert pin_publish(pin_id=pin.pk) == PinStatus.PUBLISHED
            spent = time.thread_time() - started
        if n:  # the first builds what a worker process keeps
            cpu.append(spent * 1000)
            queries.append(len(captured.captured_queries))
            statements.append(sum(1 for query in captured.captured_queries if not query["sql"].upper().startswith(
                ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"))))
    print(f"\n[measure] one publish job: cpu_ms {statistics.median(cpu):.1f} ({min(cpu):.1f}-{max(cpu):.1f}) "
          f"queries {statistics.median(statements):.0f} ({min(statements)}-{max(statements)}) "
          f"with transaction control {statistics.median(queries):.0f}")


def test_rounds_of_100_publishes(start_cluster, workspace, cast, account, board):
    start_paced_cluster(start_cluster, ROUND_RATE_PER_MINUTE)
    actor = Actor.for_user(cast.manager, workspace)
    results = TaskResults()
    bound = (ROUND_PINS - CAPACITY) / (ROUND_RATE_PER_MINUTE / 60)
    for round_number in range(ROUNDS):
        time.sleep(2 * CAPACITY / (ROUND_RATE_PER_MINUTE / 60))  # the bucket refills to its capacity
        pin_ids = create_pins(actor, account, board, ROUND_PINS, f"round{round_number}")
        wait_published(pin_ids, results, timeout=bound * 4 + 30)
        # First to last publish: the bucket's burst is the first CAPACITY, the rest come at its rate
        # (the time to enqueue the jobs is not the pipeline's).
        published = sorted(Pin.objects.filter(pk__in=pin_ids).values_list("published_at", flat=True))
        elapsed = (published[-1] - published[0]).total_seconds()
        print(f"\n[measure] round {round_number + 1}: {ROUND_PINS} publishes in {elapsed:.2f}s, bound "
              f"{bound:.2f}s, ratio {elapsed / bound:.3f}")
    jobs = len(results.results)
    print(f"\n[measure] rounds: {jobs} publish jobs for {ROUND_PINS * ROUNDS} pins, "
          f"not_claimed {results.not_claimed()}")


def test_not_claimed_in_a_long_run(start_cluster, workspace, cast, account, board):
    start_paced_cluster(start_cluster, RUN_RATE_PER_MINUTE)
    results = TaskResults()
    pin_ids = create_pins(Actor.for_user(cast.manager, workspace), account, board, RUN_PINS, "run")
    deadline = time.monotonic() + RUN_PINS / (RUN_RATE_PER_MINUTE / 60) * 2 + 20  # the bench's time budget
    published = 0
    while published < RUN_PINS and time.monotonic() < deadline:
        time.sleep(0.2)
        results.poll()
        published = Pin.objects.filter(pk__in=pin_ids, status=PinStatus.PUBLISHED).count()
    results.poll()
    print(f"\n[measure] long run: {published} pins published of {RUN_PINS}, {len(results.results)} publish jobs, "
          f"not_claimed {results.not_claimed()}")


def schedule_steps(schedule) -> str:
    """Where a due schedule's time went, each step in seconds after its run_at: dispatched (the
    pusher), its pin made (by the run_schedule job), each publish job enqueued (django-q2's
    ``started`` is the enqueue time) with its result, the create call's start, published."""
    def at(moment) -> str:
        return "-" if moment is None else f"{(moment - schedule.run_at).total_seconds():+.2f}"

    def jobs(func: str, args: tuple) -> list[Task]:
        return [task for task in Task.objects.filter(func=func).order_by("started") if tuple(task.args or ()) == args]
    pin = schedule.pin
    attempt = pin.attempts.order_by("number").first()
    publish_jobs = " ".join(f"{at(task.started)}({task.result})" for task in jobs(PUBLISH_TASK, (pin.pk,))) or "none"
    return (f"dispatched {at(schedule.dispatched_at)}, pin made {at(pin.created_at)}, "
            f"publish jobs enqueued {publish_jobs}, create call {at(attempt.started_at if attempt else None)}, "
            f"published {at(pin.published_at)}")


def test_due_schedule_behind_a_backlog(start_cluster, workspace, cast, account, board):
    start_paced_cluster(start_cluster, ROUND_RATE_PER_MINUTE)
    actor = Actor.for_user(cast.manager, workspace)
    backlog = create_pins(actor, account, board, BACKLOG_PINS, "backlog")
    delays = []
    for n in range(3):
        # Once the backlog's first jobs have run (each pin then waits for its slot or turn).
        wait_for(lambda n=n: Pin.objects.filter(pk__in=backlog, status=PinStatus.PUBLISHED).count() >= 30 + 10 * n,
                 timeout=120, message="the backlog to be under way")
        data = pin_payload(account, board, title=f"Scheduled {n}")
        del data["idempotency_key"]
        data["run_at"] = (timezone.now() + timedelta(seconds=2)).isoformat()
        schedule = schedule_create(actor=actor, data=data)

        def published(schedule=schedule):
            schedule.refresh_from_db()
            pin = schedule.pin
            return pin is not None and pin.published_at is not None and pin.published_at
        published_at = wait_for(published, timeout=120, interval=0.1, message="the scheduled pin to publish")
        delays.append((published_at - schedule.run_at).total_seconds())
        print(f"\n[measure] due schedule round {n + 1} steps: {schedule_steps(schedule)}")
    waiting = Pin.objects.filter(pk__in=backlog).exclude(status=PinStatus.PUBLISHED).count()
    print(f"\n[measure] due schedule behind a {BACKLOG_PINS}-pin backlog: run_at -> published "
          f"{', '.join(f'{d:.2f}s' for d in delays)}; backlog pins still waiting {waiting}")
