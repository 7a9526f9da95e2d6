"""The SDK contract suite's fixtures: the real server (pytest-django's live server, with the
built-in Pinterest sandbox behind it), a real django-q2 cluster when a test needs jobs to run,
and the official ``pinbridge_sdk`` clients — sync and async, bearer token and API key.

Every test here talks HTTP to the server exactly as a user's program would.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import redis
from pinbridge_sdk import PinbridgeClient
from pinbridge_sdk.models import LoginRequest

from publishing.access import Actor
from publishing.models import Workspace
from publishing.services.keys import api_key_create
from tests import pipeline_fixtures
from tests.conftest import PASSWORD
from tests.parallel import worker_redis_url
from tests.service_markers import redis_reachable

SHARED_CACHE_REDIS_URL = worker_redis_url(6)  # a test database (tests/parallel.py)

# The pipeline's fixtures, shared: the sandbox behind the live server, a connected account and one
# of its boards, the team's sandbox workspace, and a real django-q2 cluster.
sandbox = pipeline_fixtures.sandbox
workspace = pipeline_fixtures.workspace
account = pipeline_fixtures.account
board = pipeline_fixtures.board
start_cluster = pipeline_fixtures.start_cluster


@contextmanager
def shared_caches_on(settings) -> Iterator[redis.Redis]:
    """The production setting: credentials and /v1/pins pages read through the shared cache on Redis
    (a test database), kept 60 s; Redis's keys cleared before and after. Yields the raw client, to
    look at them."""
    settings.CACHE_REDIS_URL = SHARED_CACHE_REDIS_URL
    settings.CREDENTIAL_CACHE_SECONDS = 60
    settings.API_LIST_CACHE_SECONDS = 60
    raw = redis.Redis.from_url(SHARED_CACHE_REDIS_URL)
    _clear_cache_keys(raw)
    yield raw
    _clear_cache_keys(raw)


def _clear_cache_keys(raw: redis.Redis) -> None:
    stored = raw.keys("pinboard:*")
    if stored:
        raw.delete(*stored)


@pytest.fixture
def server(sandbox, settings) -> Iterator[str]:
    """The base URL of the running server (its Pinterest sandbox included). With Redis here, the
    server reads credentials and /v1/pins pages through the shared cache, as production nodes do
    (their own guarantees: tests/api/test_credential_cache.py, tests/api/test_list_cache.py); the
    test's own writes commit, so they change the epochs."""
    if not redis_reachable():
        yield sandbox
        return
    with shared_caches_on(settings):
        yield sandbox


@pytest.fixture
def sdk(server):
    """``sdk(api_key=..., bearer_token=...)`` → a sync client on the server; closed at the end."""
    clients = []

    def make(**auth) -> PinbridgeClient:
        client = PinbridgeClient(base_url=server, timeout=30, **auth)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def login(sdk):
    """``login(user)`` → a sync client holding the bearer token that user's login returned."""

    def make(user) -> PinbridgeClient:
        client = sdk()
        client.set_bearer_token(client.auth.login(LoginRequest(email=user.email, password=PASSWORD)).access_token)
        return client

    return make


@pytest.fixture
def keyed(sdk, workspace):
    """``keyed(scopes=[...], accounts=None)`` → a sync client authenticating with a new API key."""

    def make(scopes=("read", "write", "destructive"), accounts=None, *, bearer: bool = False) -> PinbridgeClient:
        issued = api_key_create(
            actor=Actor.system(workspace, job="test"), name="contract tests", scopes=list(scopes), accounts=accounts
        )
        return sdk(bearer_token=issued.plaintext) if bearer else sdk(api_key=issued.plaintext)

    return make


@pytest.fixture
def outsider_client(login, cast):
    """The admin of another team: every id of Acme's must be a 404 to them."""
    return login(cast.outsider)


def http(server: str, method: str, path: str, **kwargs) -> httpx.Response:
    """A raw request, for what the SDK cannot send (bad bodies, wrong types, raw headers)."""
    with httpx.Client(base_url=server, timeout=30) as client:
        return client.request(method, path, **kwargs)


@pytest.fixture
def production_workspace(cast) -> Workspace:
    return Workspace.objects.create(team=cast.team, name="Production", environment=Workspace.Environment.PRODUCTION)


@pytest.fixture(params=["bearer", "api_key"])
def client(request, login, keyed, cast) -> PinbridgeClient:
    """The team's admin logged in (bearer), or an API key with every scope: each test runs twice."""
    return login(cast.admin) if request.param == "bearer" else keyed()


def pin_create(pinterest_account, target_board, **overrides):
    """A valid PinCreate for the connected sandbox account."""
    from pinbridge_sdk.models import PinCreate

    fields = {
        "account_id": pinterest_account.public_id,
        "board_id": target_board.pinterest_board_id,
        "title": "A red chair",
        "description": "Oak and red lacquer.",
        "link_url": "https://shop.example.com/red-chair",
        "image_url": "https://images.example.com/red-chair.jpg",
        "idempotency_key": "chair-1",
    }
    fields.update(overrides)
    return PinCreate(**fields)


@pytest.fixture
def worker(start_cluster):
    """A running django-q2 cluster on the test database, for tests whose jobs must really run."""
    cluster = start_cluster()
    yield cluster
    cluster.kill()  # the test is over: a graceful stop would only cost time
