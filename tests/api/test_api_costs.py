"""What keeps the API near the framework's floor (issue 14), guarded by counting what it does:

- ``/v1/auth/me`` costs two queries, and builds the same model instances (the credential's), however
  many teams the user belongs to;
- a credential used again within the minute is recorded without any statement;
- ``/v1/pins`` builds its items from plain rows and answers exactly what ``GET /v1/pins/{id}`` answers;
- list totals are exact up to a bound and bounded beyond it, and the SDK's ``list_page`` still walks
  every page over real HTTP.
"""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models.signals import post_init
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from publishing import pagination
from publishing.access import Actor
from publishing.api.schemas.identity import MeOut
from publishing.models import AccessToken, ApiKey, Asset, Membership, Pin, Schedule, Workspace
from publishing.permissions import Role
from publishing.services.auth import access_token_issue
from publishing.services.keys import api_key_create
from publishing.services.secrets import credential_prefix
from publishing.services.teams import membership_set_role, team_create
from tests.api.conftest import pin_create
from tests.pipeline_fixtures import offline_account, offline_board  # noqa: F401 - fixtures

ON_POSTGRESQL = connection.vendor == "postgresql"


def read_key(workspace) -> str:
    return api_key_create(actor=Actor.system(workspace, job="test"), name="costs", scopes=["read"]).plaintext


def run(client: Client, path: str, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    return response, [query["sql"] for query in captured]


def built_instances(client: Client, path: str, **headers) -> list[str]:
    """The model instances a request builds (every ``Model.__init__`` sends ``post_init``), by class."""
    built: list[str] = []

    def count(sender, **kwargs):
        built.append(sender.__name__)

    post_init.connect(count)
    try:
        assert client.get(path, **headers).status_code == 200
    finally:
        post_init.disconnect(count)
    return sorted(built)


# --- /v1/auth/me -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_me_costs_two_queries_however_many_teams_the_user_is_in(cast):
    token = access_token_issue(user=cast.admin, workspace=cast.team.workspaces.get()).token
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    client.get("/v1/auth/me", **bearer)  # the token's first use records last_used_at
    one_team, one_team_queries = run(client, "/v1/auth/me", **bearer)
    one_team_instances = built_instances(client, "/v1/auth/me", **bearer)
    for name in ("Zenith", "Borealis"):  # sorted before and after Acme
        team = team_create(name=name)
        Workspace.objects.create(team=team, name="Production", environment=Workspace.Environment.PRODUCTION)
        membership_set_role(team=team, user=cast.admin, role=Role.VIEWER)
    three_teams, three_teams_queries = run(client, "/v1/auth/me", **bearer)
    # Teams and workspaces are read as plain rows: only the credential's rows become model instances.
    assert built_instances(client, "/v1/auth/me", **bearer) == one_team_instances == [
        "AccessToken", "Membership", "Team", "User", "Workspace"]

    # The token with its user, workspace and the caller's membership (one statement), every team with
    # its workspaces.
    assert len(one_team_queries) == len(three_teams_queries) == 2, three_teams_queries
    assert [o["organization"]["name"] for o in one_team.json()["available_organizations"]] == ["Acme"]
    body = three_teams.json()
    assert [o["organization"]["name"] for o in body["available_organizations"]] == ["Acme", "Borealis", "Zenith"]
    assert [o["organization_role"] for o in body["available_organizations"]] == ["admin", "viewer", "viewer"]
    assert [[p["environment"] for p in o["projects"]] for o in body["available_organizations"]] == [
        ["sandbox"], ["production", "sandbox"], ["production", "sandbox"]]
    assert body["organization"]["name"] == "Acme" and [p["name"] for p in body["projects"]] == ["Sandbox"]
    assert Membership.objects.filter(user=cast.admin).count() == 3
    # Rendered without ninja's validation: exactly what validating it through MeOut answers.
    validated = MeOut.model_validate(body).model_dump(by_alias=True)
    assert json.loads(json.dumps(validated, cls=NinjaJSONEncoder)) == body
    assert three_teams.content == json.dumps(body, cls=NinjaJSONEncoder).encode()


@pytest.mark.django_db
def test_prepared_credential_reads_see_every_change_on_the_next_request(cast):
    """The credential reads run as prepared statements on a kept connection (on PostgreSQL): a plan
    is reused, never a row, so a revoked key, a changed role, a membership deleted behind the token's
    back and a deactivated user are each refused (or seen) on the very next request."""
    workspace = cast.team.workspaces.get()
    key = {"HTTP_X_API_KEY": read_key(workspace)}
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access_token_issue(user=cast.editor, workspace=workspace).token}"}
    client = Client()
    for _ in range(3):
        assert client.get("/v1/pins", **key).status_code == 200
        assert client.get("/v1/auth/me", **bearer).json()["organization_role"] == "editor"
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any('"publishing_apikey"' in sql for sql in prepared), prepared
        assert any('"publishing_accesstoken"' in sql for sql in prepared), prepared

    Membership.objects.filter(user=cast.editor, team=cast.team).update(role=Role.VIEWER)
    assert client.get("/v1/auth/me", **bearer).json()["organization_role"] == "viewer"
    membership_set_role(team=cast.other_team, user=cast.editor, role=Role.ADMIN)  # another team's role
    Membership.objects.filter(user=cast.editor, team=cast.team).delete()
    refused = client.get("/v1/auth/me", **bearer)
    assert refused.status_code == 401 and refused.json()["detail"]["code"] == "invalid_token"
    membership_set_role(team=cast.team, user=cast.editor, role=Role.EDITOR)
    assert client.get("/v1/auth/me", **bearer).status_code == 200
    type(cast.editor).objects.filter(pk=cast.editor.pk).update(is_active=False)
    assert client.get("/v1/auth/me", **bearer).status_code == 401

    revoked = credential_prefix(key["HTTP_X_API_KEY"], kind_parts=2)
    ApiKey.objects.filter(prefix=revoked).update(revoked_at=timezone.now())
    refused = client.get("/v1/pins", **key)
    assert refused.status_code == 401 and refused.json()["detail"]["code"] == "invalid_api_key"


# --- last_used_at --------------------------------------------------------------------------------------

def updates(queries: list[str]) -> list[str]:
    return [sql for sql in queries if sql.lstrip().upper().startswith("UPDATE")]


@pytest.mark.django_db
@pytest.mark.parametrize("credential", ["api_key", "bearer"])
def test_a_credential_used_again_within_the_minute_costs_no_write(cast, credential):
    workspace = cast.team.workspaces.get()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        if credential == "api_key":
            headers, model = {"HTTP_X_API_KEY": read_key(workspace)}, ApiKey
        else:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {access_token_issue(user=cast.admin, workspace=workspace).token}"}
            model = AccessToken
        client = Client()
        first = updates(run(client, "/v1/auth/profile" if credential == "bearer" else "/v1/pins", **headers)[1])
        assert len(first) == 1 and model.objects.get().last_used_at == timezone.now()

        traveller.shift(timedelta(seconds=59))
        path = "/v1/auth/profile" if credential == "bearer" else "/v1/pins"
        assert updates(run(client, path, **headers)[1]) == []  # fresh: not even a conditional UPDATE

        traveller.shift(timedelta(seconds=2))
        assert len(updates(run(client, path, **headers)[1])) == 1
        assert model.objects.get().last_used_at == timezone.now()


# --- assets for the lists' rows (also tests/api/test_pins_list.py) ---------------------------------------

def make_asset(workspace, kind: str, n: int) -> Asset:
    extension, content_type = (".mp4", "video/mp4") if kind == "video" else (".png", "image/png")
    return Asset.objects.create(workspace=workspace, asset_type=kind, file=f"{kind}{n}{extension}",
                                original_filename=f"{kind}{n}{extension}", extension=extension,
                                content_type=content_type, size_bytes=1, checksum_sha256="0" * 64)


# --- totals ----------------------------------------------------------------------------------------

LISTS = {
    "pins": ("/v1/pins", lambda response: (response["X-Total-Count"], response["X-Total-Count-Exact"])),
    "schedules": ("/v1/schedules", lambda response: (response["X-Total-Count"], response["X-Total-Count-Exact"])),
    "assets": ("/v1/assets", lambda response: (str(response.json()["total"]),
                                               str(response.json()["total_exact"]).lower())),
}


def fill(workspace, account, board, count: int) -> None:
    for n in range(count):
        asset = make_asset(workspace, "image", n)
        pin = Pin.objects.create(workspace=workspace, account=account, board_id=board.pinterest_board_id,
                                 idempotency_key=f"k{n}", payload_fingerprint="f", title=f"Pin {n}", asset=asset)
        Schedule.objects.create(workspace=workspace, account=account, run_at=timezone.now(), pin=pin, title=f"Pin {n}")


def total(client, path: str, key: dict, which: str) -> tuple[tuple[str, str], list[str]]:
    response, queries = run(client, path, **key)
    return LISTS[which][1](response), queries


@pytest.mark.django_db
@pytest.mark.parametrize("which", list(LISTS))
def test_totals_are_exact_up_to_the_bound_and_counting_never_goes_past_it(cast, offline_account,  # noqa: F811
                                                                          offline_board, which,  # noqa: F811
                                                                          monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_TOTAL_LIMIT", 5)
    workspace = cast.team.workspaces.get()
    key, client, path = {"HTTP_X_API_KEY": read_key(workspace)}, Client(), LISTS[which][0]
    fill(workspace, offline_account, offline_board, 4)
    assert total(client, f"{path}?limit=2", key, which)[0] == ("4", "true")  # counted
    assert total(client, f"{path}?limit=2&offset=2", key, which)[0] == ("4", "true")  # the last page says it

    Pin.objects.filter(workspace=workspace).delete()
    Schedule.objects.filter(workspace=workspace).delete()
    Asset.objects.filter(workspace=workspace).delete()
    fill(workspace, offline_account, offline_board, 12)
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    (count, exact), queries = total(client, f"{path}?limit=2", key, which)
    counts = [sql for sql in queries if sql.startswith("SELECT COUNT(")]  # not the assets' reference counts
    if which == "pins":  # the rows are read with their related columns; counting them needs none of those joins
        assert counts and not any("JOIN" in sql for sql in counts), counts
    if ON_POSTGRESQL:  # beyond the bound: the planner's estimate, and no count reads past the bound
        assert exact == "false" and int(count) > 5, count
        assert counts and all("LIMIT 6" in sql for sql in counts), counts
        assert any(sql.startswith("EXPLAIN") for sql in queries)
    else:  # SQLite has no estimate to offer: it counts
        assert (count, exact) == ("12", "true")
    assert total(client, f"{path}?limit=5&offset=10", key, which)[0] == ("12", "true")  # the last page


@pytest.mark.django_db
@pytest.mark.parametrize(("estimate", "offset", "expected"), [
    (3, 0, 8),  # an estimate below what the page proves: more rows follow the 7 seen so far
    (1_000_000, 0, 1_000_000),  # above: kept (more rows follow; how many is the estimate)
    (1_000_000, 20, 20),  # an empty page past the end: the rows end at or before offset 20
    (3, 20, 6),  # ...and there are more than the bound
])
def test_an_estimate_is_kept_consistent_with_what_the_page_proves(cast, offline_account,  # noqa: F811
                                                                 offline_board,  # noqa: F811
                                                                 monkeypatch, estimate, offset, expected):
    monkeypatch.setattr(pagination, "EXACT_TOTAL_LIMIT", 5)
    monkeypatch.setattr(pagination, "planner_row_estimate", lambda queryset: estimate)
    fill(cast.team.workspaces.get(), offline_account, offline_board, 12)
    page = pagination.offset_page(Pin.objects.order_by("-created_at", "-id"), offset=offset, limit=7)
    assert (page.total, page.total_exact) == (expected, False)
    # The SDK's has_more: true exactly when rows follow the page.
    assert (offset + len(page.items) < page.total) == (offset == 0)


@pytest.mark.django_db(transaction=True)
def test_the_sdk_walks_every_page_when_the_total_is_an_estimate(keyed, account, board, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_TOTAL_LIMIT", 3)
    # The worst estimate: far too low, so only what the pages prove keeps has_more right.
    monkeypatch.setattr(pagination, "planner_row_estimate", lambda queryset: 1)
    writer = keyed()
    created = {writer.pins.create(pin_create(account, board, idempotency_key=f"walk-{n}", title=f"Walk {n}")).id
               for n in range(8)}
    reader = keyed(scopes=["read"])
    seen, offset, totals = [], 0, []
    while True:
        page = reader.pins.list_page(limit=3, offset=offset)
        seen += [pin.id for pin in page.items]
        totals.append(page.total)
        if not page.has_more:
            break
        offset += len(page.items)
    assert sorted(seen) == sorted(created) and len(seen) == 8
    assert totals == [4, 7, 8]  # two estimates raised to what the page proves, then the last page's count
