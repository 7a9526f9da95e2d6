"""API keys in the dashboard: the secret shown once with a copy button, scopes and allow-list,
revoke, and rotation with a grace period during which the old secret still works."""

import re
from datetime import timedelta

from django.utils import timezone

from publishing.access import Actor
from publishing.models import ApiKey
from publishing.services.keys import api_key_authenticate, api_key_create
from tests.web.helpers import queries_to_render

SECRET = re.compile(r'id="issued-secret" class="secret" type="text" readonly value="([^"]+)"')


def create(client, **fields):
    data = {"name": "Shop sync", "scopes": ["read", "write"], "expires_on": ""}
    data.update(fields)
    return client.post("/app/api-keys/create", data, HTTP_HX_REQUEST="true")


def test_a_new_key_is_shown_once_with_a_copy_button_and_works(cast, login, workspace):
    client = login(cast.admin)
    response = create(client)
    html = response.content.decode()
    plaintext = SECRET.search(html)[1]
    assert plaintext.startswith("pb_test_") and 'data-copy-target="#issued-secret"' in html
    assert "no-store" in response["Cache-Control"]
    assert api_key_authenticate(plaintext=plaintext).name == "Shop sync"
    assert plaintext not in client.get("/app/api-keys/").content.decode()
    assert ApiKey.objects.get().secret_hash != plaintext


def test_scopes_and_an_allow_list(cast, login, offline_account):
    client = login(cast.admin)
    create(client, scopes=["read"], restrict_accounts="on", accounts=[str(offline_account.public_id)])
    key = ApiKey.objects.get()
    assert key.scopes == ["read"] and key.restricts_accounts and list(key.allowed_accounts.all()) == [offline_account]
    assert "acme_offline" in client.get("/app/api-keys/").content.decode()


def test_bad_key_input_is_explained_inline(cast, login):
    client = login(cast.admin)
    response = create(client, name="", scopes=[], restrict_accounts="on", expires_on="2001-01-01")
    html = response.content.decode()
    assert response.status_code == 422 and "This field is required" in html
    assert "Choose at least one account" in html and "Choose a day in the future" in html
    assert create(client, name="nul\x00name").status_code == 422
    assert not ApiKey.objects.exists()


def test_revoking_stops_the_key_at_once(cast, login, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Old worker")
    html = (
        login(cast.admin).post(f"/app/api-keys/{issued.key.public_id}/revoke", HTTP_HX_REQUEST="true").content.decode()
    )
    assert "Revoked" in html
    assert api_key_authenticate(plaintext=issued.plaintext) is None


def test_rotating_keeps_the_old_key_working_for_the_grace_period(cast, login, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker", scopes=["read"])
    response = login(cast.admin).post(
        f"/app/api-keys/{issued.key.public_id}/rotate", {"grace_0": "2", "grace_1": "hours"}, HTTP_HX_REQUEST="true"
    )
    successor = SECRET.search(response.content.decode())[1]
    assert "no-store" in response["Cache-Control"]
    old = ApiKey.objects.get(pk=issued.key.pk)
    assert api_key_authenticate(plaintext=issued.plaintext) == old  # still valid during the grace period
    assert api_key_authenticate(plaintext=successor).scopes == ["read"]
    assert abs(old.expires_at - (timezone.now() + timedelta(hours=2))) < timedelta(minutes=1)
    assert "Rotated, still valid until" in response.content.decode()


def test_rotating_with_no_grace_stops_the_old_key_now(cast, login, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Leaked")
    login(cast.admin).post(f"/app/api-keys/{issued.key.public_id}/rotate", {"grace_0": "0", "grace_1": "minutes"})
    assert api_key_authenticate(plaintext=issued.plaintext) is None


def test_a_grace_period_must_be_sensible(cast, login, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client = login(cast.admin)
    negative = client.post(f"/app/api-keys/{issued.key.public_id}/rotate", {"grace_0": "-1", "grace_1": "hours"})
    too_long = client.post(f"/app/api-keys/{issued.key.public_id}/rotate", {"grace_0": "90", "grace_1": "days"})
    assert (negative.status_code, too_long.status_code) == (422, 422)
    # The member is told why, beside the keys, not shown the same page again in silence.
    assert "greater than or equal to 0" in negative.content.decode()
    assert "at most 30 days" in too_long.content.decode()
    assert ApiKey.objects.count() == 1


def test_a_rotated_key_cannot_be_rotated_again(cast, login, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client = login(cast.admin)
    client.post(f"/app/api-keys/{issued.key.public_id}/rotate", {"grace_0": "1", "grace_1": "hours"})
    again = client.post(f"/app/api-keys/{issued.key.public_id}/rotate", {"grace_0": "1", "grace_1": "hours"})
    assert again.status_code == 409 and "already rotated" in again.content.decode()


def test_editing_scopes_and_name(cast, login, workspace):
    issued = api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    client = login(cast.admin)
    assert 'value="Worker"' in client.get(f"/app/api-keys/{issued.key.public_id}/edit").content.decode()
    response = client.post(
        f"/app/api-keys/{issued.key.public_id}/edit", {"name": "Importer", "scopes": ["read", "destructive"]}
    )
    assert response.status_code == 302
    issued.key.refresh_from_db()
    assert (issued.key.name, issued.key.scopes) == ("Importer", ["read", "destructive"])


def test_only_admins_may_list_keys_as_in_the_api(cast, login, workspace):
    """``api_key.list`` is an admin's (MANAGE_API_KEYS), in /v1 and in the dashboard alike."""
    api_key_create(actor=Actor.system(workspace, job="test"), name="Worker")
    for role in ("manager", "editor", "viewer"):
        response = login(cast.by_role(role)).get("/app/api-keys/")
        assert response.status_code == 403 and b"Worker" not in response.content, role
    html = login(cast.admin).get("/app/api-keys/").content.decode()
    assert "Worker" in html and "pb_test_" in html and "Revoke" in html


def test_the_keys_page_runs_a_constant_number_of_queries(cast, login, workspace, offline_account):
    client = login(cast.admin)
    api_key_create(actor=Actor.system(workspace, job="test"), name="One", accounts=[offline_account])
    few = queries_to_render(client, "/app/api-keys/")
    for n in range(10):
        api_key_create(actor=Actor.system(workspace, job="test"), name=f"Key {n}", accounts=[offline_account])
    assert queries_to_render(client, "/app/api-keys/") == few
