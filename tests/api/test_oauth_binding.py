"""A Pinterest connection started through the API belongs to whoever started it. A link sent to
(or followed by) someone else cannot connect their Pinterest account to the starter's workspace:
the callback completes only with the starting API key or user, and a refused attempt does not
spend the state."""

import httpx
import pytest
from pinbridge_sdk.errors import APIError, AuthenticationError

from publishing.management.sandbox_connect import sandbox_authorize
from publishing.models import PinterestAccount

pytestmark = pytest.mark.django_db(transaction=True)


def approved(start) -> tuple[str, str]:
    """The victim's (or anyone's) browser approving the app on the sandbox's page."""
    with httpx.Client(follow_redirects=False, timeout=20) as browser:
        return sandbox_authorize(str(start.authorization_url), http=browser)


def test_a_key_started_connection_completes_only_with_that_key(keyed, sdk, login, cast, server):
    starter = keyed(scopes=["read", "write"])
    code, state = approved(starter.pinterest.start_oauth())

    # Whoever follows the link without the key: a browser, another key, an admin of the team.
    with pytest.raises(AuthenticationError) as anonymous:
        sdk().pinterest.oauth_callback(code=code, state=state)
    assert anonymous.value.status_code == 401
    assert httpx.get(f"{server}/v1/pinterest/oauth/callback", params={"code": code, "state": state}).status_code == 401
    for other in (keyed(scopes=["read", "write"]), login(cast.admin)):
        with pytest.raises(APIError) as refused:
            other.pinterest.oauth_callback(code=code, state=state)
        assert refused.value.code == "oauth_state_invalid"
    assert not PinterestAccount.objects.exists()

    callback = starter.pinterest.oauth_callback(code=code, state=state)
    assert callback.status == "connected" and PinterestAccount.objects.count() == 1


def test_a_user_started_connection_completes_only_for_that_user(login, keyed, cast):
    starter = login(cast.admin)
    code, state = approved(starter.pinterest.start_oauth())
    for other in (keyed(scopes=["read", "write"]), login(cast.manager)):
        with pytest.raises(APIError) as refused:
            other.pinterest.oauth_callback(code=code, state=state)
        assert refused.value.code == "oauth_state_invalid"
    assert starter.pinterest.oauth_callback(code=code, state=state).status == "connected"
