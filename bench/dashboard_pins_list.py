"""How the dashboard's pins list scales: first page, a page deep in the list, a filter and a
search, at 1,000 and at 100,000 pins. Prints milliseconds and the 100k/1k ratio per page.

    .venv/bin/python bench/dashboard_pins_list.py                  # a throwaway SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench .venv/bin/python bench/dashboard_pins_list.py

The database is migrated and filled here; use an empty one you can throw away.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PINBOARD_VAR_DIR", tempfile.mkdtemp(prefix="pinboard-bench-"))
# The test settings: production's, with plain static files (no collectstatic for a benchmark).
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from publishing.models import Board, Pin, PinStatus, PinterestAccount, User  # noqa: E402
from publishing.services.teams import membership_set_role, team_create  # noqa: E402

SIZES = (1_000, 100_000)
REPEATS = 7
STATUSES = [PinStatus.PUBLISHED] * 8 + [PinStatus.FAILED, PinStatus.QUEUED]


def fill(workspace, account, board, count: int, already: int) -> None:
    """Pins ``already`` .. ``count - 1``, five minutes apart (so 100,000 span about a year)."""
    start = timezone.now() - timedelta(days=400)
    for first in range(already, count, 5000):
        numbers = range(first, min(first + 5000, count))
        created = Pin.objects.bulk_create(
            Pin(workspace=workspace, account=account, board_id=board.pinterest_board_id,
                idempotency_key=f"bench-{uuid.uuid4()}", payload_fingerprint="bench", title=f"Pin number {n}",
                description="Oak, linen and brass." if n % 97 else "A rare walnut stool.",
                image_url="https://images.example.com/p.jpg", status=STATUSES[n % len(STATUSES)])
            for n in numbers
        )
        for n, pin in zip(numbers, created, strict=True):
            pin.created_at = start + timedelta(seconds=n * 300)
        Pin.objects.bulk_update(created, ["created_at"], batch_size=5000)


def measure(client: Client, url: str) -> tuple[float, int]:
    client.get(url)  # warm the caches: compare steady states
    timings = []
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings), len(queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    team = team_create(name=f"Bench {uuid.uuid4().hex[:6]}", timezone="Europe/Paris")
    workspace = team.workspaces.get()
    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:6]}@example.com", password="x")
    membership_set_role(team=team, user=user, role="editor")
    account = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="1", username="bench")
    board = Board.objects.create(account=account, pinterest_board_id="1", name="Bench")
    client = Client()
    client.force_login(user)
    results, filled = {}, 0
    print(f"database: {connection.vendor}")
    for size in SIZES:
        fill(workspace, account, board, size, filled)
        filled = size
        with connection.cursor() as cursor:  # settle the bulk writes before timing reads
            cursor.execute(
                "ANALYZE publishing_pin" if connection.vendor == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)"
            )
        deep = Pin.objects.filter(workspace=workspace).order_by("created_at", "id")[size // 100].public_id
        pages = {
            "first page": "/app/pins/",
            "page 99% deep": f"/app/pins/?after={deep}",
            "status=failed": "/app/pins/?status=failed",
            "search 'walnut'": "/app/pins/?q=walnut",
        }
        for name, url in pages.items():
            results[(name, size)] = measure(client, url)
    print(f"{'page':<18}" + "".join(f"{size:>14,} pins" for size in SIZES) + "   ratio  queries")
    for name in pages:
        small, large = results[(name, SIZES[0])], results[(name, SIZES[-1])]
        print(f"{name:<18}{small[0]:>16.1f} ms{large[0]:>14.1f} ms{large[0] / small[0]:>8.2f}  {small[1]} / {large[1]}")


if __name__ == "__main__":
    main()
