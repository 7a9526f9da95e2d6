"""The /v1 list cache (publishing/services/list_cache.py; its epoch: publishing/models/epochs.py,
``PIN_LIST_EPOCH``), on a real Redis (a test database) with real commits.

Its guarantee: a page is answered from the cache only while no pin on any page can have changed. Every
committed write to a pin through the ORM (save, delete, ``update``, ``bulk_create``, ``bulk_update``,
a cascade) and an asset's delete (which empties its pins' columns without saving them) retires every
cached page before the write's request goes on. Two web nodes and their clusters are in
tests/topology.
"""

import logging
import uuid

import pytest
import redis
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publishing.access import Actor
from publishing.models import PIN_LIST_EPOCH, ApiKey, Asset, Pin, PinStatus, PinterestAccount, Workspace
from publishing.services.keys import api_key_create
from publishing.services.shared_cache import sealed
from tests.api.conftest import SHARED_CACHE_REDIS_URL, shared_caches_on
from tests.ports import free_port

pytestmark = pytest.mark.redis

LISTS = "pinboard:list:pins:*"


@pytest.fixture
def shared_cache(settings):
    with shared_caches_on(settings) as raw:
        yield raw


@pytest.fixture
def workspace(cast) -> Workspace:
    return cast.team.workspaces.get()


@pytest.fixture
def account(workspace) -> PinterestAccount:
    return PinterestAccount.objects.create(workspace=workspace, pinterest_user_id=uuid.uuid4().hex[:12],
                                           username="acme")


@pytest.fixture
def cached_key(shared_cache, workspace, account) -> dict:
    """A key whose page (the workspace's one pin) is in the cache."""
    make_pin(account)
    key = key_for(workspace)
    listed(key)
    return key


def make_pin(account: PinterestAccount, title: str = "A pin", **fields) -> Pin:
    return Pin.objects.create(workspace=account.workspace, account=account, board_id="1",
                              idempotency_key=str(uuid.uuid4()), payload_fingerprint="x", title=title, **fields)


def key_for(workspace: Workspace, accounts: list[PinterestAccount] | None = None) -> dict:
    return {"HTTP_X_API_KEY": api_key_create(actor=Actor.system(workspace, job="test"), name="lists", scopes=["read"],
                                             accounts=accounts).plaintext}


def listed(key: dict, query: str = "") -> list[dict]:
    response = Client().get(f"/v1/pins{query}", **key)
    assert response.status_code == 200, response.content
    return response.json()


def titles(key: dict, query: str = "") -> list[str]:
    return [pin["title"] for pin in listed(key, query)]


def pin_queries(key: dict) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        listed(key)
    return [query["sql"] for query in captured if '"publishing_pin"' in query["sql"]]


# --- reads ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_page_asked_again_is_answered_from_the_cache_with_its_headers(shared_cache, workspace, account):
    for n in range(3):
        make_pin(account, f"Pin {n}")
    key = key_for(workspace)
    first = Client().get("/v1/pins?limit=2", **key)
    with CaptureQueriesContext(connection) as captured:
        again = Client().get("/v1/pins?limit=2", **key)
    assert not [query for query in captured if '"publishing_pin"' in query["sql"]]
    assert again.content == first.content and len(again.json()) == 2
    assert (again["X-Total-Count"], again["X-Total-Count-Exact"]) == ("3", "true")
    assert len(shared_cache.keys(LISTS)) == 1


@pytest.mark.django_db
def test_only_first_pages_are_kept(shared_cache, workspace, account):
    """What an integration polls; a walk through every page would fill the broker's Redis."""
    for n in range(3):
        make_pin(account, f"Pin {n}")
    key = key_for(workspace)
    assert titles(key, "?limit=1&offset=1") == ["Pin 1"]
    assert shared_cache.keys(LISTS) == []
    assert titles(key, "?limit=1") == ["Pin 2"]
    assert len(shared_cache.keys(LISTS)) == 1


@pytest.mark.django_db
def test_every_filter_and_bound_is_its_own_question(shared_cache, workspace, account):
    make_pin(account, "Queued", status=PinStatus.QUEUED)
    make_pin(account, "Failed", status=PinStatus.FAILED)
    key = key_for(workspace)
    assert sorted(titles(key)) == ["Failed", "Queued"]
    assert titles(key, "?status=failed") == ["Failed"]
    assert titles(key, "?limit=1") == ["Failed"]  # newest first
    assert titles(key, "?q=queu") == ["Queued"]
    assert titles(key, "?sort=created_at_asc") == ["Queued", "Failed"]
    assert len(shared_cache.keys(LISTS)) == 5


@pytest.mark.django_db
def test_a_key_limited_to_some_accounts_never_gets_a_page_cached_for_a_wider_caller(shared_cache, workspace,
                                                                                      account):
    other = PinterestAccount.objects.create(workspace=workspace, pinterest_user_id="other", username="other")
    make_pin(account, "Mine")
    make_pin(other, "Theirs")
    assert sorted(titles(key_for(workspace))) == ["Mine", "Theirs"]  # cached for the whole workspace
    assert titles(key_for(workspace, accounts=[account])) == ["Mine"]


@pytest.mark.django_db
def test_another_workspace_never_gets_the_page(shared_cache, cast, workspace, account):
    make_pin(account, "Ours")
    assert titles(key_for(workspace)) == ["Ours"]
    production = Workspace.objects.create(team=cast.team, name="Production",
                                          environment=Workspace.Environment.PRODUCTION)
    assert titles(key_for(production)) == []


@pytest.mark.django_db(transaction=True)
def test_the_caller_is_checked_before_the_cache(cached_key):
    ApiKey.objects.update(revoked_at=timezone.now())
    assert Client().get("/v1/pins", **cached_key).status_code == 401


@pytest.mark.django_db
def test_with_the_setting_at_zero_a_process_reads_the_database_and_stores_nothing(shared_cache, settings,
                                                                                   workspace, account):
    make_pin(account)
    key = key_for(workspace)
    listed(key)  # stored by a process that reads through the cache
    settings.API_LIST_CACHE_SECONDS = 0
    shared_cache.delete(*shared_cache.keys(LISTS))
    listed(key)
    assert shared_cache.keys(LISTS) == []
    settings.API_LIST_CACHE_SECONDS = 60
    listed(key)
    settings.API_LIST_CACHE_SECONDS = 0
    assert pin_queries(key), "read from the database although a page is stored"


@pytest.mark.django_db
def test_a_page_lives_at_most_the_setting(shared_cache, settings, workspace, account):
    settings.API_LIST_CACHE_SECONDS = 7
    make_pin(account)
    listed(key_for(workspace))
    [name] = shared_cache.keys(LISTS)
    assert 0 < shared_cache.ttl(name) <= 7


@pytest.mark.django_db
def test_a_page_stored_under_another_epoch_or_not_sealed_here_is_not_used(shared_cache, workspace, account):
    pin = make_pin(account, "Before")
    key = key_for(workspace)
    listed(key)
    [name] = shared_cache.keys(LISTS)
    Pin.objects.filter(pk=pin.pk).update(title="After")  # inside the test's transaction: no epoch change
    assert titles(key) == ["Before"]  # the cached page
    shared_cache.set(PIN_LIST_EPOCH.key, "another")
    assert titles(key) == ["After"]
    forged = {"epoch": shared_cache.get(PIN_LIST_EPOCH.key), "page": None}
    shared_cache.set(name, sealed("not.the.list.cache", forged))
    assert titles(key) == ["After"]


# --- writes --------------------------------------------------------------------------------------------

WRITES = {
    "save": lambda pin: (setattr(pin, "title", "Changed"), pin.save(update_fields=["title"])),
    "update": lambda pin: Pin.objects.filter(pk=pin.pk).update(status=PinStatus.FAILED, title="Changed"),
    "bulk_update": lambda pin: Pin.objects.bulk_update([Pin(pk=pin.pk, title="Changed")], ["title"]),
    "bulk_create": lambda pin: make_pins_in_bulk(pin.account, ["Changed"]),
    "delete": lambda pin: pin.delete(),
    "queryset delete": lambda pin: Pin.objects.filter(pk=pin.pk).delete(),
}


def make_pins_in_bulk(account: PinterestAccount, names: list[str]) -> None:
    Pin.objects.bulk_create(
        Pin(workspace=account.workspace, account=account, board_id="1", idempotency_key=str(uuid.uuid4()),
            payload_fingerprint="x", title=name) for name in names)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", list(WRITES))
def test_every_committed_write_to_a_pin_is_answered_at_once(shared_cache, workspace, account, write):
    pin = make_pin(account, "Original")
    key = key_for(workspace)
    before = listed(key)
    assert [p["title"] for p in before] == ["Original"] and not pin_queries(key)  # cached
    WRITES[write](pin)
    after = listed(key)
    assert after != before
    assert pin_queries(key) == [], "the new page is cached in turn"


@pytest.mark.django_db(transaction=True)
def test_a_write_rolled_back_leaves_the_cache(shared_cache, cached_key):
    epoch = shared_cache.get(PIN_LIST_EPOCH.key)
    with pytest.raises(RuntimeError), transaction.atomic():
        Pin.objects.update(title="Never")
        raise RuntimeError
    assert shared_cache.get(PIN_LIST_EPOCH.key) == epoch and not pin_queries(cached_key)


@pytest.fixture
def asset(workspace, tmp_path) -> Asset:
    from publishing.services.assets import asset_upload
    from tests.media import make_png
    from tests.services.assets.helpers import upload_bytes

    return asset_upload(actor=Actor.system(workspace, job="test"), expected_kind="image",
                        uploaded_file=upload_bytes(make_png(tmp_path / "a.png", 30, 20).read_bytes(), "a.png"))


@pytest.mark.django_db(transaction=True)
def test_a_deleted_asset_empties_its_pins_asset_at_once(shared_cache, workspace, account, asset, settings):
    make_pin(account, asset=asset)
    key = key_for(workspace)
    assert listed(key)[0]["asset_id"] == str(asset.public_id)
    settings.SITE_URL = "https://pins.example.com"  # media URLs are written with it
    assert listed(key)[0]["media_url"] == f"https://pins.example.com/v1/assets/{asset.public_id}/content"
    Asset.objects.filter(pk=asset.pk).delete()  # SET_NULL on the pin: an UPDATE no pin signal sees
    assert listed(key)[0]["asset_id"] is None


@pytest.mark.django_db(transaction=True)
def test_a_pin_added_through_a_related_manager_is_answered_at_once(shared_cache, workspace, account, asset):
    """``asset.pins.add(pin)`` writes through Pin's base manager, not ``Pin.objects``."""
    pin = make_pin(account)
    key = key_for(workspace)
    assert listed(key)[0]["asset_id"] is None
    asset.pins.add(pin)
    assert listed(key)[0]["asset_id"] == str(asset.public_id)


@pytest.mark.django_db(transaction=True)
def test_a_commit_hook_that_raises_before_the_epochs_does_not_keep_them(shared_cache, cached_key):
    """Django stops running commit hooks at the first that raises (an enqueue while the broker is
    down); the write has committed all the same."""
    def broker_down() -> None:
        raise redis.ConnectionError("the broker is down")

    with pytest.raises(redis.ConnectionError), transaction.atomic():
        transaction.on_commit(broker_down)
        Pin.objects.update(title="Retried")
    assert titles(cached_key) == ["Retried"]


@pytest.mark.django_db(transaction=True)
def test_a_cascade_changes_the_epoch_once_per_transaction(shared_cache, workspace, account):
    make_pins_in_bulk(account, [f"Pin {n}" for n in range(30)])
    with transaction.atomic():
        for pin in Pin.objects.all():
            pin.title = "Renamed"
            pin.save()
        pending = [func for _, func, _ in connection.run_on_commit if func == PIN_LIST_EPOCH.advance]
    assert len(pending) == 1


@pytest.mark.django_db(transaction=True)
def test_the_epoch_is_read_before_the_database(shared_cache, workspace, account, monkeypatch):
    """A write that commits while a page is being read: that page, older than the write, must not be
    answered after it. Reading the epoch after the database would store it under the write's epoch."""
    from publishing.api.routers import pins as pins_router

    pin = make_pin(account, "Before")
    key = key_for(workspace)
    real = pins_router.offset_page

    def read_then_write(*args, **kwargs):
        page = real(*args, **kwargs)  # the rows as they were
        monkeypatch.setattr(pins_router, "offset_page", real)
        Pin.objects.filter(pk=pin.pk).update(title="After")  # commits (autocommit), epoch changes
        return page

    monkeypatch.setattr(pins_router, "offset_page", read_then_write)
    assert titles(key) == ["Before"]  # read before the write committed
    assert titles(key) == ["After"]


@pytest.mark.django_db(transaction=True)
def test_migrate_retires_every_page(shared_cache, cached_key):
    epoch = shared_cache.get(PIN_LIST_EPOCH.key)
    call_command("migrate", verbosity=0)
    assert shared_cache.get(PIN_LIST_EPOCH.key) != epoch and pin_queries(cached_key)


# --- Redis down ----------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_with_redis_down_lists_are_read_from_the_database(settings, workspace, account, caplog, monkeypatch):
    from publishing.services import list_cache

    monkeypatch.setattr(list_cache._cache_unavailable, "last", 0.0)
    pin = make_pin(account, "Before")
    key = key_for(workspace)
    settings.CACHE_REDIS_URL = f"redis://127.0.0.1:{free_port()}/6"  # nothing listens there
    settings.API_LIST_CACHE_SECONDS = 60
    with caplog.at_level(logging.WARNING):
        assert titles(key) == ["Before"]
        pin.title = "After"
        pin.save()  # the epoch cannot change: logged, the save stands
        assert titles(key) == ["After"]
    unavailable = [r for r in caplog.records if "Lists are read from the database" in r.getMessage()]
    assert len(unavailable) == 1  # once a minute, not once a request
    assert any("pin list epoch could not be changed" in r.getMessage() for r in caplog.records)
    assert redis.Redis.from_url(SHARED_CACHE_REDIS_URL).keys(LISTS) == []
