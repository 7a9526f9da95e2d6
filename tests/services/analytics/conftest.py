"""A production workspace whose Pinterest is the built-in sandbox over real HTTP (pytest-django's
live server): the production code path of analytics collection, end to end, with a frozen day."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from pinterest_sandbox.models import Pin as SandboxPin
from pinterest_sandbox.models import SandboxUser
from publishing.access import Actor
from publishing.management.sandbox_connect import sandbox_authorize
from publishing.models import Pin, PinStatus, PinterestAccount, Workspace
from publishing.services.pinterest_accounts import account_oauth_complete, account_oauth_start
from publishing.services.teams import workspace_create

# Noon UTC: a test's "today" cannot change under it.
NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
_numbers = itertools.count(1)


@pytest.fixture
def noon():
    with time_machine.travel(NOON, tick=True) as traveller:
        yield traveller


@pytest.fixture
def production_pinterest(live_server, settings) -> str:
    """Production workspaces talk to the sandbox (the sandbox's app id and secret, its authorize page)."""
    base = live_server.url
    settings.SITE_URL = settings.SANDBOX_BASE_URL = base
    settings.PINTEREST_API_BASE = settings.SANDBOX_PINTEREST_API_BASE = f"{base}/sandbox/pinterest/v5"
    authorize = f"{base}/sandbox/pinterest/oauth/"
    settings.PINTEREST_OAUTH_AUTHORIZE_URL = settings.SANDBOX_PINTEREST_AUTHORIZE_URL = authorize
    settings.PINTEREST_APP_ID = settings.SANDBOX_PINTEREST_APP_ID
    settings.PINTEREST_APP_SECRET = settings.SANDBOX_PINTEREST_APP_SECRET
    settings.PINTEREST_TIMEOUT_SECONDS = 5.0
    return base


@pytest.fixture
def production_workspace(cast) -> Workspace:
    return workspace_create(team=cast.team, name="Production", environment=Workspace.Environment.PRODUCTION)


def connect(workspace: Workspace, user) -> PinterestAccount:
    """The OAuth code flow, as a person approving on the sandbox's page."""
    url = account_oauth_start(actor=Actor.for_user(user, workspace))
    with httpx.Client(timeout=10, follow_redirects=False) as http:
        code, state = sandbox_authorize(url, http=http)
    return account_oauth_complete(state=state, code=code, user=user)


@pytest.fixture
def production_account(noon, production_pinterest, production_workspace, cast) -> PinterestAccount:
    return connect(production_workspace, cast.admin)


def published_pin(account: PinterestAccount, *, days_ago: float = 0, at: datetime | None = None,
                  video: bool = False) -> Pin:
    """A pin on the account's sandbox board, and its published row here, ``days_ago`` days old (or
    published ``at``)."""
    n = next(_numbers)
    created = at or datetime.now(tz=UTC) - timedelta(days=days_ago)
    board = SandboxUser.objects.get(username=account.username).boards.order_by("id").first()
    remote = SandboxPin.objects.create(board=board, title=f"Pin {n}", creative_type="VIDEO" if video else "REGULAR",
                                       media={}, created_at=created)
    return Pin.objects.create(workspace=account.workspace, account=account, idempotency_key=f"analytics-{n}",
                              payload_fingerprint="x", board_id=board.pinterest_id, title=f"Pin {n}",
                              status=PinStatus.PUBLISHED, published_at=created, pinterest_pin_id=remote.pinterest_id)
