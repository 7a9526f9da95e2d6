"""OAuth through the sandbox's authorize page, its token endpoint and the typed client."""

import html
import logging
import re
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pinterest_sandbox import faults
from pinterest_sandbox.models import RefreshToken
from publishing.pinterest import (
    DEFAULT_SCOPES,
    AuthenticationFailed,
    GrantRejected,
    OutcomeUnknown,
    PinterestOAuth,
    authorize_url,
)
from publishing.pinterest.config import PinterestEndpoints

from .conftest import wait_for

REDIRECT_URI = "https://pinboard.example/app/pinterest/callback"
SIXTY_DAYS = 60 * 24 * 3600
THIRTY_DAYS = 30 * 24 * 3600
HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.fixture
def endpoints(live_server, api_base, settings) -> PinterestEndpoints:
    settings.SANDBOX_PINTEREST_REDIRECT_URIS = [REDIRECT_URI]  # the sandbox app's registered callback
    return PinterestEndpoints(
        environment="sandbox",
        api_base=api_base,
        authorize_url=f"{live_server.url}/sandbox/pinterest/oauth/",
        app_id=settings.SANDBOX_PINTEREST_APP_ID,
        app_secret=settings.SANDBOX_PINTEREST_APP_SECRET,
    )


@pytest.fixture
def oauth(endpoints, contract_hooks):
    with PinterestOAuth(endpoints, timeout=5, event_hooks=contract_hooks) as oauth:
        yield oauth


def approve_in_browser(url: str) -> httpx.URL:
    """What a person does: open the authorize page, press "Give access"; returns where the
    sandbox sends the browser back to."""
    with httpx.Client(timeout=5) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text[:500]
        form = {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(page.text)}
        form.update(decision="approve", username="")
        answer = browser.post(url, data=form)
    assert answer.status_code == 302, answer.text[:500]
    return httpx.URL(answer.headers["location"])


def test_the_authorize_url_carries_app_redirect_scopes_and_state(endpoints):
    url = httpx.URL(
        authorize_url(
            endpoints, redirect_uri=REDIRECT_URI, state="s-123", scopes=("boards:read", "pins:write")
        )
    )

    assert str(url).startswith(endpoints.authorize_url + "?")
    assert dict(url.params) == {
        "client_id": endpoints.app_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "boards:read,pins:write",
        "state": "s-123",
    }


def test_code_exchange_then_refresh_rotates_the_refresh_token(endpoints, oauth, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    state = secrets.token_urlsafe(16)

    callback = approve_in_browser(authorize_url(endpoints, redirect_uri=REDIRECT_URI, state=state))
    assert callback.copy_with(query=None) == httpx.URL(REDIRECT_URI)
    assert callback.params["state"] == state
    code = callback.params["code"]

    before = time.time()
    grant = oauth.exchange_code(code=code, redirect_uri=REDIRECT_URI)
    access_token = grant.access_token.get_secret_value()
    first_refresh = grant.refresh_token.get_secret_value()
    assert access_token.startswith("pina_") and first_refresh.startswith("pinr_")
    assert set(grant.scopes) == set(DEFAULT_SCOPES)
    assert grant.expires_in == THIRTY_DAYS
    assert (
        before + THIRTY_DAYS - 5 <= grant.access_token_expires_at.timestamp() <= time.time() + THIRTY_DAYS + 5
    )
    assert abs(grant.refresh_token_expires_at.timestamp() - (before + SIXTY_DAYS)) < 60

    account = make_client(access_token).user_account()
    assert account.username.startswith("sandbox_")
    assert account.board_count == 3

    refreshed = oauth.refresh(refresh_token=first_refresh)
    second_refresh = refreshed.refresh_token.get_secret_value()
    assert second_refresh != first_refresh, "a refresh must hand back a new refresh token"
    assert refreshed.access_token.get_secret_value() != access_token
    assert refreshed.refresh_token_expires_at is not None
    assert make_client(refreshed.access_token.get_secret_value()).user_account().id == account.id

    with pytest.raises(GrantRejected) as rotated_away:
        oauth.refresh(refresh_token=first_refresh)
    assert (rotated_away.value.status, rotated_away.value.code) == (401, 2)
    assert rotated_away.value.error_code == "oauth_grant_rejected" and rotated_away.value.permanent

    third = oauth.refresh(refresh_token=second_refresh)
    assert third.refresh_token.get_secret_value() not in (first_refresh, second_refresh)

    secrets_seen = [access_token, first_refresh, second_refresh, refreshed.access_token.get_secret_value()]
    assert not any(secret in caplog.text for secret in secrets_seen), "a token reached the logs"
    assert not any(secret in repr(grant) + str(grant) for secret in secrets_seen)


def test_an_authorization_code_works_once(endpoints, oauth):
    state = "a b&c=d/é"  # comes back intact, whatever it holds
    callback = approve_in_browser(authorize_url(endpoints, redirect_uri=REDIRECT_URI, state=state))
    assert parse_qs(urlsplit(str(callback)).query)["state"] == [state]
    code = callback.params["code"]
    oauth.exchange_code(code=code, redirect_uri=REDIRECT_URI)

    with pytest.raises(GrantRejected) as replayed:
        oauth.exchange_code(code=code, redirect_uri=REDIRECT_URI)

    assert (replayed.value.status, replayed.value.code) == (401, 2)
    assert isinstance(replayed.value, AuthenticationFailed)


def test_the_token_endpoint_refusals_are_grant_rejected(endpoints, oauth, contract_hooks, account, subtests):
    with subtests.test("a code sent with another redirect_uri"):
        callback = approve_in_browser(authorize_url(endpoints, redirect_uri=REDIRECT_URI, state="x"))
        with pytest.raises(GrantRejected):
            oauth.exchange_code(code=callback.params["code"], redirect_uri="https://elsewhere.example/cb")

    with subtests.test("the wrong app secret"):
        wrong = PinterestEndpoints(
            "sandbox", endpoints.api_base, endpoints.authorize_url, endpoints.app_id, "not-the-secret"
        )
        with PinterestOAuth(wrong, event_hooks=contract_hooks) as wrong_app:
            with pytest.raises(GrantRejected) as refused:
                wrong_app.refresh(refresh_token=account.refresh_token)
        assert refused.value.status == 401

    with subtests.test("an expired refresh token"):
        faults.expire_refresh_token(account.refresh_token)
        with pytest.raises(GrantRejected):
            oauth.refresh(refresh_token=account.refresh_token)


def test_a_refresh_whose_answer_is_lost_has_an_unknown_outcome(endpoints, contract_hooks, account):
    # The sandbox rotates the refresh token, then withholds the answer past our timeout.
    faults.timeout_after_create(endpoint="oauth.token", seconds=3)

    with PinterestOAuth(endpoints, timeout=0.5, event_hooks=contract_hooks) as impatient:
        with pytest.raises(OutcomeUnknown):
            impatient.refresh(refresh_token=account.refresh_token)

    # The old token was spent by the refresh we never heard back from: the caller must reconnect.
    assert wait_for(lambda: RefreshToken.objects.filter(user=account.user, rotated_at__isnull=False).exists())
    with PinterestOAuth(endpoints, event_hooks=contract_hooks) as oauth:
        with pytest.raises(GrantRejected):
            oauth.refresh(refresh_token=account.refresh_token)
