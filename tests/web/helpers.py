"""Small helpers for the dashboard's view tests."""

import re
import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publishing.models import Pin, PinStatus


def queries_to_render(client, url: str) -> int:
    """How many SQL queries one GET of ``url`` runs (the response must be a 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries)


def bulk_pins(workspace, account, board, count: int, *, status=PinStatus.PUBLISHED, start=None, **fields) -> list[Pin]:
    """``count`` pin rows written in one go, one second apart (newest last), for list-size tests.

    The pin service is the only write path in the product; rows are bulk-written here only where a
    test needs thousands of them and is about reading them back.
    """
    start = start or timezone.now() - timedelta(seconds=count + 10)
    title = fields.pop("title", None)
    pins = [
        Pin(
            workspace=workspace,
            account=account,
            board_id=board.pinterest_board_id,
            idempotency_key=f"bulk-{uuid.uuid4()}",
            payload_fingerprint="bulk",
            source=Pin.Source.API,
            title=title or f"Bulk pin {n}",
            image_url="https://images.example.com/p.jpg",
            status=status,
            **fields,
        )
        for n in range(count)
    ]
    created = Pin.objects.bulk_create(pins, batch_size=2000)
    # auto_now_add ignores given values: space the rows out afterwards so the order is known.
    for offset, pin in enumerate(created):
        pin.created_at = start + timedelta(seconds=offset)
    Pin.objects.bulk_update(created, ["created_at"], batch_size=2000)
    return created


def row_ids(html: str) -> list[str]:
    """Public ids of the pin rows on a pins page, in order."""
    return re.findall(r'<tr id="pin-([0-9a-f-]{36})"', html)
