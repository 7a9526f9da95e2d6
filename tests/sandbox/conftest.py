"""Fixtures for talking to the sandbox over real HTTP (pytest-django's live_server + httpx).

Every live_server test pays for a flush of the whole database afterwards (slow on PostgreSQL),
so variations of one case are ``subtests`` of one test rather than parametrized tests."""

from dataclasses import dataclass

import httpx
import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import SandboxUser
from pinterest_sandbox.seed import sandbox_tokens_issue, sandbox_user_create
from tests.pinterest_contract import assert_contract


@pytest.fixture
def sandbox_url(live_server) -> str:
    return f"{live_server.url}/sandbox/pinterest"


@dataclass
class Account:
    user: SandboxUser
    access_token: str
    refresh_token: str
    http: httpx.Client

    def get(self, path: str, **kwargs) -> httpx.Response:
        return assert_contract(self.http.get(path, **kwargs))

    def post(self, path: str, json=None, **kwargs) -> httpx.Response:
        return assert_contract(self.http.post(path, json=json, **kwargs))

    def patch(self, path: str, json=None, **kwargs) -> httpx.Response:
        return assert_contract(self.http.patch(path, json=json, **kwargs))

    def delete(self, path: str, **kwargs) -> httpx.Response:
        return assert_contract(self.http.delete(path, **kwargs))

    def send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A request that may break the contract on purpose: only the response is checked."""
        return assert_contract(self.http.request(method, path, **kwargs), request=False)


def open_account(sandbox_url: str, *, boards: int = 3, scopes=None, username=None) -> Account:
    user = sandbox_user_create(username=username, boards=boards)
    tokens = sandbox_tokens_issue(user=user, scopes=scopes)
    http = httpx.Client(
        base_url=f"{sandbox_url}/v5", timeout=10, headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    return Account(user, tokens.access_token, tokens.refresh_token, http)


@pytest.fixture
def account(sandbox_url):
    """A sandbox account with 3 boards and a token holding every scope."""
    acct = open_account(sandbox_url)
    yield acct
    acct.http.close()


@pytest.fixture
def other_account(sandbox_url):
    acct = open_account(sandbox_url, boards=1)
    yield acct
    acct.http.close()


@pytest.fixture
def fresh_rate_window(db):
    """Move sandbox time to just after a minute boundary, so a test counting calls in one
    rate-limit window cannot straddle two."""
    seconds_into_window = sandbox_now().timestamp() % 60
    faults.advance_clock(60 - seconds_into_window + 0.1)


@pytest.fixture
def midday(sandbox_url):
    """Move sandbox time on to the next 12:00 UTC, before the test's account is opened. Analytics
    figures grow through the day: a test run just after midnight would find the day's still zero."""
    seconds_since_noon = (sandbox_now().timestamp() - 12 * 3600) % (24 * 3600)
    faults.advance_clock(24 * 3600 - seconds_since_noon)
