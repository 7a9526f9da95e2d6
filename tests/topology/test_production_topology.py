"""The production topology on one machine, proven end to end.

Two web nodes (``scripts/web``: gunicorn, ``DEBUG=false``, static files collected by
``scripts/release``), two publishing clusters (``manage.py qcluster``, each its own process group),
PostgreSQL, the Redis broker (and Redis pacing) and an S3-protocol server (moto) for media. Nothing
is shared between the nodes but those three stores, exactly as on separate machines.

Through the official SDK, with its calls spread over both web nodes, 200 pins and 10 schedules
are published to the built-in sandbox. One cluster is SIGKILLed midway. Then:

- every pin is published exactly once: Pinboard's pins against the sandbox board's pins;
- per-account pacing held across both clusters (attempt times against ``capacity + rate x t``);
- each due schedule ran once (one pin each);
- an asset uploaded through one web node is served by the other (its bytes live in the bucket);
- both nodes answer ``/readyz``;
- a key both nodes answered from the shared credential cache is refused by node B as soon as its
  revoke has answered on node A;
- a pins page node B cached while the pins were queued answers them published once the clusters
  have published them, and a pin deleted through node A is gone from node B's next page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone
from pinbridge_sdk import PinbridgeClient
from pinbridge_sdk.errors import AuthenticationError
from pinbridge_sdk.models import APIKeyCreate, LoginRequest, PinCreate, ScheduleCreate

from pinterest_sandbox.models import Pin as SandboxPin
from publishing.management.sandbox_connect import account_connect_sandbox
from publishing.models import Board, Pin, PinStatus, PublishAttempt, Schedule, User, Workspace
from publishing.permissions import Role
from publishing.services.secrets import credential_prefix
from publishing.services.teams import membership_set_role, team_create
from tests.foundation.test_production_server import database_url
from tests.media import make_png
from tests.parallel import worker_redis_url
from tests.pipeline_fixtures import CLUSTER_SETTINGS, wait_for
from tests.ports import free_port
from tests.storage_fixtures import s3_environ

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PASSWORD = "topology-password-0123"
PINS = 200
SCHEDULES = 10
# Per-account pacing: a burst of CAPACITY, then RATE a second, shared by both clusters through Redis.
CAPACITY = 10
RATE_PER_MINUTE = 600
# A token is taken a moment before its attempt row is written; allow that much refill on top.
RECORDING_SLACK_SECONDS = 0.5
REDIS_DB_URL = worker_redis_url(7)


@dataclass
class Node:
    name: str
    process: subprocess.Popen
    log_path: Path
    url: str = ""
    extra: dict = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


def spawn(name: str, command: list[str], env: dict, tmp_path: Path) -> Node:
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Node(name, process, log_path)


def worst_window(times: list[float], capacity: int, rate: float) -> tuple[float, int, float]:
    """The window between two attempts with the most attempts over its allowance:
    (excess, attempts, seconds), excess = attempts - (capacity + rate x (seconds + slack))."""
    worst = (float("-inf"), 0, 0.0)
    for i in range(len(times)):
        for j in range(i, len(times)):
            seconds = times[j] - times[i]
            worst = max(worst, (j - i + 1 - (capacity + rate * (seconds + RECORDING_SLACK_SECONDS)), j - i + 1,
                                seconds))
    return worst


@pytest.fixture
def topology(transactional_db, s3_server, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the production topology runs on PostgreSQL")
    broker = redis.Redis.from_url(REDIS_DB_URL)
    broker.flushdb()
    bucket = f"topology-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    ports = [free_port(), free_port()]
    site_url = f"http://127.0.0.1:{ports[0]}"
    env = {key: value for key, value in os.environ.items()
           if key not in {"DJANGO_SETTINGS_MODULE", "PACING_REDIS_URL", "PINBOARD_TEST_DATABASE_NAME"}}
    env.update({
        **CLUSTER_SETTINGS,
        "DJANGO_SETTINGS_MODULE": "pinboard_site.settings",
        "PINBOARD_ENV_FILE": "",
        "DEBUG": "false",
        # The suite's own keys: this process connects the sandbox account and stores its tokens.
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "SITE_URL": site_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "60",
        "REDIS_URL": REDIS_DB_URL,
        **s3_environ(s3_server, bucket),
        "PINBOARD_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "no-local-media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "PYTHON": sys.executable,
        "PYTHONUNBUFFERED": "1",
        "WEB_CONCURRENCY": "1",
        "Q_WORKERS": "2",
        "PACING_ACCOUNT_CAPACITY": str(CAPACITY),
        "PACING_ACCOUNT_REFILL_PER_MINUTE": str(RATE_PER_MINUTE),
        "PACING_GLOBAL_CAPACITY": "10000",
        "PACING_GLOBAL_REFILL_PER_MINUTE": "600000",
        "SANDBOX_RATE_LIMIT_PER_MINUTE": "100000",
    })
    release = subprocess.run([str(BASE_DIR / "scripts/release")], cwd=BASE_DIR, env=env, capture_output=True,
                             text=True, timeout=300)
    assert release.returncode == 0, release.stdout[-3000:] + release.stderr[-3000:]

    nodes: list[Node] = []
    try:
        for n, port in enumerate(ports):
            web = spawn(f"web-{n}", [str(BASE_DIR / "scripts/web")], {**env, "HOST": "127.0.0.1", "PORT": str(port)},
                        tmp_path)
            web.url = f"http://127.0.0.1:{port}"
            nodes.append(web)
        for web in nodes:
            wait_for(lambda web=web: web.process.poll() is not None or _answers(web.url), timeout=60, interval=0.3,
                     message=f"{web.name} to answer")
            assert web.process.poll() is None, web.log()[-3000:]
        clusters = [spawn(f"cluster-{n}", [sys.executable, "manage.py", "qcluster"], env, tmp_path) for n in range(2)]
        nodes.extend(clusters)
        for cluster in clusters:
            wait_for(lambda c=cluster: "running" in c.log() or c.process.poll() is not None, timeout=60,
                     message=f"{cluster.name} to start")
            assert cluster.process.poll() is None, cluster.log()[-3000:]
        yield {"web": nodes[:2], "clusters": clusters, "env": env, "bucket": bucket}
    finally:
        for node in nodes:
            node.kill()
        broker.flushdb()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def point_this_process_at(site_url: str, settings) -> None:
    """This process connects the sandbox account through web node 0, like the sandbox fixture."""
    settings.SITE_URL = site_url
    settings.SANDBOX_BASE_URL = site_url
    settings.SANDBOX_PINTEREST_API_BASE = f"{site_url}/sandbox/pinterest/v5"
    settings.SANDBOX_PINTEREST_AUTHORIZE_URL = f"{site_url}/sandbox/pinterest/oauth/"


def test_two_web_nodes_and_two_clusters_publish_every_pin_exactly_once_through_a_crash(
        topology, s3_server, settings):
    started = time.monotonic()
    web_a, web_b = topology["web"]
    survivor, victim = topology["clusters"]
    point_this_process_at(web_a.url, settings)

    # A team whose admin publishes without approval, and a sandbox account with its boards.
    team = team_create(name="Topology", timezone="Europe/Paris")
    admin = User.objects.create_user(email="ops@topology.test", password=None, full_name="Ops")
    admin.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    admin.save(update_fields=["password"])
    membership_set_role(team=team, user=admin, role=Role.ADMIN)
    workspace = team.workspaces.get(environment=Workspace.Environment.SANDBOX)
    account = account_connect_sandbox(workspace=workspace, user=admin)
    board = Board.objects.for_account(account).first()

    # One logged-in SDK client per web node: a token issued by one node is honoured by the other.
    token = PinbridgeClient(base_url=web_b.url, timeout=30).auth.login(
        LoginRequest(email=admin.email, password=PASSWORD)).access_token
    clients = [PinbridgeClient(base_url=web.url, timeout=30, bearer_token=token) for web in (web_a, web_b)]

    # An asset uploaded through node A is served by node B: its bytes live in the bucket.
    image = tmp_image(topology)
    asset = clients[0].assets.upload_image(str(image), content_type="image/png")
    assert clients[1].assets.get_content(asset.id) == image.read_bytes()
    assert any(key for key in s3_server.client().list_objects_v2(Bucket=topology["bucket"]).get("Contents", []))

    run_at = timezone.now() + timedelta(seconds=5)
    schedules = [clients[n % 2].schedules.create(ScheduleCreate(
        account_id=account.public_id, board_id=board.pinterest_board_id, title=f"Scheduled {n}",
        image_url="https://images.example.com/scheduled.jpg", run_at=run_at + timedelta(milliseconds=100 * n)))
        for n in range(SCHEDULES)]
    pins = []
    for n in range(PINS):
        media = {"asset_id": asset.id} if n % 20 == 0 else {"image_url": f"https://images.example.com/{n}.jpg"}
        pins.append(clients[n % 2].pins.create(PinCreate(
            account_id=account.public_id, board_id=board.pinterest_board_id, title=f"Topology pin {n}",
            idempotency_key=f"topology-{n}", **media)))
    created_in = time.monotonic() - started
    # Node B answers the newest pins' page and keeps it in the shared list cache (checked at the end).
    # (The schedules' pins are made later, when they run: the question leaves them out.)
    early = {pin.id: getattr(pin.status, "value", pin.status)
             for pin in clients[1].pins.list(limit=50, q="Topology pin")}
    assert len(early) == 50 and set(early.values()) != {"published"}, early
    assert redis.Redis.from_url(REDIS_DB_URL).keys("pinboard:list:pins:*"), "node B did not cache the page"

    # Midway, one cluster dies with no clean-up at all; the other must finish its work.
    wait_for(lambda: Pin.objects.filter(workspace=workspace, status=PinStatus.PUBLISHED).count() >= PINS // 3,
             timeout=120, interval=0.2, message="a third of the pins to publish")
    victim.kill()
    killed_at = time.monotonic() - started
    total = PINS + SCHEDULES
    wait_for(lambda: Pin.objects.filter(workspace=workspace, status=PinStatus.PUBLISHED).count() == total,
             timeout=240, interval=0.5, message=f"all {total} pins to publish after the crash")
    published_in = time.monotonic() - started

    # Exactly once: one sandbox pin per Pinboard pin, matched by id, no title twice.
    ours = list(Pin.objects.filter(workspace=workspace).values_list("pinterest_pin_id", "title"))
    on_board = list(SandboxPin.objects.filter(board__pinterest_id=board.pinterest_board_id)
                    .values_list("pinterest_id", "title"))
    assert len(ours) == total and all(pin_id for pin_id, _ in ours)
    duplicates = len(on_board) - len({title for _, title in on_board})
    lost = total - len({pin_id for pin_id, _ in ours} & {pin_id for pin_id, _ in on_board})
    assert (duplicates, lost, len(on_board)) == (0, 0, total)
    created = Pin.objects.filter(workspace=workspace, idempotency_key__startswith="topology-")
    assert {pin.id for pin in pins} == set(created.values_list("public_id", flat=True))

    # Each due schedule ran once: done, with one pin of its own.
    rows = Schedule.objects.filter(public_id__in=[s.id for s in schedules]).select_related("pin")
    assert sorted(row.pin.title for row in rows if row.pin) == sorted(f"Scheduled {n}" for n in range(SCHEDULES))
    assert sum(title.startswith("Scheduled ") for _, title in on_board) == SCHEDULES

    # Pacing held across both clusters: no window had more creates than the shared bucket allows.
    times = [started_at.timestamp() for started_at in PublishAttempt.objects.filter(
        pin__workspace=workspace, action=PublishAttempt.Action.CREATE).order_by("started_at")
        .values_list("started_at", flat=True)]
    excess, attempts, seconds = worst_window(times, CAPACITY, RATE_PER_MINUTE / 60)
    span = times[-1] - times[0]
    # Both nodes are ready: their own database and Redis answer.
    for web in (web_a, web_b):
        ready = httpx.get(f"{web.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
    print(f"\n[measure] topology: {total} pins ({PINS} + {SCHEDULES} scheduled) through 2 web nodes and 2 clusters; "
          f"created in {created_in:.1f}s, cluster killed at {killed_at:.1f}s, all published at {published_in:.1f}s; "
          f"duplicates {duplicates}, lost {lost}; {len(times)} creates over {span:.1f}s = "
          f"{(len(times) - 1) / span if span else 0:.2f}/s against {RATE_PER_MINUTE / 60:g}/s + burst {CAPACITY}; "
          f"busiest window {attempts} creates in {seconds:.2f}s (excess {excess:+.2f})")
    assert excess <= 0, f"{attempts} creates in {seconds:.2f}s: more than the bucket allows"

    # The page node B cached before publishing: the clusters' status writes retired it, so both nodes
    # answer it with every pin published. A delete answered by node A is gone from node B's page.
    for client in clients * 2:
        page = {pin.id: getattr(pin.status, "value", pin.status)
                for pin in client.pins.list(limit=50, q="Topology pin")}
        assert page.keys() == early.keys() and set(page.values()) == {"published"}, page
    clients[0].pins.delete(pins[-1].id)
    assert pins[-1].id not in {pin.id for pin in clients[1].pins.list(limit=50, q="Topology pin")}

    # Both nodes answer a key from the shared credential cache; once its revoke has answered on node
    # A, node B refuses it on the very next request.
    issued = clients[0].api_keys.create(APIKeyCreate(name="Topology sync", scopes=["read"]))
    keyed = [PinbridgeClient(base_url=web.url, timeout=30, api_key=issued.api_key) for web in (web_a, web_b)]
    for client in keyed * 2:
        assert client.pins.get(pins[0].id).title == "Topology pin 0"
    key_name = f"pinboard:credential:api-key:{credential_prefix(issued.api_key, kind_parts=2)}"
    cached = redis.Redis.from_url(REDIS_DB_URL).keys(key_name)
    assert len(cached) == 1, "the nodes did not keep the key in the shared cache"
    clients[0].api_keys.revoke(issued.id)
    with pytest.raises(AuthenticationError):
        keyed[1].pins.get(pins[0].id)
    for client in clients + keyed:
        client.close()
    assert survivor.process.poll() is None, survivor.log()[-3000:]


def tmp_image(topology) -> Path:
    return make_png(Path(topology["env"]["PINBOARD_VAR_DIR"]).parent / "topology.png", 64, 48)
