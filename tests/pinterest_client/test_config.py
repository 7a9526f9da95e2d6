"""Sandbox workspaces talk to the built-in sandbox, production ones to Pinterest."""

import pytest

from publishing.pinterest import PinterestClient, PinterestOAuth, pinterest_endpoints


def test_sandbox_endpoints_come_from_the_sandbox_settings(settings):
    endpoints = pinterest_endpoints("sandbox")

    assert endpoints.api_base == settings.SANDBOX_PINTEREST_API_BASE
    assert endpoints.authorize_url == settings.SANDBOX_PINTEREST_AUTHORIZE_URL
    assert (endpoints.app_id, endpoints.app_secret) == (
        settings.SANDBOX_PINTEREST_APP_ID,
        settings.SANDBOX_PINTEREST_APP_SECRET,
    )


def test_production_endpoints_come_from_the_pinterest_settings(settings):
    settings.PINTEREST_API_BASE = "https://api.pinterest.com/v5/"
    settings.PINTEREST_APP_ID = "1234"
    settings.PINTEREST_APP_SECRET = "app-secret-value"

    endpoints = pinterest_endpoints("production")

    assert endpoints.api_base == "https://api.pinterest.com/v5"
    assert endpoints.authorize_url == settings.PINTEREST_OAUTH_AUTHORIZE_URL
    assert (endpoints.app_id, endpoints.app_secret) == ("1234", "app-secret-value")
    assert "app-secret-value" not in repr(endpoints)


def test_an_unknown_environment_is_refused():
    with pytest.raises(ValueError, match="staging"):
        pinterest_endpoints("staging")


def test_clients_for_an_environment_use_its_base_and_the_configured_timeout(settings):
    settings.PINTEREST_TIMEOUT_SECONDS = 7.0
    with PinterestClient.for_environment("sandbox", "pina_secret_token") as client:
        assert str(client._http.base_url) == settings.SANDBOX_PINTEREST_API_BASE + "/"
        assert client._http.timeout.read == 7.0
        assert "pina_secret_token" not in repr(client)
    with PinterestOAuth.for_environment("production") as oauth:
        assert str(oauth._http.base_url) == settings.PINTEREST_API_BASE + "/"
