"""Migrations 0012-0014 move a schedule's content from its JSON ``payload`` into typed columns,
and 0015-0017 stop copying its pin's status into it; both are reversible (SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from publishing.models import Asset, Pin, PinStatus, Schedule, ScheduleStatus

BEFORE = ("publishing", "0012_schedule_content_columns")


def migrate(target: tuple[str, str]):
    """Migrate the test database to ``target``; the app registry of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


def latest() -> tuple[str, str]:
    """The newest migration: where the test leaves the database for the tests after it."""
    [leaf] = MigrationExecutor(connection).loader.graph.leaf_nodes("publishing")
    return leaf


@pytest.mark.django_db(transaction=True)
def test_payload_becomes_columns_and_comes_back(workspace, offline_account, offline_board):
    cover = Asset.objects.create(workspace=workspace, asset_type="image", file="c.png", original_filename="c.png",
                                 extension=".png", content_type="image/png", size_bytes=1, checksum_sha256="0" * 64)
    schedule = Schedule.objects.create(
        workspace=workspace, account=offline_account, run_at=timezone.now() + timedelta(hours=1),
        board_id=offline_board.pinterest_board_id, title="Oak chair", description="Solid oak.",
        related_terms=["oak", "chair"], image_url="https://example.com/chair.png", cover_image_asset=cover)
    try:
        old_apps = migrate(BEFORE)
        stored = old_apps.get_model("publishing", "Schedule").objects.get(pk=schedule.pk)
        assert stored.payload == {
            "board_id": offline_board.pinterest_board_id, "title": "Oak chair", "description": "Solid oak.",
            "link_url": "", "alt_text": "", "dominant_color": "", "related_terms": ["oak", "chair"],
            "image_url": "https://example.com/chair.png", "asset_id": None, "cover_image_url": "",
            "cover_image_asset_id": str(cover.public_id), "media_type": "image",
        }
        # A payload written before the columns existed: an asset id of no asset is no asset.
        stored.payload = {**stored.payload, "title": "Walnut chair", "asset_id": "7d4c1b2e-0000-4000-8000-000000000000"}
        stored.save(update_fields=["payload"])
    finally:
        migrate(latest())

    moved = Schedule.objects.get(pk=schedule.pk)
    assert (moved.title, moved.description, moved.related_terms, moved.image_url) == (
        "Walnut chair", "Solid oak.", ["oak", "chair"], "https://example.com/chair.png")
    assert (moved.board_id, moved.asset_id, moved.cover_image_asset_id) == (
        offline_board.pinterest_board_id, None, cover.pk)


@pytest.mark.django_db(transaction=True)
def test_a_schedule_with_a_pin_stops_copying_its_status_and_gets_the_copy_back_reversed(
        workspace, offline_account, offline_board):
    pin = Pin.objects.create(workspace=workspace, account=offline_account, board_id=offline_board.pinterest_board_id,
                             title="Oak chair", idempotency_key="schedule:1", payload_fingerprint="f",
                             status=PinStatus.PUBLISHED)
    schedule = Schedule.objects.create(workspace=workspace, account=offline_account, run_at=timezone.now(),
                                       board_id=offline_board.pinterest_board_id, title="Oak chair", pin=pin,
                                       own_status=ScheduleStatus.QUEUED)
    canceled = Schedule.objects.create(workspace=workspace, account=offline_account, run_at=timezone.now(),
                                       board_id=offline_board.pinterest_board_id, title="Pine chair",
                                       own_status=ScheduleStatus.CANCELED, own_error="Disconnected.")
    try:
        old_apps = migrate(("publishing", "0015_schedule_own_status"))
        copies = old_apps.get_model("publishing", "Schedule").objects
        assert (copies.get(pk=schedule.pk).own_status, copies.get(pk=canceled.pk).own_status) == ("done", "canceled")
    finally:
        migrate(latest())

    assert Schedule.objects.get(pk=schedule.pk).own_status == ScheduleStatus.QUEUED
    assert [Schedule.objects.get(pk=schedule.pk).status, Schedule.objects.get(pk=canceled.pk).status] == [
        ScheduleStatus.DONE, ScheduleStatus.CANCELED]
    assert Schedule.objects.get(pk=canceled.pk).last_error == "Disconnected."
