"""The OAuth code flow: the authorize page (as a program drives it), the token endpoint's two
grants, single-use expiring codes and refresh-token rotation."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from pinterest_sandbox import faults
from pinterest_sandbox.models import AccessToken, Board, SandboxUser
from pinterest_sandbox.seed import sandbox_user_create
from tests.pinterest_contract import assert_contract

REDIRECT_URI = "http://127.0.0.1:9/app/pinterest/callback?keep=1"
SCOPES = "boards:read,boards:write,pins:read,pins:write,user_accounts:read"


@pytest.fixture(autouse=True)
def registered_redirect_uri(settings):
    """The sandbox redirects only to the app's registered URIs (tests/sandbox/test_oauth_redirects.py)."""
    settings.SANDBOX_PINTEREST_REDIRECT_URIS = [REDIRECT_URI.split("?")[0]]


def authorize_params(**overrides) -> dict:
    return {
        "client_id": settings.SANDBOX_PINTEREST_APP_ID,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPES,
        "state": "st-123",
        **overrides,
    }


def csrf_token(page: httpx.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def authorize(
    sandbox_url: str,
    decision: str = "approve",
    username: str = "",
    http: httpx.Client | None = None,
    **overrides,
) -> httpx.Response:
    """GET the page, then POST the decision with the page's CSRF token, as the demo command does."""
    http = http or httpx.Client()
    page = http.get(f"{sandbox_url}/oauth/", params=authorize_params(**overrides))
    assert page.status_code == 200, page.text
    form = {
        **authorize_params(**overrides),
        "csrfmiddlewaretoken": csrf_token(page),
        "decision": decision,
        "username": username,
    }
    return http.post(f"{sandbox_url}/oauth/", data=form, headers={"Referer": str(page.url)})


def redirected_query(response: httpx.Response) -> dict:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert location._replace(query="").geturl() == REDIRECT_URI.split("?")[0]
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def token_call(sandbox_url: str, auth=None, **form) -> httpx.Response:
    auth = auth or (settings.SANDBOX_PINTEREST_APP_ID, settings.SANDBOX_PINTEREST_APP_SECRET)
    return httpx.post(f"{sandbox_url}/v5/oauth/token", data=form, auth=auth)


def exchange(sandbox_url: str, code: str, redirect_uri: str = REDIRECT_URI) -> httpx.Response:
    return token_call(sandbox_url, grant_type="authorization_code", code=code, redirect_uri=redirect_uri)


def new_code(sandbox_url: str, **kwargs) -> str:
    return redirected_query(authorize(sandbox_url, **kwargs))["code"]


# --- The authorize page -----------------------------------------------------------------------


def test_the_page_names_the_app_and_each_requested_scope(sandbox_url):
    page = httpx.get(f"{sandbox_url}/oauth/", params=authorize_params())
    assert page.status_code == 200
    assert settings.SANDBOX_PINTEREST_APP_ID in page.text
    assert "See your public boards, including group boards you join" in page.text
    assert "Create, update, or delete your public Pins" in page.text
    assert 'value="approve"' in page.text and 'value="deny"' in page.text


def test_approving_redirects_with_a_code_and_the_state_keeping_the_uris_own_query(sandbox_url):
    query = redirected_query(authorize(sandbox_url))
    assert query["state"] == "st-123"
    assert query["keep"] == "1"
    assert len(query["code"]) > 20


def test_a_blank_username_creates_a_new_sandbox_account_with_three_boards(sandbox_url):
    new_code(sandbox_url)
    user = SandboxUser.objects.get()
    assert Board.objects.filter(owner=user).count() == 3


def test_a_new_username_creates_that_account(sandbox_url):
    new_code(sandbox_url, username="acme_demo")
    assert SandboxUser.objects.filter(username="acme_demo").exists()


def test_denying_redirects_with_access_denied_and_the_state(sandbox_url):
    query = redirected_query(authorize(sandbox_url, decision="deny"))
    assert query == {"keep": "1", "error": "access_denied", "state": "st-123"}
    assert not SandboxUser.objects.exists()


def test_an_unknown_client_id_gets_a_clear_page_and_no_redirect(sandbox_url):
    page = httpx.get(f"{sandbox_url}/oauth/", params=authorize_params(client_id="999"))
    assert page.status_code == 400
    assert "No app with client_id" in page.text and "999" in page.text


def test_a_redirect_uri_that_is_not_absolute_http_is_refused_on_the_page(sandbox_url, subtests):
    for redirect_uri in ["ftp://example.com/cb", "javascript:alert(1)", "/relative", ""]:
        with subtests.test(redirect_uri=redirect_uri):
            page = httpx.get(f"{sandbox_url}/oauth/", params=authorize_params(redirect_uri=redirect_uri))
            assert page.status_code == 400
            assert "redirect_uri must be an absolute http(s) URL" in page.text


def test_unknown_scopes_and_response_types_go_back_to_the_app_as_oauth_errors(sandbox_url):
    bad_scope = httpx.get(f"{sandbox_url}/oauth/", params=authorize_params(scope="boards:read,everything"))
    assert redirected_query(bad_scope)["error"] == "invalid_scope"
    bad_type = httpx.get(f"{sandbox_url}/oauth/", params=authorize_params(response_type="token"))
    assert redirected_query(bad_type)["error"] == "unsupported_response_type"


def test_a_post_without_a_decision_changes_nothing(sandbox_url):
    response = authorize(sandbox_url, decision="")
    assert response.status_code == 400
    assert "Choose" in response.text
    assert not SandboxUser.objects.exists()


def test_posting_without_the_csrf_token_is_refused(sandbox_url):
    response = httpx.post(f"{sandbox_url}/oauth/", data={**authorize_params(), "decision": "approve"})
    assert response.status_code == 403
    assert not SandboxUser.objects.exists()


def test_a_malformed_username_is_an_inline_form_error(sandbox_url):
    response = authorize(sandbox_url, username="no spaces!")
    assert response.status_code == 400
    assert "3 to 30 letters, digits or underscores" in response.text


def test_someone_elses_existing_username_cannot_be_taken_over(sandbox_url):
    sandbox_user_create(username="taken_name", boards=0)
    response = authorize(sandbox_url, username="taken_name")
    assert response.status_code == 400
    assert "That sandbox username is taken" in response.text


def test_the_pinboard_login_that_created_a_username_may_act_as_it_again(sandbox_url, client):
    login = get_user_model().objects.create_user(email="pat@acme.test", password="pw-12345-long")
    client.force_login(login)
    http = httpx.Client(
        cookies={settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    )
    new_code(sandbox_url, username="pats_account", http=http)
    assert SandboxUser.objects.get(username="pats_account").created_by_user_id == login.pk
    second = authorize(sandbox_url, username="pats_account", http=http)
    assert "code" in redirected_query(second)
    assert SandboxUser.objects.count() == 1


# --- POST /v5/oauth/token: authorization_code -------------------------------------------------


def test_a_code_buys_an_access_and_a_refresh_token_that_work(sandbox_url):
    response = assert_contract(exchange(sandbox_url, new_code(sandbox_url)))
    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("pina_") and body["refresh_token"].startswith("pinr_")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 2592000
    assert body["refresh_token_expires_in"] == 5184000
    assert body["scope"] == SCOPES
    assert body["response_type"] == "authorization_code"
    me = httpx.get(
        f"{sandbox_url}/v5/user_account", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == SandboxUser.objects.get().username


def test_tokens_are_stored_only_as_hashes(sandbox_url):
    body = exchange(sandbox_url, new_code(sandbox_url)).json()
    stored = AccessToken.objects.get()
    assert body["access_token"] not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_a_code_works_once_and_replaying_it_revokes_what_it_bought(sandbox_url):
    code = new_code(sandbox_url)
    first = exchange(sandbox_url, code).json()
    replay = assert_contract(exchange(sandbox_url, code))
    assert (replay.status_code, replay.json()) == (401, {"code": 2, "message": "Authentication failed."})
    me = httpx.get(
        f"{sandbox_url}/v5/user_account", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert me.status_code == 401


def test_a_code_expires_after_ten_minutes_of_sandbox_time(sandbox_url):
    code = new_code(sandbox_url)
    faults.advance_clock(10 * 60 + 1)
    assert exchange(sandbox_url, code).status_code == 401


def test_the_redirect_uri_must_be_the_one_the_code_was_issued_for(sandbox_url):
    code = new_code(sandbox_url)
    assert exchange(sandbox_url, code, redirect_uri="http://127.0.0.1:9/other").status_code == 401
    assert exchange(sandbox_url, code).status_code == 200


def test_bad_client_credentials_are_401_code_2(sandbox_url, subtests):
    for auth in [("1000000001", "wrong-secret"), ("42", "x")]:
        with subtests.test(client_id=auth[0]):
            response = token_call(
                sandbox_url, auth=auth, grant_type="authorization_code", code="x", redirect_uri=REDIRECT_URI
            )
            assert_contract(response)
            assert (response.status_code, response.json()["code"]) == (401, 2)


def test_missing_basic_auth_is_401(sandbox_url):
    response = httpx.post(
        f"{sandbox_url}/v5/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x"}
    )
    assert (response.status_code, response.json()["code"]) == (401, 2)


BAD_TOKEN_REQUESTS = [
    ({"grant_type": "password"}, "grant_type"),
    ({"grant_type": "authorization_code", "redirect_uri": REDIRECT_URI}, "code"),
    ({"grant_type": "authorization_code", "code": "abc"}, "redirect_uri"),
    ({"grant_type": "refresh_token"}, "refresh_token"),
]


def test_bad_token_requests_are_400_code_1_naming_the_field(sandbox_url, subtests):
    for form, field in BAD_TOKEN_REQUESTS:
        with subtests.test(field=field):
            response = assert_contract(token_call(sandbox_url, **form), request=False)
            assert (response.status_code, response.json()["code"]) == (400, 1)
            assert field in response.json()["message"]


def test_a_json_body_is_refused_at_the_token_endpoint(sandbox_url):
    response = httpx.post(
        f"{sandbox_url}/v5/oauth/token",
        json={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(settings.SANDBOX_PINTEREST_APP_ID, settings.SANDBOX_PINTEREST_APP_SECRET),
    )
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.json()["message"]


def test_nul_bytes_in_the_form_are_400(sandbox_url):
    response = token_call(sandbox_url, grant_type="refresh_token", refresh_token="pinr_\x00")
    assert (response.status_code, response.json()["code"]) == (400, 1)


# --- POST /v5/oauth/token: refresh_token ------------------------------------------------------


@pytest.fixture
def granted(sandbox_url) -> dict:
    return exchange(sandbox_url, new_code(sandbox_url)).json()


def refresh(sandbox_url, refresh_token, **extra) -> httpx.Response:
    return assert_contract(
        token_call(sandbox_url, grant_type="refresh_token", refresh_token=refresh_token, **extra)
    )


def test_a_plain_refresh_returns_a_new_access_token_and_the_same_refresh_token(sandbox_url, granted):
    response = refresh(sandbox_url, granted["refresh_token"])
    body = response.json()
    assert response.status_code == 200
    assert body["response_type"] == "refresh_token"
    assert body["access_token"] != granted["access_token"]
    assert body["refresh_token"] == granted["refresh_token"]
    assert body["refresh_token_expires_at"] == granted["refresh_token_expires_at"]
    assert refresh(sandbox_url, granted["refresh_token"]).status_code == 200


def test_continuous_refresh_rotates_the_refresh_token_and_retires_the_old_one(sandbox_url, granted):
    faults.advance_clock(24 * 3600)
    body = refresh(sandbox_url, granted["refresh_token"], continuous_refresh="true").json()
    assert body["refresh_token"] != granted["refresh_token"]
    assert body["refresh_token_expires_in"] == 5184000
    # 60 fresh days from the refresh, a day later than the first (give or take the test's own seconds)
    assert 0 <= body["refresh_token_expires_at"] - (granted["refresh_token_expires_at"] + 24 * 3600) <= 5
    assert refresh(sandbox_url, granted["refresh_token"]).status_code == 401
    assert refresh(sandbox_url, body["refresh_token"], continuous_refresh="true").status_code == 200


def test_rotated_refresh_tokens_can_be_configured_to_stay_valid(sandbox_url, granted, settings):
    settings.SANDBOX_ROTATED_REFRESH_TOKEN_STAYS_VALID = True
    refresh(sandbox_url, granted["refresh_token"], continuous_refresh="true")
    assert refresh(sandbox_url, granted["refresh_token"]).status_code == 200


def test_the_new_access_token_works_and_the_old_one_keeps_working_until_it_expires(sandbox_url, granted):
    body = refresh(sandbox_url, granted["refresh_token"], continuous_refresh="true").json()
    for token in (granted["access_token"], body["access_token"]):
        assert (
            httpx.get(f"{sandbox_url}/v5/boards", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )


def test_a_refresh_token_expires_after_sixty_days(sandbox_url, granted):
    faults.advance_clock(60 * 24 * 3600 + 1)
    response = refresh(sandbox_url, granted["refresh_token"])
    assert response.json() == {"code": 2, "message": "Authentication failed."}


def test_an_injected_expired_refresh_token_is_refused(sandbox_url, granted):
    assert faults.expire_refresh_token(granted["refresh_token"]) == 1
    assert refresh(sandbox_url, granted["refresh_token"]).status_code == 401


def test_a_refresh_may_narrow_the_scopes_but_not_widen_them(sandbox_url, granted):
    narrow = refresh(sandbox_url, granted["refresh_token"], scope="boards:read")
    assert narrow.json()["scope"] == "boards:read"
    headers = {"Authorization": f"Bearer {narrow.json()['access_token']}"}
    assert httpx.get(f"{sandbox_url}/v5/user_account", headers=headers).status_code == 401
    wide = refresh(sandbox_url, granted["refresh_token"], scope="ads:write")
    assert (wide.status_code, wide.json()["code"]) == (400, 1)
