"""Per-account pacing holds across two real clusters (two ``manage.py qcluster`` process groups,
three workers each), with the buckets in PostgreSQL (row-locked) and in Redis (one Lua script).

The proof is the attempt rows: for every pair of create attempts, the attempts between them never
outnumber what the bucket could have given in that time, ``capacity + refill_rate * elapsed``.
"""

import pytest
from django.conf import settings

from publishing.access import Actor
from publishing.models import Pin, PinStatus, PublishAttempt
from publishing.services.pins import pin_create
from tests.parallel import worker_redis_url
from tests.pipeline_fixtures import pin_payload, wait_for

CAPACITY = 3
REFILL_PER_MINUTE = 60  # one token a second
PINS = 20
# A token is taken a moment before its attempt row is written; allow that much refill on top.
RECORDING_SLACK_SECONDS = 0.5
PACING_ENV = {
    "PACING_ACCOUNT_CAPACITY": str(CAPACITY),
    "PACING_ACCOUNT_REFILL_PER_MINUTE": str(REFILL_PER_MINUTE),
    "PACING_GLOBAL_CAPACITY": "1000",
    "PACING_GLOBAL_REFILL_PER_MINUTE": "60000",
    "Q_WORKERS": "3",
}


def worst_window(times: list[float]) -> tuple[float, int, float]:
    """The window between two attempts with the most attempts over its allowance:
    (excess, attempts, seconds) where excess = attempts - (capacity + rate * (seconds + slack))."""
    rate = REFILL_PER_MINUTE / 60
    worst = (float("-inf"), 0, 0.0)
    for i in range(len(times)):
        for j in range(i, len(times)):
            seconds = times[j] - times[i]
            attempts = j - i + 1
            excess = attempts - (CAPACITY + rate * (seconds + RECORDING_SLACK_SECONDS))
            worst = max(worst, (excess, attempts, seconds))
    return worst


def publish_through_two_clusters(start_cluster, workspace, cast, account, board, extra_env):
    # Every pin is queued before the clusters start, so six workers compete from the first moment.
    pins = [pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                       data=pin_payload(account, board, idempotency_key=f"paced-{n}", title=f"Chair {n}"))
            for n in range(PINS)]
    env = {**PACING_ENV, **extra_env}
    start_cluster(media=False, extra_env=env)
    start_cluster(media=False, extra_env=env)
    wait_for(lambda: Pin.objects.filter(pk__in=[p.pk for p in pins], status=PinStatus.PUBLISHED).count() == PINS,
             timeout=90, interval=0.2, message="every pin to publish")
    creates = PublishAttempt.objects.filter(pin__in=pins, action=PublishAttempt.Action.CREATE).order_by("started_at")
    return [attempt.started_at.timestamp() for attempt in creates]


def check_pacing(times: list[float], backend: str) -> None:
    excess, attempts, seconds = worst_window(times)
    elapsed = times[-1] - times[0]
    allowed = CAPACITY + REFILL_PER_MINUTE / 60 * elapsed
    print(f"\n[measure] pacing ({backend}, 2 clusters x 3 workers): {len(times)} creates in {elapsed:.1f}s; "
          f"configured {CAPACITY} + {REFILL_PER_MINUTE / 60:g}/s -> at most {allowed:.1f}; busiest window "
          f"{attempts} creates in {seconds:.2f}s (excess {excess:+.2f})")
    assert len(times) == PINS
    assert excess <= 0, f"{attempts} creates in {seconds:.2f}s: more than the bucket allows"


@pytest.mark.postgres
def test_database_pacing_holds_across_two_clusters(start_cluster, workspace, cast, account, board):
    if settings.REDIS_URL:  # pacing then defaults to Redis: this run's Redis test covers it
        pytest.skip("REDIS_URL is set, so pacing uses Redis in this run")
    times = publish_through_two_clusters(start_cluster, workspace, cast, account, board, {})
    check_pacing(times, "PostgreSQL row lock")


@pytest.mark.redis
def test_redis_pacing_holds_across_two_clusters(start_cluster, workspace, cast, account, board):
    import redis

    url = settings.REDIS_URL  # this run's broker database, flushed before each test
    if not url:
        url = worker_redis_url(6)
        redis.Redis.from_url(url).flushdb()
    times = publish_through_two_clusters(start_cluster, workspace, cast, account, board, {"PACING_REDIS_URL": url})
    check_pacing(times, "Redis")
