"""/metrics: Prometheus metrics read at scrape time from the database and Redis (the same on every
node), behind a token or an IP allow-list, off (404) without either, in a constant number of queries."""

from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ
from prometheus_client.parser import text_string_to_metric_families

from publishing.models import Pin, PinStatus, PublishAttempt
from tests.parallel import worker_redis_url

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TOKEN = "metrics-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS, settings.METRICS_WINDOW_SECONDS = TOKEN, [], 3600
    settings.REDIS_URL = None


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def scrape(client) -> dict:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def activity(workspace, offline_account, offline_board, frozen):
    """Pins, attempts and queued jobs, some inside the last hour and some before it."""
    def pin(name, status, *, created, published=None, **fields):
        with time_machine.travel(created, tick=False):
            return Pin.objects.create(workspace=workspace, account=offline_account, title=name,
                                      board_id=offline_board.pinterest_board_id, idempotency_key=name,
                                      payload_fingerprint="f", status=status, published_at=published, **fields)

    fast = pin("fast", PinStatus.PUBLISHED, created=NOW - timedelta(seconds=90), published=NOW - timedelta(seconds=60))
    pin("slow", PinStatus.PUBLISHED, created=NOW - timedelta(minutes=10), published=NOW - timedelta(minutes=5))
    pin("long ago", PinStatus.PUBLISHED, created=NOW - timedelta(hours=3), published=NOW - timedelta(hours=2))
    pin("waiting", PinStatus.QUEUED, created=NOW)
    pin("paced", PinStatus.DEFERRED, created=NOW, error_code="rate_limited", next_attempt_at=NOW + timedelta(seconds=5))
    pin("gave up", PinStatus.FAILED, created=NOW)
    pin("worker died", PinStatus.PUBLISHING, created=NOW - timedelta(minutes=5),
        lease_expires_at=NOW - timedelta(minutes=1))
    for number, (outcome, status) in enumerate([("published", 201), ("published", 201), ("deferred", 429),
                                                ("failed", 400)], start=1):
        PublishAttempt.objects.create(pin=fast, number=number, outcome=outcome, http_status=status)
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        PublishAttempt.objects.create(pin=fast, number=9, outcome="failed", http_status=500)
    for key in ("pinboard", "pinboard", "media"):
        OrmQ.objects.create(key=key, payload="signed-task", lock=NOW)


def test_metrics_report_pins_queues_latency_calls_rate_limits_and_stuck_work(client, metrics_on, activity):
    samples = scrape(client)
    assert value(samples, "pinboard_pins", status="published") == 3
    assert value(samples, "pinboard_pins", status="publishing") == 1
    assert value(samples, "pinboard_pins", status="deferred") == 1
    assert value(samples, "pinboard_queue_depth", queue="pinboard") == 2
    assert value(samples, "pinboard_queue_depth", queue="media") == 1
    # Published in the last hour: one after 30 s, one after 300 s (the one two hours ago is outside).
    assert value(samples, "pinboard_publish_latency_seconds_bucket", le="15.0") == 0
    assert value(samples, "pinboard_publish_latency_seconds_bucket", le="30.0") == 1
    assert value(samples, "pinboard_publish_latency_seconds_bucket", le="300.0") == 2
    assert value(samples, "pinboard_publish_latency_seconds_bucket", le="+Inf") == 2
    assert value(samples, "pinboard_publish_latency_seconds_gcount") == 2
    assert value(samples, "pinboard_publish_latency_seconds_gsum") == 330
    assert value(samples, "pinboard_pinterest_calls", outcome="published") == 2
    assert value(samples, "pinboard_pinterest_calls", outcome="failed") == 1  # the older failure is outside
    assert value(samples, "pinboard_pinterest_rate_limited_calls") == 1
    assert value(samples, "pinboard_rate_limit_waiting_pins") == 1
    assert value(samples, "pinboard_stuck_work", kind="pins") == 1


def test_a_scrape_costs_the_same_number_of_queries_whatever_the_data(client, metrics_on, workspace, offline_account,
                                                                     offline_board, frozen):
    with CaptureQueriesContext(connection) as empty:
        scrape(client)
    for number in range(40):
        pin = Pin.objects.create(workspace=workspace, account=offline_account, title=f"p{number}",
                                 board_id=offline_board.pinterest_board_id, idempotency_key=f"p{number}",
                                 payload_fingerprint="f", status=PinStatus.PUBLISHED, published_at=NOW)
        PublishAttempt.objects.create(pin=pin, number=1, outcome="published")
        OrmQ.objects.create(key=f"queue{number % 3}", payload="x", lock=NOW)
    with CaptureQueriesContext(connection) as full:
        samples = scrape(client)
    assert value(samples, "pinboard_pins", status="published") == 40
    assert len(full) == len(empty) <= 10


def test_queue_depth_on_the_redis_broker_counts_ready_and_delayed_jobs(client, metrics_on, settings):
    url = worker_redis_url(14)  # this suite's own Redis database for operations tests
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.REDIS_URL = url
    server.delete("pinboard", "pinboard:delayed", "media", "media:delayed")
    try:
        server.rpush("pinboard", "a", "b")
        server.zadd("pinboard:delayed", {"later": 1})
        server.zadd("media:delayed", {"video": 1})
        samples = scrape(client)
    finally:
        server.delete("pinboard", "pinboard:delayed", "media", "media:delayed")
    assert value(samples, "pinboard_queue_depth", queue="pinboard") == 3
    assert value(samples, "pinboard_queue_depth", queue="media") == 1


def test_metrics_are_off_without_a_token_or_allow_list(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = None, []
    assert client.get("/metrics", headers=AUTH).status_code == 404


def test_a_token_is_required_when_configured(client, metrics_on):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401  # not a Bearer header
    assert client.get("/metrics", headers=AUTH).status_code == 200


def test_an_ip_allow_list_admits_only_its_networks(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = None, ["10.0.0.0/8", "192.168.1.7"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_with_both_guards_both_must_pass(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = TOKEN, ["10.0.0.0/8"]
    assert client.get("/metrics", headers=AUTH, REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.1").status_code == 401
    assert client.get("/metrics", headers=AUTH, REMOTE_ADDR="10.0.0.1").status_code == 200
