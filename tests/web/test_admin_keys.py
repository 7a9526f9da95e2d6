"""The Django admin panel: admins rotate (new secret shown once, old one valid for the grace
period) and revoke API keys through the same services as the dashboard."""

import re

import pytest

from publishing.access import Actor
from publishing.models import ApiKey, AuditEvent
from publishing.services.keys import api_key_authenticate, api_key_create

CHANGELIST = "/admin/publishing/apikey/"


@pytest.fixture
def operator(cast):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    return cast.admin


def test_rotation_asks_for_a_grace_period_then_shows_each_new_secret_once(client, operator, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client.force_login(operator)
    ask = client.post(CHANGELIST, {"action": "rotate_keys", "_selected_action": [issued.key.pk]})
    assert ask.status_code == 200 and "Keep the old keys working for" in ask.content.decode()
    done = client.post(CHANGELIST, {"action": "rotate_keys", "_selected_action": [issued.key.pk],
                                    "grace_0": "30", "grace_1": "minutes"})
    html = done.content.decode()
    new_secret = re.search(r'class="new-secret" type="text" readonly size="70" value="([^"]+)"', html)[1]
    assert "no-store" in done["Cache-Control"]
    assert api_key_authenticate(plaintext=new_secret).name == "Worker"
    assert api_key_authenticate(plaintext=issued.plaintext) is not None  # the grace period
    assert new_secret not in client.get(CHANGELIST).content.decode()
    assert AuditEvent.objects.filter(
        action="api_key.rotated", actor_label=f"system (site admin {operator.email})"
    ).exists()


def test_rotating_with_a_bad_grace_period_asks_again(client, operator, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client.force_login(operator)
    response = client.post(CHANGELIST, {"action": "rotate_keys", "_selected_action": [issued.key.pk],
                                        "grace_0": "-5", "grace_1": "hours"})
    assert "Keep the old keys working for" in response.content.decode() and ApiKey.objects.count() == 1


def test_an_already_rotated_key_is_reported_not_rotated_twice(client, operator, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client.force_login(operator)
    form = {"action": "rotate_keys", "_selected_action": [issued.key.pk], "grace_0": "1", "grace_1": "hours"}
    client.post(CHANGELIST, form)
    again = client.post(CHANGELIST, form).content.decode()
    assert "Not rotated" in again and "already rotated" in again and ApiKey.objects.count() == 2


def test_revoking_from_the_admin_stops_the_key(client, operator, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client.force_login(operator)
    response = client.post(CHANGELIST, {"action": "revoke_keys", "_selected_action": [issued.key.pk]}, follow=True)
    assert "Revoked 1 key(s)." in response.content.decode()
    assert api_key_authenticate(plaintext=issued.plaintext) is None


def test_keys_cannot_be_added_or_deleted_as_rows_and_hashes_stay_hidden(client, operator, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client.force_login(operator)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    detail = client.get(f"{CHANGELIST}{issued.key.pk}/change/").content.decode()
    assert issued.key.secret_hash not in detail and issued.key.prefix in detail


@pytest.mark.parametrize("action", ["rotate_keys", "revoke_keys"])
def test_staff_who_may_only_view_keys_can_neither_rotate_nor_revoke(client, cast, workspace, action):
    from django.contrib.auth.models import Permission

    viewer = cast.viewer
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_apikey"))
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client.force_login(viewer)
    assert client.get(CHANGELIST).status_code == 200  # the list is theirs to see
    response = client.post(CHANGELIST, {"action": action, "_selected_action": [issued.key.pk],
                                        "grace_0": "1", "grace_1": "hours"})
    assert "Keep the old keys working for" not in response.content.decode()
    assert ApiKey.objects.count() == 1
    assert api_key_authenticate(plaintext=issued.plaintext).name == "Worker"
