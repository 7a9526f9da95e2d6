"""The client under test talks to the built-in sandbox over real HTTP (pytest-django's
live_server), and every exchange with a /v5/ URL is checked against Pinterest's official
OpenAPI document by an httpx event hook: the request the client sent and the answer it got."""

import time
import warnings
from dataclasses import dataclass, field

import httpx
import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.models import SandboxUser
from pinterest_sandbox.seed import PUBLISHING_SCOPES, sandbox_tokens_issue, sandbox_user_create
from publishing.pinterest import PinterestClient
from tests.pinterest_contract import OpenAPIRequest, assert_contract, pinterest_openapi

RATE_LIMIT_WINDOW_SECONDS = 60  # the sandbox counts calls per token per minute
# Short enough that timeout tests stay fast, long enough for a loaded CI machine.
CLIENT_TIMEOUT = 5.0


@dataclass
class ContractLog:
    """What the hooks validated. A test that provokes an answer the document cannot describe
    (an edge proxy's HTML 502) says so first; its request is still validated."""

    checked: list[str] = field(default_factory=list)
    off_contract_expected: int = 0

    def expect_off_contract_response(self, times: int = 1) -> None:
        self.off_contract_expected += times

    def check(self, response: httpx.Response) -> None:
        if "/v5/" not in response.request.url.path:
            return  # the media upload URL (S3's stand-in) is not part of Pinterest's API
        label = f"{response.request.method} {response.request.url.path} {response.status_code}"
        if self.off_contract_expected and not response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            self.off_contract_expected -= 1
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Unsupported scheme type")
                pinterest_openapi().validate_request(OpenAPIRequest(response.request))
            self.checked.append(f"{label} (request only)")
            return
        assert_contract(response)
        self.checked.append(label)


@pytest.fixture
def contract():
    log = ContractLog()
    yield log
    assert log.off_contract_expected == 0, "an expected off-contract answer never came"


@pytest.fixture
def contract_hooks(contract):
    def on_response(response: httpx.Response) -> None:
        response.read()
        contract.check(response)

    return {"response": [on_response]}


@pytest.fixture
def api_base(live_server) -> str:
    # The flush after each live_server test also forgets every fault rule and clock offset.
    return f"{live_server.url}/sandbox/pinterest/v5"


def wait_for(find, *, seconds: float = 5.0):
    """Poll ``find`` until it returns something truthy or the deadline passes; its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        found = find()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def start_a_fresh_rate_limit_window() -> None:
    """Move sandbox time to the start of a minute-long rate-limit window, so the calls a test
    makes next all count in the same window (never split by a window boundary)."""
    faults.advance_clock(RATE_LIMIT_WINDOW_SECONDS - time.time() % RATE_LIMIT_WINDOW_SECONDS + 1)


@dataclass
class SandboxAccount:
    user: SandboxUser
    access_token: str
    refresh_token: str


def sandbox_account(*, boards: int = 3, scopes=PUBLISHING_SCOPES) -> SandboxAccount:
    user = sandbox_user_create(boards=boards)
    tokens = sandbox_tokens_issue(user=user, scopes=list(scopes))
    return SandboxAccount(user, tokens.access_token, tokens.refresh_token)


@pytest.fixture
def account(live_server) -> SandboxAccount:
    return sandbox_account()


@pytest.fixture
def board_id(account) -> str:
    """The account's first board."""
    return account.user.boards.order_by("id").first().pinterest_id


@pytest.fixture
def make_client(api_base, contract_hooks):
    """Clients for any token, closed at the end of the test."""
    clients = []

    def make(access_token: str, *, timeout: float = CLIENT_TIMEOUT) -> PinterestClient:
        client = PinterestClient(api_base, access_token, timeout=timeout, event_hooks=contract_hooks)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def pinterest(make_client, account) -> PinterestClient:
    return make_client(account.access_token)
