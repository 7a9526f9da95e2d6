"""Fixtures that point sandbox workspaces at the built-in sandbox served by pytest-django's
live server, so every Pinterest call in a test is real HTTP. Import them into a conftest:

    from tests.services.live_sandbox import connected_account, live_sandbox  # noqa: F401

Tests using them need ``pytest.mark.django_db(transaction=True)``: the server thread must see
the test's rows.
"""

import pytest

from pinterest_sandbox.models import SandboxUser
from publishing.management.sandbox_connect import account_connect_sandbox
from publishing.models import PinterestAccount, Workspace


@pytest.fixture
def live_sandbox(live_server, settings):
    settings.SANDBOX_BASE_URL = live_server.url
    settings.SANDBOX_PINTEREST_API_BASE = f"{live_server.url}/sandbox/pinterest/v5"
    settings.SANDBOX_PINTEREST_AUTHORIZE_URL = f"{live_server.url}/sandbox/pinterest/oauth/"
    return live_server


@pytest.fixture
def sandbox_workspace(cast) -> Workspace:
    return cast.team.workspaces.get(environment=Workspace.Environment.SANDBOX)


@pytest.fixture
def connected_account(cast, live_sandbox, sandbox_workspace) -> PinterestAccount:
    """A new sandbox Pinterest user with 3 boards, connected by the team's admin through OAuth."""
    return account_connect_sandbox(workspace=sandbox_workspace, user=cast.admin)


def sandbox_user_of(account: PinterestAccount) -> SandboxUser:
    return SandboxUser.objects.get(username=account.username)
