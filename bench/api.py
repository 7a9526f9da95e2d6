"""The /v1 API against a real gunicorn (scripts/web, production settings, DEBUG off): throughput of
``GET /healthz``, ``GET /v1/auth/me`` and ``GET /v1/pins`` (50 rows) under a small concurrent load,
and the latency of ``GET /v1/pins`` in a workspace of 100 pins and in one of 100,000.

    .venv/bin/python bench/api.py                  # a throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench .venv/bin/python bench/api.py

Every figure is a ratio measured within this run: each round measures every endpoint one after
another (so a neighbour's load hits all of them alike), and the ratios are the median over the
rounds with their range. The database is migrated and filled here; use an empty one you can throw
away. The server runs with this tree's defaults (no DATABASE_CONN_MAX_AGE is passed), so a run in
an older checkout measures that checkout's defaults.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK_DIR = Path(tempfile.mkdtemp(prefix="pinboard-bench-api-"))
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{WORK_DIR / 'bench.sqlite3'}"
SERVER_ENV = {
    "PINBOARD_ENV_FILE": "",
    "DEBUG": "false",
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789",
    "FIELD_ENCRYPTION_KEY": "x4dEjcjKxfrAv1kL1o6ZoF3WpUd9tRfnlZ1R3nx2c2E=",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_COOKIES": "false",
    "SECURE_SSL_REDIRECT": "false",
    "DATABASE_URL": DATABASE_URL,
    "PINBOARD_VAR_DIR": str(WORK_DIR / "var"),
    "MEDIA_ROOT": str(WORK_DIR / "media"),
    "STATIC_ROOT": str(WORK_DIR / "static"),
}
os.environ.update(SERVER_ENV)
for name in ("REDIS_URL", "PACING_REDIS_URL", "DATABASE_CONN_MAX_AGE", "MEDIA_STORAGE"):
    os.environ.pop(name, None)
os.environ["DJANGO_SETTINGS_MODULE"] = "pinboard_site.settings"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = free_port()
os.environ["SITE_URL"] = f"http://127.0.0.1:{PORT}"

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from publishing.access import Actor  # noqa: E402
from publishing.models import Board, Pin, PinStatus, PinterestAccount, User, Workspace  # noqa: E402
from publishing.services.auth import access_token_issue  # noqa: E402
from publishing.services.keys import api_key_create  # noqa: E402
from publishing.services.teams import membership_set_role, team_create, workspace_create  # noqa: E402
from tests.operations.gunicorn_server import stop_web  # noqa: E402

SMALL, LARGE = 100, 100_000
TEAMS = 4  # the user belongs to several teams, as an agency's people do
ROUNDS = 3
LOAD_SECONDS = 3.0
LOAD_THREADS = 8
LATENCY_REQUESTS = 25
STATUSES = [PinStatus.PUBLISHED] * 8 + [PinStatus.FAILED, PinStatus.QUEUED]
GOALS = {"me": 0.8, "pins": 0.5, "scale": 1.3}


def fill(workspace: Workspace, count: int) -> None:
    account = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id=uuid.uuid4().hex[:12],
                                              username=f"bench-{workspace.pk}")
    board = Board.objects.create(account=account, pinterest_board_id=uuid.uuid4().hex[:12], name="Bench")
    templates = Pin.objects.bulk_create(
        Pin(workspace=workspace, account=account, board_id=board.pinterest_board_id,
            idempotency_key=f"bench-{n}", payload_fingerprint="bench", title=f"Pin number {n}",
            description="Oak, linen and brass.", link_url="https://shop.example.com/oak",
            image_url="https://images.example.com/p.jpg", status=STATUSES[n % len(STATUSES)],
            related_terms=["oak", "linen"] if n % 2 else [])
        for n in range(min(count, len(STATUSES))))
    if count > len(templates):
        copy_pins(templates, len(templates), count)


def copy_pins(templates: list[Pin], first: int, count: int) -> None:
    """Pins ``first`` .. ``count - 1``, copies of the templates, one second apart and older than them."""
    columns = [field.column for field in Pin._meta.concrete_fields if field.column != "id"]
    if connection.vendor != "postgresql":  # SQLite: the ORM, row by row in batches (slower, but small use)
        for start in range(first, count, 5000):
            Pin.objects.bulk_create(
                Pin(**{field.attname: getattr(templates[n % len(templates)], field.attname)
                       for field in Pin._meta.concrete_fields if field.attname not in ("id", "public_id")}
                    | {"idempotency_key": f"bench-{n}", "title": f"Pin number {n}"})
                for n in range(start, min(start + 5000, count)))
        return
    made = {"public_id": "gen_random_uuid()", "idempotency_key": "'bench-' || n", "title": "'Pin number ' || n",
            "created_at": "t.created_at - n * interval '1 second'",
            "updated_at": "t.created_at - n * interval '1 second'"}
    select = ", ".join(made.get(column, f"t.{column}") for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Pin._meta.db_table} ({', '.join(columns)}) SELECT {select} "
            f"FROM generate_series(%s, %s) AS n JOIN {Pin._meta.db_table} t ON t.id = (%s::bigint[])[1 + n %% %s]",
            [first, count - 1, [pin.pk for pin in templates], len(templates)])


def seed() -> dict[str, str]:
    """The data, and the credentials each measured request sends."""
    call_command("migrate", verbosity=0)
    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:6]}@example.com", password="x")
    teams = [team_create(name=f"Bench team {n}") for n in range(TEAMS)]
    for team in teams:
        membership_set_role(team=team, user=user, role="admin")
        workspace_create(team=team, name="Production", environment=Workspace.Environment.PRODUCTION)
    small = teams[0].workspaces.get(environment=Workspace.Environment.SANDBOX)
    large = teams[0].workspaces.get(environment=Workspace.Environment.PRODUCTION)
    fill(small, SMALL)
    fill(large, LARGE)
    with connection.cursor() as cursor:  # settle the bulk writes before timing reads
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")

    def key(workspace: Workspace) -> str:
        return api_key_create(actor=Actor.system(workspace, job="bench"), name="bench", scopes=["read"]).plaintext

    return {"small": key(small), "large": key(large), "token": access_token_issue(user=user, workspace=small).token}


def start_server() -> tuple[subprocess.Popen, Path]:
    log_path = WORK_DIR / "gunicorn.log"
    env = {**os.environ, "PYTHON": sys.executable, "HOST": "127.0.0.1", "PORT": str(PORT), "WEB_CONCURRENCY": "2",
           "WEB_THREADS": "8"}
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(ROOT / "scripts/web")], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1).status_code == 200:
                return server, log_path
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer:\n{log_path.read_text(errors='replace')[-3000:]}")


def throughput(path: str, headers: dict[str, str]) -> float:
    """Requests per second that LOAD_THREADS clients (keep-alive, one after another each) get answered."""
    done = [0] * LOAD_THREADS
    failures: list[str] = []
    start = threading.Barrier(LOAD_THREADS + 1)
    stop_at = [0.0]

    def client(slot: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers=headers, timeout=30) as http:
            http.get(path)  # connect and warm this worker thread before the clock starts
            start.wait()
            while time.monotonic() < stop_at[0]:
                response = http.get(path)
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code} {response.text[:200]}")
                    return
                done[slot] += 1

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(LOAD_THREADS)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + 3600
    start.wait()
    began = time.monotonic()
    stop_at[0] = began + LOAD_SECONDS
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(failures[0])
    return sum(done) / (time.monotonic() - began)


def latency_ms(http: httpx.Client, path: str, headers: dict[str, str]) -> float:
    timings = []
    for _ in range(LATENCY_REQUESTS):
        started = time.perf_counter()
        response = http.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:300]
    return statistics.median(timings)


def spread(values: list[float], unit: str = "") -> str:
    return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f})"


def target(name: str, values: list[float], goal: float, higher_is_better: bool) -> None:
    median = statistics.median(values)
    passed = median >= goal if higher_is_better else median <= goal
    print(f"TARGET {name}: {spread(values)} (goal {'>=' if higher_is_better else '<='} {goal}) "
          f"{'PASS' if passed else 'MISS'}")


def main() -> None:
    started = time.monotonic()
    credentials = seed()
    print(f"database: {connection.vendor}; seeded {SMALL} + {LARGE:,} pins in {time.monotonic() - started:.0f} s")
    connection.close()
    server, _log = start_server()
    try:
        small = {"x-api-key": credentials["small"]}
        large = {"x-api-key": credentials["large"]}
        me = {"Authorization": f"Bearer {credentials['token']}"}
        rates: dict[str, list[float]] = {"healthz": [], "me": [], "pins": []}
        latencies: dict[str, list[float]] = {"small": [], "large": []}
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as http:
            for headers in (small, large):  # warm both, and check the answers
                response = http.get("/v1/pins?limit=50", headers=headers)
                assert response.status_code == 200 and len(response.json()) == 50, response.text[:300]
            for round_number in range(1, ROUNDS + 1):
                rates["healthz"].append(throughput("/healthz", {}))
                rates["me"].append(throughput("/v1/auth/me", me))
                rates["pins"].append(throughput("/v1/pins?limit=50", small))
                latencies["small"].append(latency_ms(http, "/v1/pins?limit=50", small))
                latencies["large"].append(latency_ms(http, "/v1/pins?limit=50", large))
                print(f"round {round_number}: healthz {rates['healthz'][-1]:.0f} req/s, /v1/auth/me "
                      f"{rates['me'][-1]:.0f} req/s, /v1/pins {rates['pins'][-1]:.0f} req/s; GET /v1/pins "
                      f"{latencies['small'][-1]:.1f} ms at {SMALL} pins, {latencies['large'][-1]:.1f} ms at {LARGE:,}")
    finally:
        stop_web(server)
    me_ratio = [m / h for m, h in zip(rates["me"], rates["healthz"], strict=True)]
    pins_ratio = [p / h for p, h in zip(rates["pins"], rates["healthz"], strict=True)]
    scale_ratio = [big / little for big, little in zip(latencies["large"], latencies["small"], strict=True)]
    print(f"throughput req/s: healthz {spread(rates['healthz'])}, /v1/auth/me {spread(rates['me'])}, "
          f"/v1/pins (50 rows) {spread(rates['pins'])}")
    print(f"GET /v1/pins latency ms: {SMALL} pins {spread(latencies['small'])}, {LARGE:,} pins "
          f"{spread(latencies['large'])}")
    target("GET /v1/pins at 100k pins / at 100 pins", scale_ratio, GOALS["scale"], higher_is_better=False)
    target("GET /v1/auth/me / GET /healthz throughput", me_ratio, GOALS["me"], higher_is_better=True)
    target("GET /v1/pins (50 rows) / GET /healthz throughput", pins_ratio, GOALS["pins"], higher_is_better=True)
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
