"""/v1 list endpoints answer with a constant number of queries, however many rows they list."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publishing.access import Actor
from publishing.models import Asset, Pin, Schedule
from publishing.services.keys import api_key_create
from tests.pipeline_fixtures import offline_account, offline_board, workspace  # noqa: F401 - fixtures


def add_pins(workspace, account, board, count, start):  # noqa: F811 - a parameter, not the fixture
    for n in range(start, start + count):
        asset = Asset.objects.create(
            workspace=workspace, asset_type="video", file=f"v{n}.mp4", original_filename=f"v{n}.mp4",
            extension=".mp4", content_type="video/mp4", size_bytes=1, checksum_sha256="0" * 64)
        cover = Asset.objects.create(
            workspace=workspace, asset_type="image", file=f"c{n}.png", original_filename=f"c{n}.png",
            extension=".png", content_type="image/png", size_bytes=1, checksum_sha256="0" * 64)
        pin = Pin.objects.create(workspace=workspace, account=account, board_id=board.pinterest_board_id,
                                 idempotency_key=f"k{n}", payload_fingerprint="f", title=f"Pin {n}",
                                 asset=asset, cover_image_asset=cover)
        Schedule.objects.create(workspace=workspace, account=account, run_at=timezone.now(), pin=pin,
                                title=f"Pin {n}")


def queries_for(client, path, key) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_X_API_KEY=key)
    assert response.status_code == 200, response.content
    return len(captured)


def test_pin_schedule_and_asset_lists_cost_the_same_at_3_and_30_rows(workspace, offline_account,  # noqa: F811
                                                                     offline_board):  # noqa: F811
    client = Client()
    key = api_key_create(actor=Actor.system(workspace, job="test"), name="lists", scopes=["read"]).plaintext
    # limit=100: one page holds every row; limit=2: rows follow the page, so the total is counted.
    paths = [f"/v1/{name}?limit={limit}" for name in ("pins", "schedules", "assets") for limit in (100, 2)]
    add_pins(workspace, offline_account, offline_board, 3, 0)
    client.get("/v1/pins", HTTP_X_API_KEY=key)  # the key's first use records it (later ones within the minute do not)
    few = [queries_for(client, path, key) for path in paths]
    add_pins(workspace, offline_account, offline_board, 27, 3)
    many = [queries_for(client, path, key) for path in paths]
    assert many == few


def test_dashboard_summary_costs_the_same_at_3_and_30_pins(workspace, offline_account,  # noqa: F811
                                                            offline_board):  # noqa: F811
    client = Client()
    key = api_key_create(actor=Actor.system(workspace, job="test"), name="summary", scopes=["read"]).plaintext
    paths = ["/v1/dashboard/summary", f"/v1/dashboard/summary?account_id={offline_account.public_id}"]
    add_pins(workspace, offline_account, offline_board, 3, 0)
    client.get(paths[0], HTTP_X_API_KEY=key)  # the key's first use records it
    few = [queries_for(client, path, key) for path in paths]
    add_pins(workspace, offline_account, offline_board, 27, 3)
    many = [queries_for(client, path, key) for path in paths]
    assert many == few
