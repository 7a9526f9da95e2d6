"""Reserved publishing slots (services/pacing.py) and the cost of one publish job.

Pacing hands each pin a slot once (or a turn in its account's line beyond the reservation
horizon); a pin whose slot has come publishes without asking the buckets again. One publish job
stays within a fixed number of queries and builds no new HTTP transport.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publishing.access import Actor
from publishing.models import Pin, PinStatus, RateBucket
from publishing.services.delivery import pin_publish
from publishing.services.pacing import PacingMode, PacingTurn, pacing_reserve
from publishing.services.pins import pin_create
from tests.parallel import worker_redis_url
from tests.pipeline_fixtures import pin_payload, queued_jobs

PUBLISH = "publishing.tasks.publish_pin"
# Transaction control is not a query of the job's own (PostgreSQL's driver sends no BEGIN to log).
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
PUBLISH_JOB_QUERIES = 10


@pytest.fixture
def one_a_second(settings):
    settings.PACING_ACCOUNT_CAPACITY = 1
    settings.PACING_ACCOUNT_REFILL_PER_SECOND = 1.0
    settings.PACING_GLOBAL_CAPACITY = 1000
    settings.PACING_GLOBAL_REFILL_PER_SECOND = 1000.0
    settings.PACING_RESERVATION_HORIZON_SECONDS = 1
    settings.PACING_REDIS_URL = None


def turns(account, modes) -> list[PacingTurn]:
    return [pacing_reserve(account=account, mode=mode) for mode in modes]


def test_slots_within_the_horizon_then_turns_in_the_line(offline_account, one_a_second, frozen_clock):
    got = turns(offline_account, [PacingMode.JOIN] * 4)
    assert got == [PacingTurn(True, 0.0), PacingTurn(True, 1.0), PacingTurn(False, 2.0), PacingTurn(False, 3.0)]
    # A pin whose turn came reserves its slot (due now once the slots before it were used).
    frozen_clock.shift(2)
    assert pacing_reserve(account=offline_account, mode=PacingMode.HEAD) == PacingTurn(True, 0.0)
    # A newcomer does not cut the line while it has turns ahead: it gets the next one.
    assert pacing_reserve(account=offline_account, mode=PacingMode.JOIN) == PacingTurn(False, 2.0)


def test_a_priority_pin_reserves_however_far_and_the_buckets_count_every_slot(offline_account, one_a_second,
                                                                              frozen_clock):
    turns(offline_account, [PacingMode.JOIN] * 2)  # slots now and in 1 s
    assert pacing_reserve(account=offline_account, mode=PacingMode.PRIORITY) == PacingTurn(True, 2.0)
    assert pacing_reserve(account=offline_account, mode=PacingMode.TAKE) == PacingTurn(False, 3.0)


@pytest.mark.redis
def test_redis_reservations_behave_the_same(offline_account, one_a_second, settings):
    import uuid

    import redis

    settings.PACING_REDIS_URL = worker_redis_url(6)  # a test database (tests/parallel.py)
    settings.PACING_REDIS_PREFIX = f"pinboard-test-{uuid.uuid4().hex}"
    got = turns(offline_account, [PacingMode.JOIN] * 4 + [PacingMode.PRIORITY])
    # Redis's clock moves on between calls: compare with a tolerance.
    expected = [(True, 0.0), (True, 1.0), (False, 2.0), (False, 3.0), (True, 2.0)]
    assert [turn.reserved for turn in got] == [reserved for reserved, _ in expected]
    assert [turn.wait for turn in got] == pytest.approx([wait for _, wait in expected], abs=0.2)
    assert not RateBucket.objects.exists()
    client = redis.Redis.from_url(settings.PACING_REDIS_URL)
    client.delete(*client.keys(f"{{{settings.PACING_REDIS_PREFIX}}}:*"))


def test_a_pin_deferred_for_its_slot_publishes_then_without_taking_another(workspace, cast, account, board,
                                                                          one_a_second, frozen_clock):
    actor = Actor.for_user(cast.manager, workspace)
    first, second = (pin_create(actor=actor, source="api", data=pin_payload(account, board, idempotency_key=key))
                     for key in ("a", "b"))
    assert pin_publish(pin_id=first.pk) == PinStatus.PUBLISHED
    assert pin_publish(pin_id=second.pk) == PinStatus.DEFERRED
    second.refresh_from_db()
    slot = second.next_attempt_at
    assert second.pace_slot_at == slot and 0.99 <= (slot - timezone.now()).total_seconds() <= 1.01
    assert [at for args, at in queued_jobs(PUBLISH) if args == (second.pk,)][-1] == slot  # its job, for its slot

    frozen_clock.move_to(slot)
    bucket = RateBucket.objects.get(key=f"account:{account.public_id}")
    assert pin_publish(pin_id=second.pk) == PinStatus.PUBLISHED
    assert RateBucket.objects.get(pk=bucket.pk).tokens == bucket.tokens  # the slot was already counted
    assert Pin.objects.get(pk=second.pk).pace_slot_at is None


def test_a_slot_used_too_late_is_given_up_and_a_new_one_reserved(workspace, cast, account, board, one_a_second,
                                                                 frozen_clock):
    actor = Actor.for_user(cast.manager, workspace)
    first, second = (pin_create(actor=actor, source="api", data=pin_payload(account, board, idempotency_key=key))
                     for key in ("a", "b"))
    pin_publish(pin_id=first.pk)
    pin_publish(pin_id=second.pk)
    slot = Pin.objects.get(pk=second.pk).pace_slot_at
    # Its job ran long after the slot: other pins may have used the time since; it reserves again.
    frozen_clock.move_to(slot + timedelta(seconds=5))
    turns(account, [PacingMode.TAKE])  # someone took the token that refilled meanwhile
    assert pin_publish(pin_id=second.pk) == PinStatus.DEFERRED
    assert Pin.objects.get(pk=second.pk).pace_slot_at > timezone.now()


def test_one_publish_job_runs_a_bounded_number_of_queries_and_builds_no_transport(workspace, cast, account, board):
    actor = Actor.for_user(cast.manager, workspace)
    warm, measured = (pin_create(actor=actor, source="api", data=pin_payload(account, board, idempotency_key=key))
                      for key in ("warm", "measured"))
    assert pin_publish(pin_id=warm.pk) == PinStatus.PUBLISHED  # the process's HTTP transport is built once

    with (CaptureQueriesContext(connection) as captured,
          mock.patch("httpx.HTTPTransport", side_effect=AssertionError("a publish job built a transport"))):
        assert pin_publish(pin_id=measured.pk) == PinStatus.PUBLISHED

    queries = [query["sql"] for query in captured.captured_queries
               if not query["sql"].upper().startswith(TRANSACTION_CONTROL)]
    assert len(queries) <= PUBLISH_JOB_QUERIES, "\n".join(queries)



def _late_head_then_takes(account) -> list[bool]:
    """A pin whose turn came a second ago reserves (its slot back-dated to the turn) from a bucket
    of 3 that has been full for a while; then as many immediate takes as the bucket grants."""
    assert pacing_reserve(account=account, mode=PacingMode.HEAD, late_by=1.0).reserved
    return [pacing_reserve(account=account, mode=PacingMode.TAKE).reserved for _ in range(3)]


@pytest.fixture
def three_a_bucket(one_a_second, settings):
    settings.PACING_ACCOUNT_CAPACITY = 3
    # A global bucket that conforms a full 10 s back, so the late slot is the turn's own time.
    settings.PACING_GLOBAL_REFILL_PER_SECOND = 100.0


def test_a_late_slot_on_a_full_bucket_takes_a_token_like_any_other(offline_account, three_a_bucket, frozen_clock):
    # Back-dating the slot to a moment the bucket was already full must not credit the second it
    # "refilled" since (above its capacity): the bucket holds 2 more, not 3.
    assert pacing_reserve(account=offline_account, mode=PacingMode.TAKE).reserved
    frozen_clock.shift(10)  # full again long ago
    assert _late_head_then_takes(offline_account) == [True, True, False]


@pytest.mark.redis
def test_a_late_slot_on_a_full_bucket_takes_a_token_on_redis_too(offline_account, three_a_bucket, settings):
    import time
    import uuid

    import redis

    from publishing.services.pacing import _redis_key, account_bucket_key

    settings.PACING_REDIS_URL = worker_redis_url(6)  # a test database (tests/parallel.py)
    settings.PACING_REDIS_PREFIX = f"pinboard-test-{uuid.uuid4().hex}"
    # The account's bucket as the script stores it: full, as of ten seconds ago.
    redis.Redis.from_url(settings.PACING_REDIS_URL).hset(
        _redis_key(account_bucket_key(offline_account)), mapping={"tokens": 3, "at": time.time() - 10})
    assert _late_head_then_takes(offline_account) == [True, True, False]


def test_a_due_schedules_pin_takes_the_earliest_slot_a_backlog_pin_holds_ahead(workspace, cast, account, board,
                                                                              one_a_second, frozen_clock):
    """Behind a backlog whose pins already hold slots ahead, a due schedule's pin is not put after
    them all: it takes the earliest slot still ahead, whose holder reserves the next one (its job
    enqueued for it), and the buckets count one slot per publish."""
    actor = Actor.for_user(cast.manager, workspace)
    first, holder, in_line = (pin_create(actor=actor, source="api", data=pin_payload(account, board,
                                                                                      idempotency_key=key))
                              for key in ("a", "b", "c"))
    assert pin_publish(pin_id=first.pk) == PinStatus.PUBLISHED
    assert pin_publish(pin_id=holder.pk) == PinStatus.DEFERRED  # a slot in 1 s
    assert pin_publish(pin_id=in_line.pk) == PinStatus.DEFERRED  # beyond the horizon: a turn in 2 s
    held = Pin.objects.get(pk=holder.pk).pace_slot_at
    assert (held - timezone.now()).total_seconds() == pytest.approx(1.0)

    scheduled = pin_create(actor=actor, source=Pin.Source.SCHEDULE,
                           data=pin_payload(account, board, idempotency_key="scheduled"))
    assert pin_publish(pin_id=scheduled.pk) == PinStatus.DEFERRED
    scheduled.refresh_from_db()
    assert scheduled.pace_slot_at == scheduled.next_attempt_at == held  # the holder's slot
    holder = Pin.objects.get(pk=holder.pk)
    # The holder's next slot, 2 s from now (the turn in 2 s was displaced to the end of the line).
    assert holder.pace_slot_at == holder.next_attempt_at
    assert (holder.pace_slot_at - timezone.now()).total_seconds() == pytest.approx(2.0)
    assert [at for args, at in queued_jobs(PUBLISH) if args == (holder.pk,)][-1] == holder.pace_slot_at
    assert pacing_reserve(account=account, mode=PacingMode.TAKE) == PacingTurn(False, 3.0)  # 0, 1, 2 taken

    frozen_clock.move_to(held)
    assert pin_publish(pin_id=scheduled.pk) == PinStatus.PUBLISHED  # at the slot taken, without another
    assert pin_publish(pin_id=holder.pk) == "not_claimed"  # its job for the old slot: the pin waits for its new one


def test_a_job_that_comes_early_is_enqueued_again_for_its_time_not_left_to_the_sweeper(
        workspace, cast, offline_account, offline_board, frozen_clock, django_capture_on_commit_callbacks):
    """A pusher whose clock runs ahead hands a pin's job out before the pin's time (by this clock):
    the claim refuses it, and the job is enqueued again, as long after the time as it came before,
    so that pusher hands it out at the time; a job for a time the pin no longer waits for ends."""
    from publishing.tasks import publish_pin

    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data=pin_payload(offline_account, offline_board))
    due = timezone.now() + timedelta(seconds=10)
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.DEFERRED, next_attempt_at=due)
    frozen_clock.move_to(due - timedelta(milliseconds=400))  # 0.4 s early

    with django_capture_on_commit_callbacks(execute=True):
        assert publish_pin(pin.pk, due_at=due.isoformat()) == "early"
    assert [at for args, at in queued_jobs(PUBLISH) if args == (pin.pk,)][-1] == due + timedelta(milliseconds=400)
    assert Pin.objects.get(pk=pin.pk).status == PinStatus.DEFERRED

    before = len(queued_jobs(PUBLISH))
    with django_capture_on_commit_callbacks(execute=True):  # a job for a time the pin no longer waits for
        assert publish_pin(pin.pk, due_at=(due - timedelta(seconds=5)).isoformat()) == "not_claimed"
        assert publish_pin(pin.pk) == "not_claimed"
    assert len(queued_jobs(PUBLISH)) == before
