"""/v1/auth through the SDK: login, identity, profile, passwords; throttling and refusals."""

import re

import pytest
from django.core import mail
from pinbridge_sdk.errors import AuthenticationError, NotFoundError, RateLimitError, ValidationError
from pinbridge_sdk.models import (
    ChangePasswordRequest,
    ForgotPasswordRequest,
    LoginRequest,
    ProfileUpdateRequest,
    RegisterRequest,
    ResetPasswordRequest,
)

from publishing.models import AccessToken
from tests.api.conftest import http
from tests.api.test_password_reset_request import run_queued_resets
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_returns_a_bearer_token_and_the_full_session(sdk, cast):
    auth = sdk().auth.login(LoginRequest(email=cast.editor.email, password=PASSWORD))
    assert auth.token_type == "bearer" and 0 < auth.expires_in <= 3600
    assert auth.user.email == cast.editor.email and auth.organization.name == "Acme"
    assert auth.organization_role == "editor" and auth.permissions.can_publish
    assert not auth.permissions.can_manage_api_keys
    assert auth.active_project.id == auth.workspace.id and auth.active_project.environment.value == "sandbox"
    assert [p.id for p in auth.projects] == [auth.workspace.id]
    stored = AccessToken.objects.get(user=cast.editor)
    assert auth.access_token not in (stored.token_hash, stored.prefix)  # only a hash is kept


def test_login_with_a_wrong_password_is_401_and_does_not_say_whether_the_email_exists(sdk, cast):
    with pytest.raises(AuthenticationError) as wrong_password:
        sdk().auth.login(LoginRequest(email=cast.editor.email, password="not-the-password"))
    with pytest.raises(AuthenticationError) as unknown_email:
        sdk().auth.login(LoginRequest(email="nobody@acme.test", password="not-the-password"))
    assert wrong_password.value.status_code == unknown_email.value.status_code == 401
    assert wrong_password.value.message == unknown_email.value.message == "Incorrect email or password."
    assert wrong_password.value.code == "invalid_credentials"


def test_repeated_failed_logins_are_throttled_with_retry_after(sdk, cast, settings):
    client = sdk()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        with pytest.raises(AuthenticationError):
            client.auth.login(LoginRequest(email=cast.editor.email, password="guessing-again"))
    with pytest.raises(RateLimitError):  # the failure that reaches the limit
        client.auth.login(LoginRequest(email=cast.editor.email, password="guessing-again"))
    with pytest.raises(RateLimitError) as throttled:  # even the right password waits now
        client.auth.login(LoginRequest(email=cast.editor.email, password=PASSWORD))
    assert throttled.value.code == "login_throttled"
    assert int(throttled.value.response.headers["Retry-After"]) > 0


def test_me_and_profile_describe_the_logged_in_user(login, cast):
    client = login(cast.manager)
    me = client.auth.me()
    assert me.user.id == cast.manager.public_id and me.organization_role == "manager"
    assert me.permissions.can_delete_content and not me.permissions.can_manage_members
    profile = client.auth.get_profile()
    assert profile.email == cast.manager.email and profile.workspace_name == "Sandbox"


def test_profile_update_changes_the_name_and_refuses_billing_fields(login, cast):
    client = login(cast.editor)
    assert client.auth.update_profile(ProfileUpdateRequest(full_name="Eddie Example")).full_name == "Eddie Example"
    with pytest.raises(ValidationError) as refused:
        client.auth.update_profile(ProfileUpdateRequest(tax_id="FR123"))
    assert refused.value.code == "field_not_supported"
    with pytest.raises(AuthenticationError) as not_admin:
        client.auth.update_profile(ProfileUpdateRequest(workspace_name="Renamed"))
    assert not_admin.value.status_code == 403


def test_change_password_needs_the_current_one_and_logs_out_other_sessions(login, sdk, cast):
    first, second = login(cast.editor), login(cast.editor)
    with pytest.raises(ValidationError) as wrong:
        first.auth.change_password(ChangePasswordRequest(current_password="not-the-password",
                                                         new_password="a-much-better-password"))
    assert wrong.value.code == "invalid_password"
    first.auth.change_password(ChangePasswordRequest(current_password=PASSWORD, new_password="a-much-better-password"))
    assert first.auth.me().user.email == cast.editor.email  # the session that changed it stays
    with pytest.raises(AuthenticationError):
        second.auth.me()
    assert sdk().auth.login(LoginRequest(email=cast.editor.email, password="a-much-better-password")).access_token


def test_forgot_and_reset_password_by_emailed_single_use_token(sdk, cast):
    client = sdk()
    answer = client.auth.forgot_password(ForgotPasswordRequest(email=cast.viewer.email))
    same = client.auth.forgot_password(ForgotPasswordRequest(email="nobody@acme.test"))
    run_queued_resets()  # the email goes out from the queue (tests/api/test_password_reset_request.py)
    assert answer.message == same.message and len(mail.outbox) == 1
    token = re.search(r"^([0-9a-f]{32}\.\S+)$", mail.outbox[0].body, re.MULTILINE).group(1)
    client.auth.reset_password(ResetPasswordRequest(token=token, password="brand-new-password-1"))
    assert client.auth.login(LoginRequest(email=cast.viewer.email, password="brand-new-password-1")).access_token
    with pytest.raises(ValidationError) as reused:
        client.auth.reset_password(ResetPasswordRequest(token=token, password="another-password-2"))
    assert reused.value.code == "invalid_token"


def test_open_registration_is_refused_clearly(sdk):
    with pytest.raises(AuthenticationError) as refused:
        sdk().auth.register(RegisterRequest(full_name="New Person", email="new@example.com", password="password-123"))
    assert refused.value.status_code == 403 and refused.value.code == "registration_closed"


def test_email_verification_is_already_done_and_email_change_is_not_available(login, cast):
    client = login(cast.editor)
    assert "already verified" in client.auth.request_email_verification().message
    with pytest.raises(NotFoundError) as unavailable:
        client.auth.verify_email("a" * 30)
    assert unavailable.value.code == "not_available"


def test_user_endpoints_refuse_api_keys(keyed):
    with pytest.raises(AuthenticationError) as refused:
        keyed().auth.me()
    assert refused.value.status_code == 403 and refused.value.code == "user_required"


def test_missing_and_bad_credentials_are_401(server, sdk):
    with pytest.raises(AuthenticationError) as missing:
        sdk().auth.me()
    assert missing.value.status_code == 401 and missing.value.code == "not_authenticated"
    with pytest.raises(AuthenticationError) as bad_token:
        sdk(bearer_token="pbt_000000000000_notarealtoken").auth.me()
    assert bad_token.value.code == "invalid_token"
    response = http(server, "GET", "/v1/pins", headers={"Authorization": "Bearer pb_live_000000000000_wrong"})
    assert response.status_code == 401 and response.json()["detail"]["code"] == "invalid_api_key"


def test_session_cookie_auth_works_for_the_dashboards_htmx_calls(server, cast):
    import httpx

    with httpx.Client(base_url=server, follow_redirects=True) as browser:
        page = browser.get("/accounts/login/")
        token = page.cookies["csrftoken"]
        browser.post("/accounts/login/", data={"username": cast.admin.email, "password": PASSWORD,
                                                "csrfmiddlewaretoken": token}, headers={"Referer": server})
        assert browser.get("/v1/auth/me").json()["user"]["email"] == cast.admin.email
        refused = browser.post("/v1/api-keys", json={"name": "no csrf"})
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "csrf_failed"
        created = browser.post("/v1/api-keys", json={"name": "with csrf"},
                               headers={"X-CSRFToken": browser.cookies["csrftoken"], "Referer": server})
        assert created.status_code == 201
