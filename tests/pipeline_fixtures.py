"""Fixtures of the publishing pipeline's tests (tests/services/pins/, tests/jobs/).

- ``sandbox``: the built-in Pinterest sandbox over real HTTP (pytest-django's live_server); the
  Pinterest client of this process and of a worker cluster both talk to it.
- ``account`` / ``board``: a sandbox Pinterest account connected through the real OAuth flow,
  and one of its (cached) boards.
- ``offline_account`` / ``offline_board``: rows only, for tests that never call Pinterest.
- ``start_cluster``: real ``manage.py qcluster`` subprocesses (the publishing cluster and, beside
  it, the media cluster) on the test database, and on the Redis broker when ``REDIS_URL`` is set
  (a test Redis database, 5 or 6, flushed when each test starts).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from publishing.models import Board, PinterestAccount, WorkerCluster, Workspace

BASE_DIR = Path(__file__).resolve().parent.parent
IMAGE_URL = "https://images.example.com/red-chair.jpg"

# What the worker cluster runs with: short timeouts and backoffs keep the jobs suite fast while
# exercising the same code paths as production's longer ones.
CLUSTER_SETTINGS = {
    "PINTEREST_TIMEOUT_SECONDS": "3",
    "PUBLISH_LEASE_SECONDS": "6",
    "PUBLISH_BACKOFF_BASE_SECONDS": "1",
    "PUBLISH_BACKOFF_MAX_SECONDS": "4",
    "PUBLISH_UNKNOWN_OUTCOME_SETTLE_SECONDS": "4",
    "WEBHOOK_BACKOFF_BASE_SECONDS": "1",
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "Q_WORKERS": "2",
}


def wait_for(condition: Callable[[], object], *, timeout: float, interval: float = 0.1, message: str = ""):
    """Poll ``condition`` until it returns something truthy (returned), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout}s waiting for {message or condition}")
        time.sleep(interval)


@pytest.fixture
def workspace(cast) -> Workspace:
    return cast.team.workspaces.get(environment=Workspace.Environment.SANDBOX)


@pytest.fixture
def sandbox(live_server, settings) -> str:
    """Point this process's Pinterest client (sandbox workspaces) at the live server."""
    base = live_server.url
    settings.SITE_URL = base
    settings.SANDBOX_BASE_URL = base
    settings.SANDBOX_PINTEREST_API_BASE = f"{base}/sandbox/pinterest/v5"
    settings.SANDBOX_PINTEREST_AUTHORIZE_URL = f"{base}/sandbox/pinterest/oauth/"
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    for name, value in CLUSTER_SETTINGS.items():
        if name.startswith(("PUBLISH_", "WEBHOOK_BACKOFF")):
            setattr(settings, name, int(value))
    settings.PINTEREST_TIMEOUT_SECONDS = float(CLUSTER_SETTINGS["PINTEREST_TIMEOUT_SECONDS"])
    return base


@pytest.fixture
def account(sandbox, workspace, cast, monkeypatch) -> PinterestAccount:
    """A sandbox Pinterest account connected through the real OAuth flow (boards cached). Without the
    analytics backfill connecting enqueues (sandbox workspaces are collected like production ones): on
    a test's cluster it would race the publishing under test (a revoked token marking the account
    before the pin is made). Analytics tests connect with their own fixtures."""
    from publishing.management.sandbox_connect import account_connect_sandbox
    from publishing.services import pinterest_accounts

    monkeypatch.setattr(pinterest_accounts, "analytics_backfill_request", lambda account: False)
    connected = account_connect_sandbox(workspace=workspace, user=cast.admin)
    assert Board.objects.for_account(connected).exists(), "connecting caches the account's boards"
    return connected


@pytest.fixture
def board(account) -> Board:
    return Board.objects.for_account(account).first()


@pytest.fixture
def offline_account(workspace, cast) -> PinterestAccount:
    """An account row for tests that never reach Pinterest (validation, state rules)."""
    return PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="1000000000000000001",
                                           username="acme_offline", access_token="pina_offline",
                                           connected_by=cast.admin)


@pytest.fixture
def offline_board(offline_account) -> Board:
    return Board.objects.create(account=offline_account, pinterest_board_id="900000000000000001", name="Chairs")


def pin_payload(account: PinterestAccount, board: Board, **overrides) -> dict:
    payload = {
        "account_id": str(account.public_id),
        "board_id": board.pinterest_board_id,
        "title": "A red chair",
        "description": "Oak and red lacquer.",
        "link_url": "https://shop.example.com/red-chair",
        "image_url": IMAGE_URL,
        "idempotency_key": "chair-1",
    }
    payload.update(overrides)
    return payload


# The Redis databases tests may flush (REDIS_URL for the cluster suite on the Redis broker, and a
# second one for tests that need their own).
TEST_REDIS_DATABASES = ("5", "6")


def checked_test_redis_url(url: str) -> str:
    """``url``, once checked to name a test Redis database: the suite flushes it."""
    database = urlsplit(url).path.lstrip("/")
    if database not in TEST_REDIS_DATABASES:
        pytest.fail(f"Tests flush their Redis database: point REDIS_URL at database 5 or 6, not {url!r}")
    return url


def redis_broker_in_use() -> bool:
    return bool(django_settings.REDIS_URL)


def queued_jobs(func: str) -> list[tuple]:
    """The ``(args, run_after)`` of each task waiting in the broker (any queue) that calls ``func``
    (``run_after`` is None for a task due now on Redis)."""
    from django_q.models import OrmQ

    if not redis_broker_in_use():
        return [(row.task["args"], row.lock) for row in OrmQ.objects.order_by("id") if row.task["func"] == func]
    import redis
    from django_q.signing import SignedPackage

    client = redis.Redis.from_url(django_settings.REDIS_URL)
    found = []
    for key in sorted(client.keys("django_q:*:q")):
        found += [(SignedPackage.loads(raw), None) for raw in client.lrange(key, 0, -1)]
        found += [(SignedPackage.loads(raw), datetime.fromtimestamp(score, tz=UTC))
                  for raw, score in client.zrange(key + b":delayed", 0, -1, withscores=True)]
    return [(task["args"], run_after) for task, run_after in found if task["func"] == func]


def run_queued(func: str) -> int:
    """Run here, as a worker would, each task waiting in the broker that calls ``func``, oldest first
    (they stay queued: every task is safe to run twice). Returns how many ran."""
    from django.utils.module_loading import import_string

    jobs = queued_jobs(func)
    for args, _ in jobs:
        import_string(func)(*args)
    return len(jobs)


@pytest.fixture(autouse=True)
def fresh_redis_broker():
    """On the Redis broker, every test starts with an empty queue (the database's tables are
    emptied between tests; Redis is not)."""
    if redis_broker_in_use():
        import redis

        redis.Redis.from_url(checked_test_redis_url(django_settings.REDIS_URL)).flushdb()
    yield


@dataclass
class Cluster:
    process: subprocess.Popen
    log_path: Path
    env: dict
    starts_recorded_before: int  # rows of this cluster name's starts when it was launched
    media: Cluster | None = None  # the media cluster started beside it, stopped with it

    def stop(self, timeout: float = 10) -> None:
        """Stop gracefully: SIGTERM to the cluster's main process only (it stops its sentinel,
        pusher, workers and monitor in order); whatever is left after ``timeout`` is killed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self._kill_group()
        if self.media is not None:
            self.media.stop(timeout)

    def kill(self) -> None:
        """SIGKILL every process of the cluster at once: a crash, no clean-up whatsoever."""
        self._kill_group()
        if self.media is not None:
            self.media.kill()

    def _kill_group(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the cluster's processes share its group
        except ProcessLookupError:
            pass
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_cluster(sandbox, transactional_db, tmp_path):
    """``start_cluster()`` → a running publishing cluster (``manage.py qcluster``) on the test
    database, with a media cluster beside it (``media=False``: none); killed at the end.
    ``extra_env`` adds environment variables (settings) for these clusters only."""
    call_command("q_schedules", stdout=open(os.devnull, "w"))  # closed with the process
    clusters: list[Cluster] = []
    env = {
        **os.environ,
        **CLUSTER_SETTINGS,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PINBOARD_TEST_DATABASE_NAME": connection.settings_dict["NAME"],
        "SITE_URL": sandbox,
        "SANDBOX_BASE_URL": sandbox,
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }

    def launch(name: str, extra: dict) -> Cluster:
        log_path = tmp_path / f"qcluster-{len(clusters)}-{name}.log"
        # The shared cache the test's server reads through (tests/api/conftest.py), read when launched:
        # the clusters' writes must change its epochs, as production workers' do.
        shared = {"CACHE_REDIS_URL": django_settings.CACHE_REDIS_URL} if django_settings.CACHE_REDIS_URL else {}
        cluster_env = {**env, **shared, "Q_CLUSTER_NAME": name, **extra}
        starts_recorded_before = WorkerCluster.objects.filter(queue=name).count()
        with log_path.open("wb") as log:
            process = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=BASE_DIR, env=cluster_env,
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        cluster = Cluster(process, log_path, cluster_env, starts_recorded_before)
        clusters.append(cluster)
        return cluster

    def started(cluster: Cluster) -> Cluster:
        wait_for(lambda: "running" in cluster.log() or cluster.process.poll() is not None, timeout=30,
                 message="the cluster to start")
        assert cluster.process.poll() is None, cluster.log()
        # The sentinel logs "running" while its workers may still be opening their database connection
        # (post_spawn runs in each worker): started means the start is recorded, as worker_health reads it.
        name = cluster.env["Q_CLUSTER_NAME"]
        wait_for(lambda: WorkerCluster.objects.filter(queue=name).count() > cluster.starts_recorded_before,
                 timeout=30, message=f"the {name} cluster's workers to record its start")
        return cluster

    def start(*, media: bool = True, extra_env: dict | None = None) -> Cluster:
        publishing = launch(django_settings.Q_CLUSTER["name"], extra_env or {})
        if media:
            publishing.media = launch(django_settings.Q_MEDIA_CLUSTER, extra_env or {})
            started(publishing.media)
        return started(publishing)

    yield start
    for cluster in clusters:
        cluster.kill()  # the test is over: a graceful stop would only cost time


@dataclass
class ReceivedWebhook:
    headers: dict
    body: bytes
    signature_valid: bool


# The secret a ``webhook_receiver`` checks signatures with: give the webhook under test this secret.
WEBHOOK_RECEIVER_SECRET = "whsec-receiver-0123456789abcdef"


class WebhookReceiver:
    """A tiny real HTTP server in a thread that verifies deliveries as a customer's endpoint must:
    ``X-PinBridge-Signature`` is the hex HMAC-SHA256 of the raw body keyed with ``secret``. A bad
    or missing signature is answered 401 (and recorded, ``signature_valid=False``); a good one gets
    the next queued status (204 when none is queued)."""

    def __init__(self, secret: str = WEBHOOK_RECEIVER_SECRET):
        import hashlib
        import hmac
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        receiver = self
        self.secret = secret
        self.received: list[ReceivedWebhook] = []
        self.statuses: list[int] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                # Written here, not imported from the product: the receiver is the customer's side.
                expected = hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(self.headers.get("X-PinBridge-Signature", ""), expected)
                receiver.received.append(
                    ReceivedWebhook({k.lower(): v for k, v in self.headers.items()}, body, valid))
                if not valid:
                    status = 401
                else:
                    status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/pinboard"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
