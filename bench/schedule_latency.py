"""How soon after ``run_at`` a scheduled pin starts publishing, with 0, 10,000 and 100,000 other
schedules pending: a real web server (gunicorn, serving the built-in sandbox over HTTP) and a real
django-q2 publishing cluster on the database DATABASE_URL names (default: a throwaway SQLite file).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench .venv/bin/python bench/schedule_latency.py [ROUNDS]

Per round and per pending count it creates 15 schedules through ``schedule_create`` (so through
whatever this build does with a schedule's time), a few seconds ahead and 1.5 s apart, and reads
the delay from each one's ``run_at`` to its pin's first publish attempt (``PublishAttempt.started_at``,
written when the worker claims the pin and is about to call Pinterest). The other schedules are
bulk-created once, months ahead; a count of them is made pending (``scheduled``) and the rest
canceled, and whatever the build keeps outside the schedule table for a future schedule (before the
dispatcher: a delayed row in django-q's OrmQ table) is bulk-copied for each pending one, so both
builds pay for their own way of waiting. The counts are interleaved (0, 10k, 100k, then back
down, ...) so a drift of the machine touches every count alike.

Prints p50 and p99 per round and count, then TARGET lines: p99 at 100k pending, p99 with none, and
the ratio 100k ÷ 0, each the median (min–max) over the rounds.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = None
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    PORT = probe.getsockname()[1]
BASE = f"http://127.0.0.1:{PORT}"
# One environment for this process, the web server and the cluster (read by the settings module).
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "tests.settings",  # production's, plus plain static files
    "PINBOARD_VAR_DIR": os.environ.get("PINBOARD_VAR_DIR") or tempfile.mkdtemp(prefix="pinboard-bench-"),
    "SITE_URL": BASE,
    "SANDBOX_BASE_URL": BASE,
    # The buckets are not what is measured here: 180 pins in a few minutes must not wait for them.
    "PACING_ACCOUNT_CAPACITY": "100000",
    "PACING_ACCOUNT_REFILL_PER_MINUTE": "100000",
    "PACING_GLOBAL_CAPACITY": "100000",
    "PACING_GLOBAL_REFILL_PER_MINUTE": "100000",
    "PYTHONUNBUFFERED": "1",
}
os.environ.update(ENVIRONMENT)
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{ENVIRONMENT['PINBOARD_VAR_DIR']}/bench.sqlite3"

import django  # noqa: E402
import httpx  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402

from publishing.access import Actor  # noqa: E402
from publishing.management.sandbox_connect import account_connect_sandbox  # noqa: E402
from publishing.models import Board, PublishAttempt, Schedule, ScheduleStatus, User  # noqa: E402
from publishing.services.schedules import schedule_create  # noqa: E402
from publishing.services.teams import membership_set_role, team_create  # noqa: E402

PENDING_COUNTS = (0, 10_000, 100_000)
MEASURED = 15
# A schedule costs its workers about 1.5 s on a loaded 2-core machine (its run_schedule job and its
# publish job): closer together, the 2 workers fall behind and the delay measured is their backlog.
SPACING_SECONDS = 1.5
LEAD_SECONDS = 4.0
GOAL_P99_SECONDS = 2.0
PENDING_TITLE = "bench: pending"


def start(command: list[str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


def web_answers() -> bool:
    """The web server has booted Django and answers (its first answer can take a while)."""
    try:
        return httpx.get(f"{BASE}/healthz", timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


class Pending:
    """The other schedules: bulk-created far ahead, each with what this build keeps outside the
    schedule table for a future schedule (``outside``: an OrmQ row copied per schedule, or nothing)."""

    def __init__(self, template: Schedule, outside: OrmQ | None) -> None:
        self.template, self.outside, self.count = template, outside, 0
        # Spread over a year after the template's time, canceled until a count makes them pending.
        if connection.vendor == "postgresql":  # one INSERT ... SELECT: seconds, where bulk_create takes minutes
            columns = [f.column for f in Schedule._meta.concrete_fields if f.name != "id"]
            values = {"public_id": "gen_random_uuid()", "own_status": "'canceled'", "title": "%s",
                      "idempotency_key": "NULL", "pin_id": "NULL",
                      "run_at": "t.run_at + interval '1 day' + n * interval '300 seconds'"}
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {Schedule._meta.db_table} ({', '.join(columns)}) "
                    f"SELECT {', '.join(values.get(column, f't.{column}') for column in columns)} "
                    f"FROM {Schedule._meta.db_table} t, generate_series(0, %s) n WHERE t.id = %s",
                    [PENDING_TITLE, max(PENDING_COUNTS) - 1, template.pk])
        for first in range(0, max(PENDING_COUNTS) if connection.vendor != "postgresql" else 0, 5000):
            Schedule.objects.bulk_create(
                Schedule(**{**self.fields, "public_id": uuid.uuid4(), "own_status": ScheduleStatus.CANCELED,
                            "run_at": self.template.run_at + timedelta(days=1, seconds=300 * n)})
                for n in range(first, min(first + 5000, max(PENDING_COUNTS))))
        self.ids = list(Schedule.objects.filter(title=PENDING_TITLE).order_by("id").values_list("pk", flat=True))

    def set(self, count: int) -> None:
        """``count`` of them pending (the first by id), the others canceled."""
        low, high = sorted((self.count, count))
        if low < high:
            Schedule.objects.filter(pk__gte=self.ids[low], pk__lte=self.ids[high - 1]).update(
                own_status=ScheduleStatus.SCHEDULED if count > self.count else ScheduleStatus.CANCELED)
        if self.outside is not None:
            OrmQ.objects.filter(payload=self.outside.payload).exclude(pk=self.outside.pk).delete()
            run_ats = Schedule.objects.filter(title=PENDING_TITLE, own_status=ScheduleStatus.SCHEDULED).values_list(
                "run_at", flat=True).iterator(chunk_size=5000)
            OrmQ.objects.bulk_create((OrmQ(key=self.outside.key, payload=self.outside.payload, lock=run_at)
                                      for run_at in run_ats), batch_size=5000)
        self.count = count
        assert Schedule.objects.filter(title=PENDING_TITLE, own_status=ScheduleStatus.SCHEDULED).count() == count
        with connection.cursor() as cursor:  # settle the bulk writes before timing
            cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def fields(self) -> dict:
        skip = {"id", "public_id", "idempotency_key", "pin"}
        return {field.attname: getattr(self.template, field.attname) for field in Schedule._meta.concrete_fields
                if field.name not in skip} | {"title": PENDING_TITLE}


def measure(actor: Actor, payload: dict) -> list[float]:
    """Delays (s) from run_at to the first publish attempt of MEASURED schedules."""
    first = timezone.now() + timedelta(seconds=LEAD_SECONDS)
    run_ats = [first + timedelta(seconds=SPACING_SECONDS * n) for n in range(MEASURED)]
    schedules = [schedule_create(actor=actor, data={**payload, "title": f"bench: measured {n}",
                                                    "run_at": run_at.isoformat()})
                 for n, run_at in enumerate(run_ats)]
    ids = [schedule.pk for schedule in schedules]

    def started() -> dict | None:
        attempts = dict(PublishAttempt.objects.filter(pin__schedule__pk__in=ids, number=1).values_list(
            "pin__schedule__pk", "started_at"))
        return attempts if len(attempts) == len(ids) else None

    attempts = wait_for(started, timeout=LEAD_SECONDS + 120, what="the measured schedules to start publishing")
    return [(attempts[schedule.pk] - schedule.run_at).total_seconds() for schedule in schedules]


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main(rounds: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("q_schedules", stdout=open(os.devnull, "w"))  # the sweepers, as make run has them
    logs = Path(os.environ["PINBOARD_VAR_DIR"])
    web = start([sys.executable, "-m", "gunicorn", "pinboard_site.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
                 "--worker-class", "gthread", "--threads", "8", "--workers", "1", "--no-control-socket"],
                logs / "web.log")
    cluster = None
    try:
        wait_for(web_answers, 90, "the web server")
        team = team_create(name=f"Bench {uuid.uuid4().hex[:6]}")
        workspace = team.workspaces.get()
        user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:6]}@example.com", password="x")
        membership_set_role(team=team, user=user, role="admin")
        account = account_connect_sandbox(workspace=workspace, user=user)
        board = Board.objects.for_account(account).first()
        actor = Actor.for_user(user, workspace)
        payload = {"account_id": str(account.public_id), "board_id": board.pinterest_board_id,
                   "description": "Oak and red lacquer.", "image_url": "https://images.example.com/red-chair.jpg",
                   "link_url": "https://shop.example.com/red-chair"}
        # One future schedule, made by the build's own service, shows what the build keeps for it.
        before = set(OrmQ.objects.values_list("pk", flat=True))
        template = schedule_create(actor=actor, data={**payload, "title": "bench: template",
                                                      "run_at": (timezone.now() + timedelta(days=30)).isoformat()})
        outside = OrmQ.objects.exclude(pk__in=before).first()
        started = time.monotonic()
        pending = Pending(template, outside)
        print(f"database: {connection.vendor}; a future schedule keeps "
              f"{'a delayed OrmQ row' if outside else 'no broker row'}; {MEASURED} measured per count; "
              f"{len(pending.ids):,} others created in {time.monotonic() - started:.0f} s", flush=True)

        cluster = start([sys.executable, "manage.py", "qcluster"], logs / "cluster.log")
        wait_for(lambda: "running" in (logs / "cluster.log").read_text(errors="replace"), 60, "the cluster")
        measure(actor, payload)  # warm up: imports, connections, the sandbox's first answers
        results: dict[int, list[tuple[float, float]]] = {count: [] for count in PENDING_COUNTS}
        for number in range(rounds):
            for count in PENDING_COUNTS if number % 2 == 0 else reversed(PENDING_COUNTS):
                pending.set(count)
                delays = measure(actor, payload)
                results[count].append((statistics.median(delays), p99(delays)))
                print(f"round {number + 1}, {count:>7,} pending: p50 {statistics.median(delays):.2f} s, "
                      f"p99 {p99(delays):.2f} s (min {min(delays):.2f}, max {max(delays):.2f})", flush=True)
    finally:
        for process in (cluster, web):
            if process is not None:
                os.killpg(process.pid, 9)
    for count in PENDING_COUNTS:
        print(f"{count:>7,} pending: p50 {summary([p50 for p50, _ in results[count]])} s, "
              f"p99 {summary([p for _, p in results[count]])} s")
    largest, none = results[PENDING_COUNTS[-1]], results[0]
    ratios = [large[1] / small[1] for large, small in zip(largest, none, strict=True)]
    p99_large, p99_none = statistics.median(p for _, p in largest), statistics.median(p for _, p in none)
    verdict = {True: "PASS", False: "MISS"}
    print(f"TARGET schedule due -> publish started, p99, 100k pending: {summary([p for _, p in largest])} s "
          f"(goal <= {GOAL_P99_SECONDS:.0f} s) {verdict[p99_large <= GOAL_P99_SECONDS]}")
    print(f"TARGET schedule due -> publish started, p99, none pending: {summary([p for _, p in none])} s "
          f"(goal <= {GOAL_P99_SECONDS:.0f} s) {verdict[p99_none <= GOAL_P99_SECONDS]}")
    print(f"TARGET schedule due -> publish started, p99 100k / none pending: {summary(ratios)} "
          f"(goal <= 1.3) {verdict[statistics.median(ratios) <= 1.3]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
