"""The /v1 API against a real gunicorn (scripts/web, production settings, DEBUG off): throughput of
``GET /healthz``, ``GET /readyz``, ``GET /v1/auth/me`` and ``GET /v1/pins`` (50 rows) under a small
concurrent load, and the latency of ``GET /v1/pins`` in a workspace of 100 pins and in one of 100,000.

    .venv/bin/python bench/api.py                  # a throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench .venv/bin/python bench/api.py

Every figure is a ratio measured within this run: each round measures every endpoint one after
another (so a neighbour's load hits all of them alike), and the ratios are the median over the
rounds with their range. The database is migrated and filled here; use an empty one you can throw
away. The server runs with this tree's defaults (no DATABASE_CONN_MAX_AGE, WEB_CONCURRENCY or
WEB_THREADS is passed), so a run in an older checkout measures that checkout's defaults; set
WEB_CONCURRENCY / WEB_THREADS to measure another topology (the output names the one it ran).

The floor: ``/readyz`` does what ``/healthz`` does plus one database round trip (its probe, ``SELECT
1``; the per-request connection health check costs none while the connection is quiet). It is printed
beside the targets, not as one.

The reference topology has Redis, so the server runs with its shared cache (``CACHE_REDIS_URL``, on
BENCH_REDIS_URL, default database 8 of ``127.0.0.1:6379``): an API request then reads its credential,
and ``/v1/auth/me`` its body, from the credential cache (one Redis round trip, checked against the
auth epoch; publishing/services/credential_cache.py), and ``GET /v1/pins`` its page from the list
cache (publishing/services/list_cache.py; no pin changes during the run, so the page stays cached).
A second gunicorn with the list cache off (``API_LIST_CACHE_SECONDS=0``) answers ``pins_uncached``,
what a page costs the first time after any pin changed (printed as a figure), and the latency at
100k ÷ at 100 pins, which measures reading the page and its count. With no Redis answering there,
the run says so and everything is read from the database, as on the embedded default.

Each round measures ``/healthz`` first and last, and divides by the mean of the two; a window a
gunicorn worker was recycled in is measured again (``measured()``). Seven rounds of 2 s windows: on a
shared 2-core machine a single window a neighbour disturbed moved the median of five by a tenth.

Two load generators, in the same rounds. The targets use the Python client (httpx, LOAD_THREADS
threads in this process), as they always have. Its CPU per request (about as much as a small
request costs the server) is spent on the same two cores and is the same for every endpoint, which
pulls every ratio toward 1. When ``wrk`` is installed the rounds also measure with it (one thread,
the same number of connections; a fraction of the client CPU): its ratios are nearer what the
server alone can do, and harsher. Each round also prints CPU per request taken from /proc: the
gunicorn workers, the database's backends and the load client.
"""

import functools
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
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
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


os.environ.update(SERVER_ENV)
for name in ("REDIS_URL", "PACING_REDIS_URL", "CACHE_REDIS_URL", "CREDENTIAL_CACHE_SECONDS", "DATABASE_CONN_MAX_AGE",
             "MEDIA_STORAGE"):
    os.environ.pop(name, None)
SHARED_CACHE = redis_answers(BENCH_REDIS_URL)
if SHARED_CACHE:
    os.environ["CACHE_REDIS_URL"] = BENCH_REDIS_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "pinboard_site.settings"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = free_port()
# A second server, with the /v1 list cache off (API_LIST_CACHE_SECONDS=0): what a page costs when
# it is not cached (the first request after any pin changed).
UNCACHED_PORT = free_port()
os.environ["SITE_URL"] = f"http://127.0.0.1:{PORT}"

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from pydantic_core import to_json  # noqa: E402

from publishing.access import Actor  # noqa: E402
from publishing.api.schemas.common import encoded  # noqa: E402
from publishing.api.schemas.identity import session_out  # noqa: E402
from publishing.api.schemas.pins import PIN_ROW_COLUMNS, pin_row_out  # noqa: E402
from publishing.models import Board, Pin, PinStatus, PinterestAccount, User, Workspace  # noqa: E402
from publishing.models.joined_reads import prepare_statements  # noqa: E402
from publishing.models.shaped_reads import ShapedReads  # noqa: E402
from publishing.pagination import EXACT_TOTAL_LIMIT  # noqa: E402
from publishing.services.auth import access_token_authenticate, access_token_issue  # noqa: E402
from publishing.services.keys import api_key_authenticate, api_key_create  # noqa: E402
from publishing.services.teams import membership_set_role, team_create, workspace_create  # noqa: E402
from tests.operations.gunicorn_server import stop_web  # noqa: E402

SMALL, LARGE = 100, 100_000
TEAMS = 4  # the user belongs to several teams, as an agency's people do
ROUNDS = 7
LOAD_SECONDS = 2.0
REMEASURE = 3  # times a window a gunicorn worker was replaced in is measured again (measured())
REMEASURED = [0]
SIDES = ("web", "database", "client")  # where a request's CPU is spent, as measured()'s costs name them
LOAD_THREADS = 8
LATENCY_REQUESTS = 25
WRK = shutil.which("wrk") or ""  # optional: the rounds measure with it too when it is installed
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

    return {"small": key(small), "large": key(large), "token": access_token_issue(user=user, workspace=small).token,
            "small_workspace": str(small.pk)}


def start_server(port: int = PORT, **settings: str) -> tuple[subprocess.Popen, Path]:
    log_path = WORK_DIR / f"gunicorn-{port}.log"
    env = {**os.environ, "PYTHON": sys.executable, "HOST": "127.0.0.1", "PORT": str(port), **settings}
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(ROOT / "scripts/web")], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server, log_path
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer:\n{log_path.read_text(errors='replace')[-3000:]}")


class Window:
    """The CPU the server, its database and the load client use between ``begin()`` and ``end()``,
    which a load calls around its timed requests only (not around starting its clients), and whether
    a gunicorn worker was replaced meanwhile. Without /proc it measures nothing."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.server = server
        self.watching = Path(f"/proc/{server.pid}/task/{server.pid}/children").exists()
        self.before: dict[str, float] = {}
        self.after: dict[str, float] = {}
        self.restarted = False

    def begin(self) -> None:
        if self.watching:
            self.workers = set(workers_of(self.server))
            self.before = cpu_seconds(self.server)

    def end(self) -> None:
        if self.watching:
            self.after = cpu_seconds(self.server)
            self.restarted = self.workers != set(workers_of(self.server))


def throughput(port: int, path: str, headers: dict[str, str], window: Window) -> tuple[int, float]:
    """Requests that LOAD_THREADS Python clients (httpx, keep-alive, one after another each) get
    answered, and in how many seconds."""
    done = [0] * LOAD_THREADS
    failures: list[str] = []
    start = threading.Barrier(LOAD_THREADS + 1)
    stop_at = [0.0]

    def client(slot: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as http:
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
    window.begin()
    began = time.monotonic()
    stop_at[0] = began + LOAD_SECONDS
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    window.end()
    if failures:
        sys.exit(failures[0])
    return sum(done), seconds


def wrk_throughput(port: int, path: str, headers: dict[str, str], window: Window) -> tuple[int, float]:
    """The same with wrk: one thread holding LOAD_THREADS keep-alive connections."""
    command = [WRK, "-t1", f"-c{LOAD_THREADS}", f"-d{LOAD_SECONDS:g}s", "--timeout", "30s",
               *(f"-H{name}: {value}" for name, value in headers.items()), f"http://127.0.0.1:{port}{path}"]
    window.begin()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    window.end()
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        sys.exit(f"wrk {path}:\n{output}")
    answered = re.search(r"^\s*(\d+) requests in ([\d.]+)(m?s)", output, re.MULTILINE)
    assert answered, output
    seconds = float(answered.group(2)) / (1000 if answered.group(3) == "ms" else 1)
    return int(answered.group(1)), seconds


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds of a process (with its reaped children: a worker --max-requests retired)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # it ended between listing and reading
        return 0.0
    return sum(int(value) for value in fields[11:15 if children else 13]) / TICKS


def cpu_seconds(server: subprocess.Popen) -> dict[str, float]:
    """CPU used so far by gunicorn (master, live workers, and retired workers once reaped), by each
    PostgreSQL backend serving this database (``db:<pid>``), and by the load client (this process,
    and wrk once it has ended)."""
    workers = workers_of(server)
    client = os.times()
    return {"web": process_cpu(server.pid, children=True) + sum(process_cpu(pid) for pid in workers),
            **{f"db:{pid}": process_cpu(pid) for pid in database_backends()},
            "client": client.user + client.system + client.children_user + client.children_system}


def workers_of(server: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]


def database_backends() -> list[int]:
    """The PostgreSQL backends serving this database, the bench's own connection left out."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


def measured(load, server: subprocess.Popen, port: int, path: str,
             headers: dict[str, str]) -> tuple[float, dict[str, float]]:
    """Requests per second, and the CPU milliseconds each request cost the web, the database and the
    client (with ``requests``, how many were answered, and ``restart``: 1 when a worker was replaced
    inside the window). A backend that ended inside the window goes uncounted (connections are kept for
    a minute, so that is rare); one that started inside it counts whole. No /proc: no CPU figures.

    gunicorn retires each worker after 10-12k requests (scripts/web): at these rates that is every
    few windows, and a window a worker was replaced in holds a fork, a reconnection and a cold
    worker, a cost production spreads over those 10k requests. Such a window is measured again, up to
    ``REMEASURE`` times (``*`` marks one that still held a replacement), so the ratios compare
    steady states."""
    for attempt in range(REMEASURE + 1):
        rate, cost = _measured_once(server, load, port, path, headers)
        if not cost.get("restart") or attempt == REMEASURE:
            return rate, cost
        REMEASURED[0] += 1
    raise AssertionError("unreachable")


def _measured_once(server: subprocess.Popen, load, port: int, path: str,
                   headers: dict[str, str]) -> tuple[float, dict[str, float]]:
    window = Window(server)
    requests, seconds = load(port, path, headers, window)
    rate = requests / seconds
    if not window.watching:
        return rate, {}
    requests = max(requests, 1)
    used = {side: window.after[side] - window.before.get(side, 0.0) for side in window.after}
    database = sum(used_seconds for side, used_seconds in used.items() if side.startswith("db:"))
    return rate, {"web": 1000 * used["web"] / requests, "database": 1000 * database / requests,
                  "client": 1000 * used["client"] / requests, "requests": float(requests),
                  "restart": float(window.restarted)}


def pooled(first: dict[str, float], second: dict[str, float]) -> dict[str, float]:
    """Two windows' CPU per request as one window of both (weighted by the requests each answered)."""
    if not first or not second:
        return first or second
    requests = first["requests"] + second["requests"]
    return {**{side: (first[side] * first["requests"] + second[side] * second["requests"]) / requests
               for side in SIDES},
            "requests": requests, "restart": max(first["restart"], second["restart"])}


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


def median_cost(costs: dict[str, list[dict[str, float]]], name: str, side: str) -> float:
    """CPU ms per request of one side (web, database, client) for one endpoint, median over the rounds."""
    return statistics.median(cost[side] for cost in costs[name])


def cpu_line(costs: dict[str, list[dict[str, float]]]) -> str:
    """CPU ms per request, web + database + client, median over the rounds for each endpoint."""
    return ", ".join(f"{name} {median_cost(costs, name, 'web'):.2f} + {median_cost(costs, name, 'database'):.2f} + "
                     f"{median_cost(costs, name, 'client'):.2f}" for name in costs if costs[name] and costs[name][0])


def budget_ms(costs: dict[str, list[dict[str, float]]], name: str) -> float:
    """The gunicorn CPU per request at which endpoint ``name``'s CPU ratio to /healthz would meet its
    goal, given what its database and the load client spend on it (medians over the rounds)."""
    healthz = sum(median_cost(costs, "healthz", side) for side in SIDES)
    return healthz / GOALS[name] - median_cost(costs, name, "database") - median_cost(costs, name, "client")


def margin_ms(costs: dict[str, list[dict[str, float]]], name: str) -> float:
    """What ``budget_ms`` leaves beyond what /readyz's gunicorn side spends (one round trip)."""
    return budget_ms(costs, name) - median_cost(costs, "readyz", "web")


def budget_line(costs: dict[str, list[dict[str, float]]]) -> str:
    """Each target's budget (``budget_ms``) beside what the endpoint spends, and what /healthz and
    /readyz (one round trip, nothing else) spend. A budget under /readyz's means no server code that
    reads the database once per request meets the goal with this client."""
    parts = [f"{path} may spend {budget_ms(costs, name):.2f} ms for {GOALS[name]} and spends "
             f"{median_cost(costs, name, 'web'):.2f}" for name, path in (("me", "/v1/auth/me"), ("pins", "/v1/pins"))]
    return ("gunicorn CPU budget per request (httpx): " + "; ".join(parts)
            + f" (/healthz spends {median_cost(costs, 'healthz', 'web'):.2f}, "
              f"/readyz {median_cost(costs, 'readyz', 'web'):.2f})")


def cpu_ms(step, repeat: int = 1000) -> float:
    """CPU ms of one call of ``step`` in this process (after 50 calls to warm it)."""
    for _ in range(50):
        step()
    began = time.process_time()
    for _ in range(repeat):
        step()
    return 1000 * (time.process_time() - began) / repeat


@functools.cache
def round_trip_ms() -> float:
    """CPU ms, in this process, of one ``SELECT 1`` through Django's cursor (what /readyz adds)."""
    def select_1() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    return cpu_ms(select_1)


def me_parts_ms(token: str) -> tuple[float, float]:
    """CPU ms, in this process, of what ``/v1/auth/me`` does beyond a request that reads the database
    once: reading and checking its credential (one prepared statement, or one Redis round trip with the
    shared cache; the token's hash compared), and writing its body when it is not cached (the teams
    read, the body built and encoded)."""
    record = access_token_authenticate(token=token)
    assert record is not None
    return (cpu_ms(lambda: access_token_authenticate(token=token)),
            cpu_ms(lambda: encoded(session_out(record.user, record.membership, record.workspace))))


def pins_floor_ms(workspace: Workspace, key: str) -> dict[str, float]:
    """CPU ms, in this process, of the steps no ``GET /v1/pins`` can skip: reading and checking its API
    key; running the page's statement (prepared, as the endpoint runs it) and fetching its 51 rows of
    PIN_ROW_COLUMNS, with no converter; counting the matches up to the exact bound (X-Total-Count,
    since more pages follow); and encoding the 50 items, their date-times already text
    (pydantic-core). Not counted: converting the JSON column, shaping the rows, writing the
    date-times, ninja's parameters and HTTP."""
    pins = Pin.objects.for_workspace(workspace).order_by("-created_at", "-id")
    sql, params = pins.values(*PIN_ROW_COLUMNS)[:51].query.sql_with_params()

    def fetch() -> list[tuple]:
        with connection.cursor() as cursor:
            prepare_statements(connection, cursor)
            cursor.execute(sql, params)
            return cursor.fetchall()

    items = [{name: value.isoformat() if isinstance(value, datetime) else value
              for name, value in pin_row_out(dict(zip(PIN_ROW_COLUMNS, row, strict=True))).items()}
             for row in fetch()[:50]]
    counts = ShapedReads()
    return {"key": cpu_ms(lambda: api_key_authenticate(plaintext=key)), "page": cpu_ms(fetch),
            "total": cpu_ms(lambda: counts.count(pins, EXACT_TOTAL_LIMIT + 1)),
            "encoding": cpu_ms(lambda: to_json(items, ensure_ascii=True))}


def main() -> None:
    started = time.monotonic()
    credentials = seed()
    print(f"database: {connection.vendor}; seeded {SMALL} + {LARGE:,} pins in {time.monotonic() - started:.0f} s")
    print(f"shared cache: {BENCH_REDIS_URL} (credentials read through it)" if SHARED_CACHE else
          f"shared cache: none ({BENCH_REDIS_URL} does not answer; credentials read from the database)")
    connection.close()
    server, _log = start_server()
    # Only with Redis is there a list cache to leave out.
    uncached = start_server(UNCACHED_PORT, API_LIST_CACHE_SECONDS="0")[0] if SHARED_CACHE else None
    print(f"gunicorn: WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '(scripts/web default)')}, "
          f"WEB_THREADS={os.environ.get('WEB_THREADS', '(scripts/web default)')}; load: "
          f"{LOAD_THREADS} httpx threads{f' and wrk (1 thread, {LOAD_THREADS} connections)' if WRK else ''}, "
          f"{LOAD_SECONDS:g} s each")
    try:
        small = {"x-api-key": credentials["small"]}
        large = {"x-api-key": credentials["large"]}
        me = {"Authorization": f"Bearer {credentials['token']}"}
        endpoints = {"healthz": (server, PORT, "/healthz", {}), "readyz": (server, PORT, "/readyz", {}),
                     "me": (server, PORT, "/v1/auth/me", me), "pins": (server, PORT, "/v1/pins?limit=50", small),
                     **({"pins_uncached": (uncached, UNCACHED_PORT, "/v1/pins?limit=50", small)} if uncached else {})}
        loads = {"httpx": throughput, **({"wrk": wrk_throughput} if WRK else {})}
        rates: dict[str, dict[str, list[float]]] = {client: {name: [] for name in endpoints} for client in loads}
        costs: dict[str, dict[str, list[dict[str, float]]]] = {client: {name: [] for name in endpoints}
                                                               for client in loads}
        latencies: dict[str, list[float]] = {"small": [], "large": []}
        # The latency at 100k ÷ at 100 pins measures reading the page and its count, not the cache: on
        # the server with the list cache off, when there is one.
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as http, \
                httpx.Client(base_url=f"http://127.0.0.1:{UNCACHED_PORT if uncached else PORT}", timeout=30) as reads:
            for headers in (small, large):  # warm both, and check the answers
                response = http.get("/v1/pins?limit=50", headers=headers)
                assert response.status_code == 200 and len(response.json()) == 50, response.text[:300]
            response = http.get("/readyz")
            assert response.status_code == 200 and response.json()["database"] == "ok", response.text[:300]
            for round_number in range(1, ROUNDS + 1):
                for client, load in loads.items():
                    for name, (answering, port, path, headers) in endpoints.items():
                        rate, cost = measured(load, answering, port, path, headers)
                        rates[client][name].append(rate)
                        costs[client][name].append(cost)
                    # /healthz again, last: the round's denominator is the mean of the windows either side
                    # of the endpoints, so a drift of the machine across the round moves both sides alike.
                    rate, cost = measured(load, *endpoints["healthz"])
                    rates[client]["healthz"][-1] = (rates[client]["healthz"][-1] + rate) / 2  # equal windows
                    costs[client]["healthz"][-1] = pooled(costs[client]["healthz"][-1], cost)
                latencies["small"].append(latency_ms(reads, "/v1/pins?limit=50", small))
                latencies["large"].append(latency_ms(reads, "/v1/pins?limit=50", large))
                print(f"round {round_number}: " + "; ".join(
                    f"{client} " + ", ".join(f"{name} {rates[client][name][-1]:.0f}"
                                             f"{'*' if costs[client][name][-1].get('restart') else ''}"
                                             for name in endpoints)
                    for client in loads) + f" req/s; GET /v1/pins {latencies['small'][-1]:.1f} ms at {SMALL} pins, "
                    f"{latencies['large'][-1]:.1f} ms at {LARGE:,} (* a worker was replaced in that window)")
    finally:
        stop_web(server)
        if uncached is not None:
            stop_web(uncached)
    print(f"windows measured again after a worker was replaced in them: {REMEASURED[0]}")

    def ratios(client: str, name: str) -> list[float]:
        return [rate / healthz if healthz else 0.0
                for rate, healthz in zip(rates[client][name], rates[client]["healthz"], strict=True)]

    def cpu_ratios(client: str, name: str) -> list[float]:
        """/healthz's CPU per request (all three sides) ÷ the endpoint's: the throughput ratio two
        saturated cores would give, whatever idle time (a neighbour, a restart) a window had."""
        def total(cost: dict[str, float]) -> float:
            return sum(cost[side] for side in SIDES)
        return [total(healthz) / total(cost) for cost, healthz in zip(costs[client][name], costs[client]["healthz"],
                                                                      strict=True)]

    for client in loads:
        print(f"throughput req/s ({client}): " + ", ".join(f"{name} {spread(rates[client][name])}"
                                                         for name in endpoints))
        if costs[client]["healthz"][0]:
            print(f"CPU ms per request ({client}; gunicorn + PostgreSQL + load client): {cpu_line(costs[client])}; "
                  f"÷ /healthz by CPU: /readyz {spread(cpu_ratios(client, 'readyz'))}, /v1/auth/me "
                  f"{spread(cpu_ratios(client, 'me'))}, /v1/pins {spread(cpu_ratios(client, 'pins'))}"
                  + (f", /v1/pins with the list cache off {spread(cpu_ratios(client, 'pins_uncached'))}"
                     if uncached else ""))
    if costs["httpx"]["healthz"][0]:
        print(budget_line(costs["httpx"]))
        floor = pins_floor_ms(Workspace.objects.get(pk=int(credentials["small_workspace"])), credentials["small"])
        credential_ms, body_ms = me_parts_ms(credentials["token"])
        me_margin, pins_margin = margin_ms(costs["httpx"], "me"), margin_ms(costs["httpx"], "pins")
        source = "from the shared cache, its body with it" if SHARED_CACHE else "from the database"
        print(f"/v1/auth/me, in this process: its credential read ({source}) and check {credential_ms:.2f} ms; "
              f"its teams read and body, uncached, {body_ms:.2f} ms; the round trip /readyz pays "
              f"{round_trip_ms():.2f} ms; the budget leaves {me_margin:.2f} ms beyond /readyz's")
        print("/v1/pins floor, in this process: " + " + ".join(f"{step} {ms:.2f}" for step, ms in floor.items())
              + f" - the round trip /readyz pays too {round_trip_ms():.2f} = "
              f"{sum(floor.values()) - round_trip_ms():.2f} ms, against {pins_margin:.2f} ms the budget leaves beyond "
              "/readyz's (the JSON column, shaping the rows, writing the date-times and ninja's parameters not "
              "counted)")
    for client in loads:
        print(f"÷ /healthz throughput ({client}): /readyz {spread(ratios(client, 'readyz'))} (the floor for one "
              f"credential read; a figure, not a target), /v1/auth/me {spread(ratios(client, 'me'))}, "
              f"/v1/pins {spread(ratios(client, 'pins'))}"
              + (f"; /v1/pins with the list cache off {spread(ratios(client, 'pins_uncached'))} (a figure: what "
                 "the first request after any pin changed costs)" if uncached else ""))
    print(f"GET /v1/pins latency ms: {SMALL} pins {spread(latencies['small'])}, {LARGE:,} pins "
          f"{spread(latencies['large'])}")
    scale_ratio = [big / little for big, little in zip(latencies["large"], latencies["small"], strict=True)]
    target("GET /v1/pins at 100k pins / at 100 pins", scale_ratio, GOALS["scale"], higher_is_better=False)
    target("GET /v1/auth/me / GET /healthz throughput", ratios("httpx", "me"), GOALS["me"], higher_is_better=True)
    target("GET /v1/pins (50 rows) / GET /healthz throughput", ratios("httpx", "pins"), GOALS["pins"],
           higher_is_better=True)
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
