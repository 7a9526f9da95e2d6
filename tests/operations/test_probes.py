"""/healthz is liveness (the process answers); /readyz checks this node's own database and Redis,
and nothing on another machine (no worker needs to run anywhere for a web node to be ready)."""

import pytest
import redis

from tests.parallel import worker_redis_url

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["checks"] == {"process": "ok"}


def test_readiness_needs_only_this_nodes_database_no_worker_anywhere(client, settings):
    settings.REDIS_URL = settings.PACING_REDIS_URL = None
    response = client.get("/readyz")  # no django-q2 cluster runs in this test
    assert response.status_code == 200
    assert response.json()["status"] == "ready" and response.json()["database"] == "ok"
    assert "redis" not in response.json() and "worker" not in response.json()


def test_readiness_fails_when_the_configured_redis_is_unreachable(client, settings):
    settings.REDIS_URL, settings.PACING_REDIS_URL = None, DEAD_REDIS
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == "unavailable" and body["detail"]["code"] == "not_ready"
    assert "127.0.0.1:1" not in response.content.decode()  # a Redis URL may carry a password


def test_readiness_with_a_reachable_redis(client, settings):
    try:
        redis.Redis.from_url(worker_redis_url(14), socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    settings.REDIS_URL = settings.PACING_REDIS_URL = worker_redis_url(14)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["redis"] == "ok"
