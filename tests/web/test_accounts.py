"""Accounts: connect through the real OAuth flow against the built-in sandbox (over HTTP to the
live server), health and token expiry, reconnect, refresh and create boards, disconnect."""

from urllib.parse import urlsplit

import httpx
import pytest

from publishing.management.sandbox_connect import sandbox_authorize
from publishing.models import Board, PinterestAccount
from publishing.services.pinterest_access import account_mark_reconnect_required

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_connects_a_sandbox_account_through_oauth(cast, login, sandbox, workspace):
    client = login(cast.admin)
    start = client.post("/app/accounts/connect")
    assert start.status_code == 302 and start.url.startswith(f"{sandbox}/sandbox/pinterest/oauth/")
    with httpx.Client(follow_redirects=False, timeout=20) as browser:
        code, state = sandbox_authorize(start.url, http=browser)
    callback = client.get(f"/app/accounts/oauth/callback?code={code}&state={state}", follow=True)
    account = PinterestAccount.objects.get(workspace=workspace)
    html = callback.content.decode()
    assert f"Connected the Pinterest account {account}" in html
    assert Board.objects.for_account(account).count() >= 1 and "Healthy" in html and "Access token expires" in html


def test_a_callback_replayed_or_forged_connects_nothing(cast, login, sandbox, workspace):
    client = login(cast.admin)
    response = client.get("/app/accounts/oauth/callback?code=forged&state=forged", follow=True)
    assert "not valid" in response.content.decode()
    declined = client.get("/app/accounts/oauth/callback?error=access_denied&state=x", follow=True)
    assert "was not approved" in declined.content.decode()
    assert not PinterestAccount.objects.filter(workspace=workspace).exists()


def test_a_viewer_sees_the_account_but_no_controls(cast, login, account):
    html = login(cast.viewer).get("/app/accounts/").content.decode()
    assert account.username in html and "Disconnect" not in html and "Connect a Pinterest account" not in html


def test_an_account_needing_reconnect_says_so_with_words_and_a_button(cast, login, account):
    account_mark_reconnect_required(account, "Pinterest revoked the access.")
    html = login(cast.admin).get("/app/accounts/").content.decode()
    assert "Reconnect required" in html and "Pinterest revoked the access." in html and ">Reconnect<" in html
    assert "Accounts that need reconnecting" in login(cast.viewer).get("/app/").content.decode()


def test_refreshing_and_creating_boards(cast, login, account):
    client = login(cast.admin)
    refreshed = client.post(f"/app/accounts/{account.public_id}/boards/refresh", HTTP_HX_REQUEST="true")
    assert refreshed.status_code == 200 and "Refreshing the boards from Pinterest" in refreshed.content.decode()
    created = client.post(f"/app/accounts/{account.public_id}/boards/create",
                          {"name": "Garden chairs", "description": "", "privacy": "PUBLIC"}, HTTP_HX_REQUEST="true")
    assert "Created the board Garden chairs" in created.content.decode()
    assert Board.objects.for_account(account).filter(name="Garden chairs").exists()


def test_a_board_without_a_name_is_refused_inline(cast, login, account):
    response = login(cast.admin).post(f"/app/accounts/{account.public_id}/boards/create",
                                      {"name": "", "privacy": "PUBLIC"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422 and "This field is required" in html and "<details open>" in html


def test_disconnecting_revokes_locally(cast, login, account):
    response = login(cast.admin).post(f"/app/accounts/{account.public_id}/disconnect")
    assert response.status_code == 302 and urlsplit(response.url).path == "/app/accounts/"
    account.refresh_from_db()
    assert account.revoked_at is not None and account.access_token == ""
    html = login(cast.admin).get("/app/accounts/").content.decode()
    assert f"Disconnected {account.username}" in html and f'id="account-{account.public_id}"' not in html
