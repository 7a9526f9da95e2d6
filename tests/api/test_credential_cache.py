"""The credential cache (publishing/services/credential_cache.py, publishing/models/auth_state.py),
on Redis, with real commits:

- a credential read once is answered from the cache: ``/v1/auth/me`` then runs no query at all;
- every committed change to what a credential resolves to is seen on the very next request, and the
  epoch changes only once the change has committed, never before;
- writes that change nothing (the use stamp, a login, a new key) keep the cache;
- a change committed while a credential is being read is not hidden by the copy that read stores;
- expiry is checked against the clock on every request, and the copy holds no password hash;
- with Redis down, requests go on with the database.

Two web nodes sharing it, a revoke on one refused by the other at once: tests/topology.
"""

import logging
import pickle
from datetime import timedelta

import pytest
import redis
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publishing.access import Actor
from publishing.models import AccessToken, ApiKey, Membership, Team, User, Workspace
from publishing.models.auth_state import EPOCH_KEY
from publishing.permissions import Role
from publishing.services import keys as key_services
from publishing.services.auth import access_token_issue
from publishing.services.keys import api_key_create, api_key_revoke
from publishing.services.secrets import credential_prefix
from publishing.services.teams import membership_set_role
from tests.api.conftest import SHARED_CACHE_REDIS_URL, shared_caches_on
from tests.conftest import PASSWORD, make_member
from tests.ports import free_port

pytestmark = pytest.mark.redis

@pytest.fixture
def shared_cache(settings):
    with shared_caches_on(settings) as raw:
        yield raw


def epoch() -> bytes | None:
    return redis.Redis.from_url(SHARED_CACHE_REDIS_URL).get(EPOCH_KEY)


def queries(client: Client, path: str, **headers) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    return response.status_code, [query["sql"] for query in captured]


def me(client: Client, bearer: dict):
    response = client.get("/v1/auth/me", **bearer)
    assert response.status_code == 200, response.content
    return response.json()


def bearer_for(user: User, workspace: Workspace) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {access_token_issue(user=user, workspace=workspace).token}"}


def key_for(workspace: Workspace) -> dict:
    return {"HTTP_X_API_KEY": api_key_create(actor=Actor.system(workspace, job="test"), name="cached",
                                             scopes=["read"]).plaintext}


# --- reads ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_credential_read_once_is_answered_from_the_cache(shared_cache, cast):
    workspace = cast.team.workspaces.get()
    bearer, key = bearer_for(cast.admin, workspace), key_for(workspace)
    client = Client()
    status, first = queries(client, "/v1/auth/me", **bearer)
    assert status == 200 and len(first) >= 2  # the token's rows and the user's teams, from the database
    body = me(client, bearer)
    status, again = queries(client, "/v1/auth/me", **bearer)
    assert (status, again) == (200, [])  # the credential's rows and /me's body, both from the cache
    assert me(client, bearer) == body

    status, first = queries(client, "/v1/pins", **key)
    assert status == 200 and any('"publishing_apikey"' in sql for sql in first)
    status, again = queries(client, "/v1/pins", **key)
    assert status == 200 and not any('"publishing_apikey"' in sql for sql in again), again


@pytest.mark.django_db
def test_with_the_setting_at_zero_a_process_reads_the_database_and_stores_nothing(shared_cache, cast, settings):
    settings.CREDENTIAL_CACHE_SECONDS = 0
    bearer = bearer_for(cast.admin, cast.team.workspaces.get())
    client = Client()
    me(client, bearer)
    status, again = queries(client, "/v1/auth/me", **bearer)
    assert status == 200 and len(again) >= 2
    assert shared_cache.keys("pinboard:credential:*") == []


@pytest.mark.django_db
def test_the_secret_and_the_expiry_are_checked_on_every_request(shared_cache, cast):
    workspace = cast.team.workspaces.get()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        issued = access_token_issue(user=cast.admin, workspace=workspace)
        client = Client()
        me(client, {"HTTP_AUTHORIZATION": f"Bearer {issued.token}"})  # cached now
        wrong = issued.token[:-4] + ("AAAA" if not issued.token.endswith("AAAA") else "BBBB")
        assert client.get("/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {wrong}").status_code == 401
        traveller.shift(timedelta(seconds=issued.expires_in + 1))
        expired = client.get("/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {issued.token}")
        assert expired.status_code == 401 and expired.json()["detail"]["code"] == "invalid_token"


@pytest.mark.django_db
def test_the_cached_copy_holds_no_password_hash(shared_cache, cast):
    raw = shared_cache
    workspace = cast.team.workspaces.get()
    bearer = bearer_for(cast.admin, workspace)
    me(Client(), bearer)
    stored = [raw.get(name) for name in raw.keys("pinboard:credential:access-token:*")]
    assert len(stored) == 1 and cast.admin.email.encode() in stored[0]
    assert User.objects.get(pk=cast.admin.pk).password.encode() not in stored[0]
    # A request that needs it still has it: changing the password checks the current one.
    changed = Client().post("/v1/auth/change-password", {"current_password": "wrong", "new_password": "x" * 20},
                            content_type="application/json", **bearer)
    assert changed.status_code == 422, changed.content


@pytest.mark.django_db
def test_the_use_stamp_is_still_written_once_a_minute(shared_cache, cast):
    """The copy is stored again with its new stamp: the minute after, requests send no UPDATE."""
    workspace = cast.team.workspaces.get()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        key = key_for(workspace)
        client = Client()
        for shift, expected in ((0, 1), (30, 0), (31, 1), (1, 0), (1, 0)):
            traveller.shift(timedelta(seconds=shift))
            status, sql = queries(client, "/v1/pins", **key)
            assert status == 200
            assert len([q for q in sql if q.lstrip().upper().startswith("UPDATE")]) == expected, (shift, sql)
        assert ApiKey.objects.get().last_used_at == timezone.now() - timedelta(seconds=2)


@pytest.mark.django_db
def test_a_copy_this_installation_did_not_seal_is_never_used(shared_cache, cast):
    """Whoever can write to Redis cannot make a request act as someone else: a forged copy (here the
    admin's token row, under the editor's token, with the editor's hash) is ignored and replaced."""
    raw = shared_cache
    workspace = cast.team.workspaces.get()
    admin_bearer, editor_bearer = bearer_for(cast.admin, workspace), bearer_for(cast.editor, workspace)
    client = Client()
    me(client, admin_bearer)
    me(client, editor_bearer)
    [admin_key] = raw.keys("pinboard:credential:access-token:" + token_prefix(admin_bearer))
    [editor_key] = raw.keys("pinboard:credential:access-token:" + token_prefix(editor_bearer))
    forged = pickle.loads(raw.get(admin_key)[32:])
    forged["record"].token_hash = pickle.loads(raw.get(editor_key)[32:])["record"].token_hash
    forged["derived"] = {}
    raw.set(editor_key, b"\0" * 32 + pickle.dumps(forged))
    assert me(client, editor_bearer)["user"]["email"] == cast.editor.email
    assert pickle.loads(raw.get(editor_key)[32:])["record"].user_id == cast.editor.pk  # replaced


def token_prefix(bearer: dict) -> str:
    return credential_prefix(bearer["HTTP_AUTHORIZATION"].removeprefix("Bearer "), kind_parts=1)


# --- writes --------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_every_committed_change_is_seen_on_the_next_request(shared_cache, cast):
    workspace = cast.team.workspaces.get()
    key, bearer = key_for(workspace), bearer_for(cast.editor, workspace)
    client = Client()
    for _ in range(2):
        assert client.get("/v1/pins", **key).status_code == 200
        assert me(client, bearer)["organization_role"] == "editor"

    Membership.objects.filter(user=cast.editor, team=cast.team).update(role=Role.VIEWER)
    assert me(client, bearer)["organization_role"] == "viewer"
    cast.team.name = "Acme Studio"
    cast.team.save()
    assert me(client, bearer)["organization"]["name"] == "Acme Studio"
    Workspace.objects.filter(pk=workspace.pk).update(name="Staging")
    assert me(client, bearer)["workspace"]["name"] == "Staging"
    other = Workspace.objects.create(team=cast.other_team, name="Production")
    membership_set_role(team=cast.other_team, user=cast.editor, role=Role.ADMIN)
    assert [o["organization"]["name"] for o in me(client, bearer)["available_organizations"]] == [
        "Acme Studio", "Globex"]
    other.delete()
    Membership.objects.filter(user=cast.editor, team=cast.team).delete()
    refused = client.get("/v1/auth/me", **bearer)
    assert refused.status_code == 401 and refused.json()["detail"]["code"] == "invalid_token"
    membership_set_role(team=cast.team, user=cast.editor, role=Role.EDITOR)
    assert me(client, bearer)["organization_role"] == "editor"
    User.objects.filter(pk=cast.editor.pk).update(is_active=False)
    assert client.get("/v1/auth/me", **bearer).status_code == 401

    prefix = credential_prefix(key["HTTP_X_API_KEY"], kind_parts=2)
    api_key_revoke(key=ApiKey.objects.get(prefix=prefix), actor=Actor.for_user(cast.admin, workspace))
    refused = client.get("/v1/pins", **key)
    assert refused.status_code == 401 and refused.json()["detail"]["code"] == "invalid_api_key"


@pytest.mark.django_db(transaction=True)
def test_changes_made_in_the_admin_panel_are_seen_on_the_next_request(shared_cache, cast):
    workspace = cast.team.workspaces.get()
    key, bearer = key_for(workspace), bearer_for(cast.editor, workspace)
    User.objects.filter(pk=cast.admin.pk).update(is_staff=True, is_superuser=True)
    panel = Client()
    panel.force_login(User.objects.get(pk=cast.admin.pk))
    api = Client()
    for _ in range(2):  # the second from the cache
        assert me(api, bearer)["organization_role"] == "editor" and api.get("/v1/pins", **key).status_code == 200

    membership = Membership.objects.get(user=cast.editor, team=cast.team)
    changed = panel.post(f"/admin/publishing/membership/{membership.pk}/change/",
                         {"user": cast.editor.pk, "team": cast.team.pk, "role": Role.VIEWER})
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert me(api, bearer)["organization_role"] == "viewer"

    prefix = credential_prefix(key["HTTP_X_API_KEY"], kind_parts=2)
    revoked = panel.post("/admin/publishing/apikey/", {"action": "revoke_keys",
                                                        "_selected_action": [ApiKey.objects.get(prefix=prefix).pk]})
    assert revoked.status_code == 302
    assert api.get("/v1/pins", **key).status_code == 401


def _make_member(cast):
    make_member(cast.team, "newcomer@acme.test", Role.EDITOR)


# Each way the ORM writes the tables a credential resolves through.
CHANGES = {
    "save": lambda cast: Membership.objects.get(user=cast.editor, team=cast.team).save(),
    "update": lambda cast: Membership.objects.filter(user=cast.editor).update(role=Role.VIEWER),
    "delete": lambda cast: Membership.objects.filter(user=cast.viewer).delete(),
    "cascade": lambda cast: Team.objects.filter(pk=cast.other_team.pk).delete(),
    "bulk_create": lambda cast: Membership.objects.bulk_create(
        [Membership(user=cast.outsider, team=cast.team, role=Role.VIEWER)]),
    "bulk_update": lambda cast: User.objects.bulk_update(
        [User(pk=cast.editor.pk, full_name="Ed")], ["full_name"]),
    "user renamed": lambda cast: cast.editor.__class__.objects.get(pk=cast.editor.pk).save(),
    "deactivate": lambda cast: User.objects.filter(pk=cast.editor.pk).update(is_active=False),
    "new member": _make_member,
    "key revoked": lambda cast: ApiKey.objects.update(revoked_at=timezone.now()),
    "tokens revoked": lambda cast: AccessToken.objects.update(revoked_at=timezone.now()),
    "live token deleted": lambda cast: AccessToken.objects.all().delete(),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", CHANGES)
def test_the_epoch_changes_once_the_change_has_committed(shared_cache, cast, change):
    workspace = cast.team.workspaces.get()
    key_for(workspace), bearer_for(cast.editor, workspace)
    me(Client(), bearer_for(cast.admin, workspace))  # an epoch exists
    before = epoch()
    with transaction.atomic():
        CHANGES[change](cast)
        assert epoch() == before  # not yet: a node reading now would still see the old rows
    assert epoch() not in (before, None)


def _logged_in(cast) -> None:
    response = Client().post("/v1/auth/login", {"email": cast.admin.email, "password": PASSWORD},
                             content_type="application/json")
    assert response.status_code == 200, response.content


def _dead_token_pruned(cast, workspace) -> None:
    # Revoked before the epoch was read (the caller's fixture): its row's removal changes nothing.
    assert AccessToken.objects.filter(revoked_at__isnull=False).delete()[0] == 1


# Writes that change nothing a credential resolves to.
UNCHANGED = {
    "use stamp": lambda cast, ws: ApiKey.objects.update(last_used_at=timezone.now()),
    "login": lambda cast, ws: _logged_in(cast),
    "new key": lambda cast, ws: key_for(ws),
    "new token": lambda cast, ws: bearer_for(cast.manager, ws),
    "dead token pruned": _dead_token_pruned,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", UNCHANGED)
def test_writes_that_change_no_credential_keep_the_cache(shared_cache, cast, write):
    workspace = cast.team.workspaces.get()
    key_for(workspace)
    dead = bearer_for(cast.viewer, workspace)["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    AccessToken.objects.filter(prefix=credential_prefix(dead, kind_parts=1)).update(revoked_at=timezone.now())
    bearer = bearer_for(cast.admin, workspace)
    client = Client()
    me(client, bearer)
    before = epoch()
    UNCHANGED[write](cast, workspace)
    assert epoch() == before
    assert queries(client, "/v1/auth/me", **bearer) == (200, [])


@pytest.mark.django_db(transaction=True)
def test_dashboard_login_keeps_the_cache(shared_cache, cast):
    me(Client(), bearer_for(cast.admin, cast.team.workspaces.get()))
    before = epoch()
    assert Client().post("/accounts/login/", {"username": cast.admin.email, "password": PASSWORD}).status_code == 302
    assert User.objects.get(pk=cast.admin.pk).last_login is not None
    assert epoch() == before


@pytest.mark.django_db(transaction=True)
def test_a_release_retires_every_copy(shared_cache, cast):
    """``migrate`` (scripts/release) changes the epoch: copies the old code stored are not used."""
    bearer = bearer_for(cast.admin, cast.team.workspaces.get())
    me(Client(), bearer)
    before = epoch()
    call_command("migrate", verbosity=0)
    assert epoch() not in (before, None)


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_while_the_credential_is_read_is_not_hidden(shared_cache, cast, monkeypatch):
    """The epoch is read before the rows: a revoke that commits between the two leaves a copy stored
    under the old epoch, which the revoke has already replaced."""
    workspace = cast.team.workspaces.get()
    key = key_for(workspace)
    prefix = credential_prefix(key["HTTP_X_API_KEY"], kind_parts=2)
    me(Client(), bearer_for(cast.admin, workspace))  # an epoch exists
    real = key_services._LIVE_KEY

    class RevokedWhileRead:
        def first(self, params):
            row = real.first(params)
            ApiKey.objects.filter(prefix=prefix).update(revoked_at=timezone.now())  # commits: autocommit
            return row

    monkeypatch.setattr(key_services, "_LIVE_KEY", RevokedWhileRead())
    client = Client()
    assert client.get("/v1/pins", **key).status_code == 200  # read before the revoke committed
    monkeypatch.setattr(key_services, "_LIVE_KEY", real)
    refused = client.get("/v1/pins", **key)
    assert refused.status_code == 401 and refused.json()["detail"]["code"] == "invalid_api_key"


@pytest.mark.django_db(transaction=True)
def test_a_process_that_does_not_read_through_the_cache_still_changes_the_epoch(shared_cache, cast, settings):
    """A worker, a shell or a node with CREDENTIAL_CACHE_SECONDS=0 revokes: the nodes that cache see it."""
    key = key_for(cast.team.workspaces.get())
    client = Client()
    assert client.get("/v1/pins", **key).status_code == 200
    settings.CREDENTIAL_CACHE_SECONDS = 0
    ApiKey.objects.update(revoked_at=timezone.now())
    settings.CREDENTIAL_CACHE_SECONDS = 60
    assert client.get("/v1/pins", **key).status_code == 401


@pytest.mark.django_db
def test_a_copy_lives_no_longer_than_the_setting_from_its_read(shared_cache, cast):
    """Writing a copy back (its use stamp, /me's body) never extends its life, nor brings back one that
    expired: CREDENTIAL_CACHE_SECONDS bounds what no epoch saw (SQL typed by hand)."""
    raw = shared_cache
    workspace = cast.team.workspaces.get()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        key = key_for(workspace)
        client = Client()
        assert client.get("/v1/pins", **key).status_code == 200
        [name] = raw.keys("pinboard:credential:api-key:*")
        assert 55 <= raw.ttl(name) <= 60
        raw.expire(name, 5)  # the copy near the end of its life
        traveller.shift(timedelta(seconds=61))  # its use stamp is a minute old: written back
        assert client.get("/v1/pins", **key).status_code == 200
        assert 0 < raw.ttl(name) <= 5
        copy = key_services.api_key_resolve(plaintext=key["HTTP_X_API_KEY"])
        raw.delete(name)
        copy.store()
        assert not raw.exists(name)


class Gone:
    """Stands for a class a newer release moved: its pickles no longer load."""


@pytest.mark.django_db
def test_a_copy_that_no_longer_unpickles_is_read_from_the_database(shared_cache, cast, monkeypatch):
    from publishing.services import credential_cache
    from publishing.services.shared_cache import sealed

    raw = shared_cache
    key = key_for(cast.team.workspaces.get())
    client = Client()
    assert client.get("/v1/pins", **key).status_code == 200
    [name] = raw.keys("pinboard:credential:api-key:*")
    entry = pickle.loads(raw.get(name)[32:])
    entry["derived"]["moved"] = Gone()
    raw.set(name, sealed(credential_cache._SEAL_SALT, entry))
    monkeypatch.delattr(__import__(__name__, fromlist=["Gone"]), "Gone")
    assert client.get("/v1/pins", **key).status_code == 200
    assert "moved" not in pickle.loads(raw.get(name)[32:])["derived"]  # read again, stored again


def test_a_pickled_user_carries_no_password_hash(cast):
    user = User.objects.get(pk=cast.admin.pk)
    copy = pickle.loads(pickle.dumps(user))
    assert user.password.encode() not in pickle.dumps(user) and "password" in copy.get_deferred_fields()
    assert copy.check_password(PASSWORD)  # read again from the database when asked


# --- the read's own connection (publishing.models.epochs.shared_values) ---------------------------------

@pytest.mark.django_db
def test_a_connection_redis_closed_while_idle_is_replaced_not_answered_by_the_database(shared_cache, cast, caplog):
    """Each thread reads on its own connection. Redis closing it between requests (a restart, a client
    timeout) costs that request a reconnection, not a trip to the database or a warning."""
    bearer = bearer_for(cast.admin, cast.team.workspaces.get())
    client = Client()
    me(client, bearer)
    assert queries(client, "/v1/auth/me", **bearer) == (200, [])
    assert shared_cache.client_kill_filter(_type="normal", skipme=True) >= 1
    with caplog.at_level(logging.WARNING, logger="publishing.auth"):
        assert queries(client, "/v1/auth/me", **bearer) == (200, [])
    assert not [r for r in caplog.records if "cache is unavailable" in r.getMessage()]


def test_a_forked_process_reads_on_a_connection_of_its_own(settings):
    """gunicorn forks its workers: a child writing to the connection its parent opened would interleave
    their commands on one socket."""
    import os

    from publishing.models.epochs import thread_connection

    settings.CACHE_REDIS_URL = SHARED_CACHE_REDIS_URL

    def client_id() -> int:
        connection = thread_connection()
        connection.send_command("CLIENT", "ID")
        return int(connection.read_response())

    parent = client_id()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(writing, str(client_id()).encode())
        finally:
            os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading) as report:
        assert int(report.read()) not in (0, parent)
    assert client_id() == parent  # the parent's own connection is untouched, and still in use


def test_a_changed_setting_is_read_on_a_connection_to_the_new_redis(settings):
    from publishing.models.epochs import shared_values

    settings.CACHE_REDIS_URL = SHARED_CACHE_REDIS_URL
    assert shared_values("pinboard:absent") == [None]
    settings.CACHE_REDIS_URL = f"redis://127.0.0.1:{free_port()}/6"  # nothing listens there
    with pytest.raises(redis.ConnectionError):
        shared_values("pinboard:absent")


# --- Redis down ----------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_with_redis_down_requests_go_on_with_the_database(settings, cast, caplog, monkeypatch):
    from publishing.services import credential_cache

    monkeypatch.setattr(credential_cache._cache_unavailable, "last", 0.0)
    settings.CACHE_REDIS_URL = f"redis://127.0.0.1:{free_port()}/6"  # nothing listens there
    settings.CREDENTIAL_CACHE_SECONDS = 60
    workspace = cast.team.workspaces.get()
    key, bearer = key_for(workspace), bearer_for(cast.admin, workspace)
    client = Client()
    with caplog.at_level(logging.WARNING, logger="publishing.auth"):
        for _ in range(3):
            assert me(client, bearer)["organization_role"] == "admin"
            assert client.get("/v1/pins", **key).status_code == 200
        prefix = credential_prefix(key["HTTP_X_API_KEY"], kind_parts=2)
        api_key_revoke(key=ApiKey.objects.get(prefix=prefix), actor=Actor.for_user(cast.admin, workspace))
        assert client.get("/v1/pins", **key).status_code == 401
    unavailable = [r for r in caplog.records if "cache is unavailable" in r.getMessage()]
    assert len(unavailable) == 1  # said once a minute, not on every request
    assert any("auth epoch could not be changed" in r.getMessage() for r in caplog.records)


def test_the_setting_needs_a_shared_cache(monkeypatch):
    import subprocess
    import sys

    env = {"PINBOARD_ENV_FILE": "", "DEBUG": "true", "SECRET_KEY": "x", "CREDENTIAL_CACHE_SECONDS": "60",
           "REDIS_URL": "", "CACHE_REDIS_URL": "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", "import pinboard_site.settings"], env=env, capture_output=True,
                            text=True, cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert result.returncode != 0 and "CREDENTIAL_CACHE_SECONDS needs CACHE_REDIS_URL" in result.stderr
