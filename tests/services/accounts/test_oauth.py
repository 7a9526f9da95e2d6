"""Connecting a Pinterest account through the real OAuth code flow against the sandbox."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from pinterest_sandbox.models import AccessToken as SandboxAccessToken
from pinterest_sandbox.services import oauth as sandbox_oauth
from publishing.access import Actor
from publishing.management.sandbox_connect import sandbox_authorize
from publishing.models import AuditEvent, Board, OAuthState, PinterestAccount
from publishing.pinterest.oauth import DEFAULT_SCOPES
from publishing.services.pinterest_accounts import (
    OAuthFailed,
    account_disconnect,
    account_oauth_complete,
    account_oauth_start,
    dashboard_redirect_uri,
)
from tests.services.live_sandbox import sandbox_user_of

pytestmark = pytest.mark.django_db(transaction=True)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def approve(url: str) -> tuple[str, str]:
    with httpx.Client(timeout=10) as http:
        return sandbox_authorize(url, http=http)


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_the_authorize_url_carries_the_app_the_scopes_and_a_state_we_keep_only_hashed(
    cast, sandbox_workspace, live_sandbox
):
    url = account_oauth_start(actor=Actor.for_user(cast.admin, sandbox_workspace))

    assert url.startswith(f"{live_sandbox.url}/sandbox/pinterest/oauth/?")
    query = query_of(url)
    assert query["client_id"] == "1000000001"
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == dashboard_redirect_uri()
    assert query["scope"] == ",".join(DEFAULT_SCOPES)
    stored = OAuthState.objects.get()
    assert len(query["state"]) >= 40 and stored.state != query["state"]
    assert (stored.workspace, stored.user, stored.redirect_uri) == (
        sandbox_workspace,
        cast.admin,
        dashboard_redirect_uri(),
    )
    assert stored.expires_at - timezone.now() == pytest.approx(timedelta(minutes=10), abs=timedelta(seconds=5))


def test_connecting_stores_the_account_with_encrypted_tokens_and_its_boards(cast, sandbox_workspace, connected_account):
    account = PinterestAccount.objects.get(pk=connected_account.pk)
    sandbox_user = sandbox_user_of(account)

    assert account.workspace == sandbox_workspace and account.connected_by == cast.admin
    assert account.pinterest_user_id == sandbox_user.pinterest_id
    assert account.display_name and account.health_status == "healthy" and account.revoked_at is None
    assert account.scopes == ",".join(DEFAULT_SCOPES)
    assert account.access_token.startswith("pina_") and account.refresh_token.startswith("pinr_")
    assert account.token_expires_at - timezone.now() > timedelta(days=29)
    assert account.refresh_token_expires_at - timezone.now() > timedelta(days=59)
    for column, token in (("access_token", account.access_token), ("refresh_token", account.refresh_token)):
        stored = raw_column("publishing_pinterestaccount", column, account.pk)
        assert token not in stored and len(stored) > len(token)
    assert sorted(Board.objects.for_account(account).values_list("name", flat=True)) == [
        "Sandbox board 1", "Sandbox board 2", "Sandbox board 3",
    ]
    assert account.boards_synced_at is not None
    event = AuditEvent.objects.for_team(cast.team).get(action="pinterest_account.connected")
    assert event.actor_user == cast.admin and event.target_id == str(account.public_id)
    assert OAuthState.objects.get().used_at is not None


def test_a_state_works_once(cast, sandbox_workspace, live_sandbox):
    code, state = approve(account_oauth_start(actor=Actor.for_user(cast.admin, sandbox_workspace)))
    account_oauth_complete(state=state, code=code, user=cast.admin)

    with pytest.raises(OAuthFailed) as excinfo:
        account_oauth_complete(state=state, code=code, user=cast.admin)

    assert excinfo.value.code == "oauth_state_used"
    assert PinterestAccount.objects.count() == 1


def test_an_expired_state_is_refused(cast, sandbox_workspace, live_sandbox):
    code, state = approve(account_oauth_start(actor=Actor.for_user(cast.admin, sandbox_workspace)))
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(OAuthFailed) as excinfo:
        account_oauth_complete(state=state, code=code, user=cast.admin)

    assert excinfo.value.code == "oauth_state_expired"
    assert not PinterestAccount.objects.exists()


@pytest.mark.parametrize("state", ["made-up", "nul\x00byte", ""])
def test_an_unknown_or_malformed_state_is_refused(live_sandbox, state):
    with pytest.raises(OAuthFailed) as excinfo:
        account_oauth_complete(state=state, code="any-code")
    assert excinfo.value.code in ("oauth_state_invalid", "oauth_failed")
    assert excinfo.value.status_hint == 400


def test_someone_from_another_team_cannot_complete_the_round_trip(cast, sandbox_workspace, live_sandbox):
    code, state = approve(account_oauth_start(actor=Actor.for_user(cast.admin, sandbox_workspace)))

    with pytest.raises(OAuthFailed) as excinfo:
        account_oauth_complete(state=state, code=code, user=cast.outsider)

    assert excinfo.value.code == "oauth_state_invalid"
    assert not PinterestAccount.objects.for_team(cast.other_team).exists()
    # The outsider's attempt did not burn the state: its owner still completes it.
    account = account_oauth_complete(state=state, code=code, user=cast.admin)
    assert account.workspace == sandbox_workspace


def test_a_refused_code_spends_the_state_and_connects_nothing(cast, sandbox_workspace, live_sandbox):
    url = account_oauth_start(actor=Actor.for_user(cast.admin, sandbox_workspace))
    state = query_of(url)["state"]

    with pytest.raises(OAuthFailed) as excinfo:
        account_oauth_complete(state=state, code="not-a-code-pinterest-issued", user=cast.admin)

    assert excinfo.value.code == "oauth_code_rejected"
    assert OAuthState.objects.get().used_at is not None
    assert not PinterestAccount.objects.exists()


def test_the_api_may_use_its_own_redirect_uri_and_the_exchange_repeats_it(cast, sandbox_workspace, live_sandbox,
                                                                          settings):
    api_callback = f"{settings.SITE_URL}/v1/pinterest/oauth/callback"  # registered with the sandbox's app
    url = account_oauth_start(actor=Actor.for_user(cast.admin, sandbox_workspace), redirect_uri=api_callback)
    assert query_of(url)["redirect_uri"] == api_callback

    code, state = approve(url)
    account = account_oauth_complete(state=state, code=code, user=cast.admin)

    assert account.connected_by == cast.admin and account.workspace == sandbox_workspace


def test_connecting_the_same_pinterest_user_again_updates_one_account(cast, sandbox_workspace, connected_account):
    sandbox_user = sandbox_user_of(connected_account)

    def reconnect() -> PinterestAccount:
        state = query_of(account_oauth_start(actor=Actor.for_user(cast.admin, sandbox_workspace)))["state"]
        code = sandbox_oauth.authorization_code_create(
            user=sandbox_user,
            client_id="1000000001",
            redirect_uri=dashboard_redirect_uri(),
            scopes=list(DEFAULT_SCOPES),
        )
        return account_oauth_complete(state=state, code=code, user=cast.admin)

    again = reconnect()
    assert again.pk == connected_account.pk
    assert again.access_token != connected_account.access_token

    account_disconnect(account=again, actor=Actor.for_user(cast.admin, again.workspace))
    revived = reconnect()
    assert revived.public_id == connected_account.public_id and revived.revoked_at is None
    assert PinterestAccount.objects.count() == 1
    assert SandboxAccessToken.objects.filter(user=sandbox_user).count() == 3
