"""/v1/webhooks through the SDK: the secret goes in and never comes out."""

import pytest
from pinbridge_sdk.errors import AuthenticationError, NotFoundError, ValidationError
from pinbridge_sdk.models import WebhookCreate, WebhookUpdate

from publishing.models import Webhook
from tests.api.conftest import http

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec-0123456789abcdef"


def test_create_list_get_update_and_delete(client, server):
    created = client.webhooks.create(WebhookCreate(url="https://hooks.example.com/pins", secret=SECRET))
    assert created.events == ["pin.published", "pin.failed"] and created.is_enabled
    assert Webhook.objects.get(public_id=created.id).secret == SECRET
    assert [w.id for w in client.webhooks.list()] == [created.id]
    updated = client.webhooks.update(created.id, WebhookUpdate(is_enabled=False, events=["pin.failed"]))
    assert not updated.is_enabled and updated.events == ["pin.failed"] and client.webhooks.get(created.id).url
    raw = http(server, "GET", f"/v1/webhooks/{created.id}", headers={"x-api-key": ""} | _auth_headers(client))
    assert SECRET not in raw.text and "secret" not in raw.json()
    assert client.webhooks.delete(created.id) is None
    with pytest.raises(NotFoundError):
        client.webhooks.get(created.id)


def _auth_headers(client) -> dict:
    return {key: value for key, value in client._core.auth_headers().items()}


def test_bad_urls_and_events_are_refused_naming_the_field(client):
    with pytest.raises(ValidationError) as events:
        client.webhooks.create(WebhookCreate(url="https://hooks.example.com/x", secret=SECRET, events=["pin.eaten"]))
    assert events.value.details["error"]["errors"][0]["field"] == "events"


def test_denials(login, cast, keyed, outsider_client):
    webhook = keyed().webhooks.create(WebhookCreate(url="https://hooks.example.com/pins", secret=SECRET))
    with pytest.raises(AuthenticationError) as editor:
        login(cast.editor).webhooks.create(WebhookCreate(url="https://hooks.example.com/x", secret=SECRET))
    assert editor.value.status_code == 403
    with pytest.raises(AuthenticationError) as scope:
        keyed(scopes=["read", "write"]).webhooks.delete(webhook.id)
    assert scope.value.code == "insufficient_scope"
    with pytest.raises(NotFoundError):
        outsider_client.webhooks.get(webhook.id)
    assert outsider_client.webhooks.list() == [] and login(cast.viewer).webhooks.list()
