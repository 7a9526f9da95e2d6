"""Token buckets shared by every worker: per account and global, in the database or Redis."""

import threading
import uuid

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from publishing.models import PinterestAccount, RateBucket
from publishing.services.pacing import pacing_meter, pacing_take
from tests.parallel import worker_redis_url


@pytest.fixture
def small_buckets(settings):
    settings.PACING_ACCOUNT_CAPACITY = 3
    settings.PACING_ACCOUNT_REFILL_PER_SECOND = 0.5
    settings.PACING_GLOBAL_CAPACITY = 5
    settings.PACING_GLOBAL_REFILL_PER_SECOND = 0.25
    settings.PACING_REDIS_URL = None


def test_an_account_gets_its_capacity_then_waits_for_a_refill(offline_account, small_buckets):
    assert [pacing_take(account=offline_account) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = pacing_take(account=offline_account)
    assert 1.5 < wait <= 2.0  # one token at 0.5 per second
    meter = pacing_meter(account=offline_account)
    assert meter["account"]["capacity"] == 3 and meter["account"]["tokens_available"] < 1
    assert meter["account"]["account_id"] == str(offline_account.public_id)
    assert meter["global"]["tokens_available"] == pytest.approx(2, abs=0.1)


def test_the_global_bucket_paces_all_accounts_together(workspace, offline_account, small_buckets):
    # The clock stands still: the wait is compared with the same "now", however slow the machine.
    with time_machine.travel(timezone.now(), tick=False):
        taken = takes_from_two_accounts(workspace, offline_account)
    assert taken.count(0.0) == 5  # the global capacity, though each account could take 3
    assert taken[-1] > 3.9  # one global token at 0.25 per second


def takes_from_two_accounts(workspace, offline_account) -> list[float]:
    other = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="42")
    return [pacing_take(account=account) for account in (offline_account, other) * 3]


def test_a_refusal_takes_nothing_from_either_bucket(offline_account, small_buckets):
    for _ in range(3):
        pacing_take(account=offline_account)
    global_before = RateBucket.objects.get(key="global").tokens
    pacing_take(account=offline_account)
    assert RateBucket.objects.get(key="global").tokens == pytest.approx(global_before, abs=0.1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_take_more_than_the_capacity(cast, small_buckets, settings):
    settings.PACING_ACCOUNT_REFILL_PER_SECOND = 0.001  # no refill worth counting during the test
    settings.PACING_GLOBAL_CAPACITY = 100
    workspace = cast.team.workspaces.get()
    account = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="7")
    results = []

    def worker():
        try:
            results.extend(pacing_take(account=account) for _ in range(3))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 24 and results.count(0.0) == 3


@pytest.mark.redis
def test_redis_buckets_behave_the_same(offline_account, small_buckets, settings):
    import redis

    settings.PACING_REDIS_URL = worker_redis_url(6)  # a test database (tests/parallel.py)
    settings.PACING_REDIS_PREFIX = f"pinboard-test-{uuid.uuid4().hex}"

    assert [pacing_take(account=offline_account) for _ in range(4)][:3] == [0.0, 0.0, 0.0]
    assert 1.5 < pacing_take(account=offline_account) <= 2.0
    assert pacing_meter(account=offline_account)["global"]["tokens_available"] == pytest.approx(2, abs=0.1)
    assert not RateBucket.objects.exists()
    client = redis.Redis.from_url(settings.PACING_REDIS_URL)
    client.delete(*client.keys(f"{{{settings.PACING_REDIS_PREFIX}}}:*"))
