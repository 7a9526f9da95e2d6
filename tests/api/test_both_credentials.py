"""The vendor's example programs send ``x-api-key`` and a login bearer token together (the SDK
sends every credential it holds). When both are valid the logged-in user acts, so user operations
work; when either is invalid the call is a 401, whichever it is."""

import pytest
from pinbridge_sdk.errors import AuthenticationError
from pinbridge_sdk.models import APIKeyCreate, LoginRequest

from publishing.access import Actor
from publishing.services.keys import api_key_create, api_key_revoke
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def both(sdk, workspace, cast):
    """An SDK client holding an API key and the admin's login token, as the vendor's examples do."""
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="worker", scopes=["read", "write"])
    client = sdk(api_key=issued.plaintext)
    client.set_bearer_token(sdk().auth.login(LoginRequest(email=cast.admin.email, password=PASSWORD)).access_token)
    return client, issued


def test_with_both_valid_the_logged_in_user_acts(both, cast):
    client, _ = both
    assert client.auth.me().user.email == cast.admin.email
    assert client.auth.get_profile().email == cast.admin.email
    assert client.projects.list()
    created = client.api_keys.create(APIKeyCreate(name="made by the user", scopes=["read"]))
    assert created.api_key and "made by the user" in [key.name for key in client.api_keys.list()]


def test_an_invalid_key_beside_a_valid_token_is_401(both, sdk, cast):
    client, _ = both
    client.set_api_key("pb_test_000000000000_not-a-key")
    with pytest.raises(AuthenticationError) as refused:
        client.auth.me()
    assert (refused.value.status_code, refused.value.code) == (401, "invalid_api_key")


def test_a_revoked_key_beside_a_valid_token_is_401(both, workspace):
    client, issued = both
    api_key_revoke(key=issued.key, actor=Actor.system(issued.key.workspace, job="test"))
    with pytest.raises(AuthenticationError) as refused:
        client.pins.list()
    assert refused.value.status_code == 401


def test_an_invalid_token_beside_a_valid_key_is_401(both):
    client, _ = both
    client.set_bearer_token("pbt_000000000000_notarealtoken")
    with pytest.raises(AuthenticationError) as refused:
        client.pins.list()
    assert (refused.value.status_code, refused.value.code) == (401, "invalid_token")
