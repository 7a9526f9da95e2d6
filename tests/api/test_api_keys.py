"""/v1/api-keys through the SDK, and keys at work: headers, scopes, allow-lists, expiry, rotation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pinbridge_sdk.errors import AuthenticationError, NotFoundError, ValidationError
from pinbridge_sdk.models import APIKeyCreate, APIKeyUpdate

from publishing.access import Actor
from publishing.models import ApiKey
from publishing.services.keys import api_key_rotate

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_shows_the_secret_once_and_list_never_shows_it(login, cast, sdk):
    admin = login(cast.admin)
    created = admin.api_keys.create(APIKeyCreate(name="CI", scopes=["read"]))
    assert created.api_key.startswith("pb_test_") and [s.value for s in created.scopes] == ["read"]
    stored = ApiKey.objects.get(public_id=created.id)
    assert created.api_key not in (stored.secret_hash, stored.prefix) and created.api_key.startswith(stored.prefix)
    listed = admin.api_keys.list()
    assert [k.id for k in listed] == [created.id] and "api_key" not in listed[0].model_dump()
    assert sdk(api_key=created.api_key).pins.list() == []


def test_keys_work_in_x_api_key_and_as_a_bearer_and_record_their_use(login, cast, sdk):
    plaintext = login(cast.admin).api_keys.create(APIKeyCreate(name="worker")).api_key
    assert sdk(api_key=plaintext).pins.list() == [] and sdk(bearer_token=plaintext).pins.list() == []
    assert ApiKey.objects.get(name="worker").last_used_at is not None


def test_update_and_revoke(login, cast, sdk, account):
    admin = login(cast.admin)
    created = admin.api_keys.create(APIKeyCreate(name="n8n"))
    updated = admin.api_keys.update(created.id, APIKeyUpdate(name="n8n flows", scopes=["read", "destructive"],
                                                             pinterest_account_ids=[account.public_id]))
    assert updated.name == "n8n flows" and updated.pinterest_account_ids == [account.public_id]
    with pytest.raises(ValidationError):
        admin.api_keys.update(created.id, {"pinterest_account_ids": ["00000000-0000-4000-8000-000000000000"]})
    assert admin.api_keys.revoke(created.id) is None
    assert admin.api_keys.list()[0].revoked_at is not None
    with pytest.raises(AuthenticationError) as revoked:
        sdk(api_key=created.api_key).pins.list()
    assert revoked.value.status_code == 401 and revoked.value.code == "invalid_api_key"


def test_an_expired_key_stops_working(keyed):
    client = keyed()
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(AuthenticationError):
        client.pins.list()


def test_rotation_keeps_the_old_secret_valid_for_the_grace_period(login, cast, sdk):
    created = login(cast.admin).api_keys.create(APIKeyCreate(name="rotating"))
    successor = api_key_rotate(
        key=ApiKey.objects.get(public_id=created.id),
        grace=timedelta(hours=1),
        actor=Actor.system(ApiKey.objects.get(public_id=created.id).workspace, job="test"),
    )
    assert sdk(api_key=created.api_key).pins.list() == [] and sdk(api_key=successor.plaintext).pins.list() == []
    ApiKey.objects.filter(public_id=created.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(AuthenticationError):
        sdk(api_key=created.api_key).pins.list()
    assert sdk(api_key=successor.plaintext).pins.list() == []


def test_only_admins_with_a_login_manage_keys(login, cast, keyed, outsider_client):
    created = login(cast.admin).api_keys.create(APIKeyCreate(name="x"))
    with pytest.raises(AuthenticationError) as manager:
        login(cast.manager).api_keys.list()
    assert manager.value.status_code == 403
    with pytest.raises(AuthenticationError) as key:
        keyed().api_keys.create(APIKeyCreate(name="a key minting keys"))
    assert key.value.code == "user_required"
    assert outsider_client.api_keys.list() == []
    with pytest.raises(NotFoundError):
        outsider_client.api_keys.revoke(created.id)
