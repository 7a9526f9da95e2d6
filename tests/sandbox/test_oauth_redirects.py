"""The sandbox's authorize page redirects only to the app's registered redirect URIs (an error
page otherwise, even for errors), and the sandbox is served only where it is enabled."""

from urllib.parse import urlsplit

import httpx
import pytest
from django.conf import settings

from publishing.access import Actor
from publishing.models import Workspace
from publishing.services.errors import DomainError
from publishing.services.pinterest_accounts import account_oauth_start

pytestmark = pytest.mark.django_db(transaction=True)

ELSEWHERE = "https://evil.example.com/landing"


def params(redirect_uri: str, **overrides) -> dict:
    return {"client_id": settings.SANDBOX_PINTEREST_APP_ID, "redirect_uri": redirect_uri, "response_type": "code",
            "scope": "boards:read,pins:read", "state": "st-1", **overrides}


@pytest.mark.parametrize("overrides", [{}, {"response_type": "token"}, {"scope": "no:such"}, {"scope": ""}],
                         ids=["approve page", "unsupported response type", "unknown scope", "no scope"])
def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(live_server, overrides):
    answer = httpx.get(f"{live_server.url}/sandbox/pinterest/oauth/", params=params(ELSEWHERE, **overrides))
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "not one the app registered" in answer.text


def test_a_registered_callback_gets_its_error_redirect(live_server, settings):
    settings.SITE_URL = live_server.url
    callback = f"{live_server.url}/app/accounts/oauth/callback"
    answer = httpx.get(f"{live_server.url}/sandbox/pinterest/oauth/", params=params(callback, response_type="token"))
    assert answer.status_code == 302
    assert urlsplit(answer.headers["location"])._replace(query="").geturl() == callback
    assert "error=unsupported_response_type" in answer.headers["location"]


def test_another_host_or_path_on_a_registered_origin_is_refused(live_server, settings):
    settings.SITE_URL = live_server.url
    for uri in (
        f"{live_server.url}/app/accounts/oauth/callback/../../../admin/",
        f"{live_server.url}/app/elsewhere",
        urlsplit(live_server.url)._replace(netloc="other.example.com").geturl() + "/app/accounts/oauth/callback",
        live_server.url.replace("http://", "https://") + "/app/accounts/oauth/callback",
    ):
        answer = httpx.get(f"{live_server.url}/sandbox/pinterest/oauth/", params=params(uri, response_type="token"))
        assert answer.status_code == 400 and "location" not in answer.headers, uri


@pytest.mark.parametrize("path", ["oauth/", "v5/user_account", "v5/boards", "control/", "media-upload/"])
def test_with_the_sandbox_disabled_its_pages_are_404(live_server, settings, path):
    settings.SANDBOX_ENABLED = False
    assert httpx.get(f"{live_server.url}/sandbox/pinterest/{path}").status_code == 404
    settings.SANDBOX_ENABLED = True
    assert httpx.get(f"{live_server.url}/sandbox/pinterest/{path}").status_code != 404


def test_with_the_sandbox_disabled_sandbox_workspaces_cannot_connect(cast, settings):
    settings.SANDBOX_ENABLED = False
    sandbox = cast.team.workspaces.get(environment=Workspace.Environment.SANDBOX)
    with pytest.raises(DomainError) as refused:
        account_oauth_start(actor=Actor.for_user(cast.admin, sandbox))
    assert refused.value.code == "sandbox_disabled"
    settings.SANDBOX_ENABLED = True
    assert account_oauth_start(actor=Actor.for_user(cast.admin, sandbox))
