"""How the calendar's month page scales: the same month with 100,000 schedules and 10,000 published
pins in it, against an empty workspace's month (the target: time), and against a month with 1,000
schedules and 100 published pins (bytes: a month whose days are all full weighs the same however
full). Rounds interleave the pages; prints each one's time and bytes and the ratios as
"median (min–max)", and one TARGET line. BENCH_ROUNDS sets the rounds (default 5, at least 3).

    .venv/bin/python bench/calendar.py                  # a throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench .venv/bin/python bench/calendar.py

The database is migrated and filled here; use an empty one you can throw away.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PINBOARD_VAR_DIR", tempfile.mkdtemp(prefix="pinboard-bench-"))
# The test settings: production's, with plain static files (no collectstatic for a benchmark).
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django

django.setup()

from zoneinfo import ZoneInfo  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from publishing.models import Board, Pin, PinStatus, PinterestAccount, Schedule, User  # noqa: E402
from publishing.services.teams import membership_set_role, team_create  # noqa: E402

SCHEDULES = 100_000
PUBLISHED = 10_000
SOME = 100  # the 1,000-schedule month is this many times emptier
ROUNDS = max(3, int(os.environ.get("BENCH_ROUNDS", "5")))
GOAL = 2.0
ZONE = "Europe/Paris"
BATCH = 5000


def bench_month() -> date:
    """The first day of the month after next: every schedule in it is still to come."""
    today = date.today()
    return (today.replace(day=1) + timedelta(days=62)).replace(day=1)


def spread(first: date, count: int) -> list[datetime]:
    """``count`` times spread evenly over the month that starts on ``first``, in the team's zone."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=ZoneInfo(ZONE))
    following = (first + timedelta(days=32)).replace(day=1)
    span = (datetime.combine(following, datetime.min.time(), tzinfo=ZoneInfo(ZONE)) - start).total_seconds()
    return [start + timedelta(seconds=span * n / count) for n in range(count)]


def fill(workspace, first: date, schedules: int, published: int) -> None:
    account = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id=f"{workspace.pk}",
                                              username=f"bench{workspace.pk}")
    board = Board.objects.create(account=account, pinterest_board_id=f"{workspace.pk}", name="Bench")
    times = spread(first, schedules)
    for offset in range(0, schedules, BATCH):
        Schedule.objects.bulk_create(
            Schedule(workspace=workspace, account=account, board_id=board.pinterest_board_id, run_at=run_at,
                     title=f"Planned pin {offset + n}", image_url="https://images.example.com/p.jpg")
            for n, run_at in enumerate(times[offset:offset + BATCH])
        )
    times = spread(first, published)
    for offset in range(0, published, BATCH):
        Pin.objects.bulk_create(
            Pin(workspace=workspace, account=account, board_id=board.pinterest_board_id,
                idempotency_key=f"bench-{uuid.uuid4()}", payload_fingerprint="bench", title=f"Published {offset + n}",
                image_url="https://images.example.com/p.jpg", status=PinStatus.PUBLISHED, published_at=published_at,
                source=Pin.Source.API)
            for n, published_at in enumerate(times[offset:offset + BATCH])
        )


def team_with_user(name: str):
    team = team_create(name=f"{name} {uuid.uuid4().hex[:6]}", timezone=ZONE)
    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:6]}@example.com", password="x")
    membership_set_role(team=team, user=user, role="editor")
    client = Client()
    client.force_login(user)
    return team.workspaces.get(), client


def get(client: Client, url: str) -> tuple[float, int, int]:
    """Milliseconds, bytes and queries of one page load."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed, len(response.content), len(queries)


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    first = bench_month()
    pages = {"empty": team_with_user("Empty"), "1k": team_with_user("Some"), "100k": team_with_user("Full")}
    started = time.perf_counter()
    fill(pages["1k"][0], first, SCHEDULES // SOME, PUBLISHED // SOME)
    fill(pages["100k"][0], first, SCHEDULES, PUBLISHED)
    print(f"filled {SCHEDULES:,} schedules and {PUBLISHED:,} published pins in {first:%B %Y} "
          f"(and 1/{SOME} of that in another workspace) in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:  # settle the bulk writes before timing reads
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")
    url = f"/app/calendar/?view=month&date={first:%Y-%m-%d}"
    for _workspace, client in pages.values():  # warm the caches: compare steady states
        get(client, url)
    rounds = []
    for n in range(1, ROUNDS + 1):
        rounds.append({name: get(client, url) for name, (_workspace, client) in pages.items()})
        print(f"round {n}: " + ", ".join(f"{name} {ms:.1f} ms {size:,} B {queries} queries"
                                         for name, (ms, size, queries) in rounds[-1].items()), flush=True)
    for name in pages:
        size = statistics.median([r[name][1] for r in rounds])
        print(f"{name:>5}: {summary([r[name][0] for r in rounds])} ms, {size:,.0f} B")
    time_ratios = [r["100k"][0] / r["empty"][0] for r in rounds]
    byte_ratios = [r["100k"][1] / r["empty"][1] for r in rounds]
    flat_bytes = [r["100k"][1] / r["1k"][1] for r in rounds]
    print(f"time  100k ÷ empty: {summary(time_ratios)}×")
    print(f"bytes 100k ÷ empty: {summary(byte_ratios)}×; 100k ÷ 1k: {summary(flat_bytes)}×")
    ratio = statistics.median(time_ratios)
    print(f"TARGET calendar month page at {SCHEDULES // 1000}k schedules ÷ empty: {summary(time_ratios)}× "
          f"(goal ≤ {GOAL:g}×) {'PASS' if ratio <= GOAL else 'MISS'}")


if __name__ == "__main__":
    main()
