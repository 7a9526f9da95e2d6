"""Deleting assets (the confirmation rule, bulk) and the list query (filters, sort, in_use)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publishing.access import Actor
from publishing.models import Asset, AuditEvent, Pin, PinterestAccount, Schedule
from publishing.services.assets import asset_delete, asset_upload, assets_delete_bulk
from publishing.services.errors import NotFound
from tests.media import make_mp4, make_png
from tests.services.assets.helpers import upload_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(workspace) -> PinterestAccount:
    return PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="111", username="acme")


@pytest.fixture
def make_asset(workspace, tmp_path):
    counter = iter(range(1, 1000))

    def make(name: str | None = None, *, size=(20, 20), in_workspace=None, kind="image") -> Asset:
        number = next(counter)
        if kind == "video":
            data = make_mp4(tmp_path / f"v{number}.mp4").read_bytes()
        else:
            data = make_png(tmp_path / f"i{number}.png", size[0] + number, size[1]).read_bytes()
        return asset_upload(
            actor=Actor.system(in_workspace or workspace, job="test"),
            uploaded_file=upload_bytes(data, name or f"f{number}"),
            expected_kind=kind,
        )

    return make


def make_pin(account, asset=None, *, cover=None, deleted=False) -> Pin:
    return Pin.objects.create(
        workspace=account.workspace, account=account, board_id="1", idempotency_key=str(uuid.uuid4()),
        payload_fingerprint="x", title="A pin", asset=asset, cover_image_asset=cover,
        deleted_at=timezone.now() if deleted else None,
    )


def make_schedule(account, asset, *, status="scheduled", key="asset_id") -> Schedule:
    """A schedule that has no pin yet, in its own ``status``."""
    field = {"asset_id": "asset", "cover_image_asset_id": "cover_image_asset"}[key]
    return Schedule.objects.create(
        workspace=account.workspace, account=account, run_at=timezone.now() + timedelta(hours=1), own_status=status,
        title="Later", board_id="1", **{field: asset},
    )


def test_an_unused_asset_is_deleted_and_its_file_removed_after_commit(
    cast, make_asset, media_root, django_capture_on_commit_callbacks
):
    asset = make_asset()
    path = media_root / asset.file.name

    with django_capture_on_commit_callbacks(execute=True):
        outcome = asset_delete(asset=asset, actor=Actor.for_user(cast.manager, asset.workspace))

    assert (outcome.deleted, outcome.requires_confirmation, outcome.referenced_pin_count) == (True, False, 0)
    assert outcome.freed_bytes == asset.size_bytes > 0
    assert not path.exists()
    asset.refresh_from_db()
    assert asset.deleted_at is not None
    assert AuditEvent.objects.for_team(cast.team).filter(action="asset.deleted", actor_user=cast.manager).exists()


def test_the_file_stays_when_the_transaction_rolls_back(make_asset, media_root, django_capture_on_commit_callbacks):
    asset = make_asset()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asset_delete(asset=asset, actor=Actor.system(asset.workspace, job="test"))
    assert len(callbacks) == 1 and (media_root / asset.file.name).exists()


def test_an_asset_used_by_a_pin_needs_confirmation(account, make_asset, media_root, django_capture_on_commit_callbacks):
    asset = make_asset()
    pin = make_pin(account, asset)
    make_pin(account, cover=asset)

    refused = asset_delete(asset=asset, actor=Actor.system(asset.workspace, job="test"))
    assert (refused.deleted, refused.requires_confirmation, refused.referenced_pin_count, refused.freed_bytes) == (
        False, True, 2, 0,
    )
    assert (media_root / asset.file.name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = asset_delete(asset=asset, confirm=True, actor=Actor.system(asset.workspace, job="test"))

    assert (confirmed.deleted, confirmed.referenced_pin_count, confirmed.freed_bytes) == (True, 2, asset.size_bytes)
    pin.refresh_from_db()
    assert pin.asset_id == asset.pk  # the pin keeps its record
    assert not (media_root / asset.file.name).exists()


def test_pending_schedules_count_but_finished_ones_and_deleted_pins_do_not(account, make_asset):
    asset = make_asset()
    make_schedule(account, asset, status="failed")
    make_schedule(account, asset, status="canceled")
    make_pin(account, asset, deleted=True)
    # An unrelated asset is free to go.
    unrelated = make_asset()
    assert asset_delete(asset=unrelated, actor=Actor.system(unrelated.workspace, job="test")).deleted

    assert Asset.objects.with_references().get(pk=asset.pk).referenced_pin_count == 0

    make_schedule(account, asset, status="scheduled")
    make_schedule(account, asset, status="queued", key="cover_image_asset_id")
    outcome = asset_delete(asset=asset, actor=Actor.system(asset.workspace, job="test"))
    assert (outcome.deleted, outcome.referenced_pin_count) == (False, 2)


def test_deleting_twice_is_not_found(make_asset):
    asset = make_asset()
    asset_delete(asset=asset, actor=Actor.system(asset.workspace, job="test"))
    with pytest.raises(NotFound):
        asset_delete(asset=asset, actor=Actor.system(asset.workspace, job="test"))


def test_bulk_delete_sorts_assets_into_deleted_needing_confirmation_and_unknown(
    cast, account, make_asset, other_workspace
):
    free, used = make_asset("free.png"), make_asset("used.png")
    make_pin(account, used)
    foreign = make_asset("theirs.png", in_workspace=other_workspace)
    unknown = uuid.uuid4()

    outcome = assets_delete_bulk(
        actor=Actor.system(free.workspace, job="test"),
        asset_ids=[free.public_id, used.public_id, foreign.public_id, unknown],
    )

    assert [o.asset.public_id for o in outcome.deleted] == [free.public_id]
    assert [o.asset.public_id for o in outcome.requires_confirmation] == [used.public_id]
    assert outcome.requires_confirmation[0].referenced_pin_count == 1
    assert outcome.not_found == [foreign.public_id, unknown]
    assert outcome.total_freed_bytes == free.size_bytes
    foreign.refresh_from_db()
    assert foreign.deleted_at is None

    confirmed = assets_delete_bulk(
        actor=Actor.system(used.workspace, job="test"), asset_ids=[used.public_id], confirm=True
    )
    assert [o.asset.public_id for o in confirmed.deleted] == [used.public_id]


def test_the_listing_filters_sorts_and_counts_references_in_one_query(account, workspace, make_asset):
    small = make_asset("Beach small.png", size=(10, 10))
    large = make_asset("beach LARGE.png", size=(300, 300))
    clip = make_asset("clip.mp4", kind="video")
    make_pin(account, large)
    make_pin(account, large)
    make_schedule(account, clip)
    Asset.objects.filter(pk=small.pk).update(created_at=timezone.now() - timedelta(days=3))

    live = Asset.objects.for_workspace(workspace)

    with CaptureQueriesContext(connection) as queries:
        rows = list(live.listing(sort="name_asc"))
        counts = {row.public_id: (row.referenced_pin_count, row.in_use) for row in rows}
        environments = {row.workspace.environment for row in rows}
    assert len(queries) == 1
    assert environments == {"sandbox"}
    assert counts == {small.public_id: (0, False), large.public_id: (2, True), clip.public_id: (1, True)}
    assert [row.original_filename for row in rows] == ["Beach small.png", "beach LARGE.png", "clip.mp4"]

    def names(**filters):
        return [row.original_filename for row in live.listing(**filters)]

    assert names(q="beach", sort="size_desc") == ["beach LARGE.png", "Beach small.png"]
    assert names(q="BEACH", sort="size_asc") == ["Beach small.png", "beach LARGE.png"]
    assert names(asset_type="video") == ["clip.mp4"]
    assert names(in_use=True, sort="name_desc") == ["clip.mp4", "beach LARGE.png"]
    assert names(in_use=False) == ["Beach small.png"]
    assert names(since=timezone.now() - timedelta(days=1), sort="created_at_asc") == ["beach LARGE.png", "clip.mp4"]
    assert names(until=timezone.now() - timedelta(days=1)) == ["Beach small.png"]
    assert names(q="\x00") == []
    assert live.listing(in_use=True).count() == 2
    with pytest.raises(ValueError):
        live.listing(sort="newest")


def test_reads_never_cross_teams(cast, workspace, other_workspace, make_asset):
    mine = make_asset("mine.png")
    theirs = make_asset("theirs.png", in_workspace=other_workspace)

    assert list(Asset.objects.for_team(cast.team)) == [mine]
    assert list(Asset.objects.for_workspace(workspace).listing()) == [mine]
    assert list(Asset.objects.for_team(cast.other_team).listing()) == [theirs]
