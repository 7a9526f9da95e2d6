"""The base layout every member sees: navigation, workspace switcher, role."""

import pytest

from publishing.models import Workspace
from publishing.navigation import SECTIONS
from publishing.services.teams import membership_set_role, workspace_create


@pytest.mark.parametrize("role", ["admin", "manager", "editor", "viewer"])
def test_every_role_sees_the_navigation_and_its_role(cast, client, role):
    """Which sections each role sees: tests/web/test_navigation_by_role.py."""
    client.force_login(cast.by_role(role))
    response = client.get("/app/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<nav class="sidenav" id="main-nav" aria-label="Main">' in html
    for label, _url_name, _action in SECTIONS[:1]:
        assert label in html
    assert f'<span class="role">{role}</span>' in html


def test_get_root_redirects_browsers_to_the_dashboard_and_answers_api_clients_with_json(db, client):
    browser = client.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser.status_code == 302 and browser.url == "/app/"
    api = client.get("/", HTTP_ACCEPT="application/json")
    assert api.status_code == 200
    assert api.json()["service"] == "PinBridge API"


def test_switching_to_another_own_workspace_is_remembered(cast, client):
    production = workspace_create(team=cast.team, name="Production", environment=Workspace.Environment.PRODUCTION)
    client.force_login(cast.editor)
    response = client.post("/app/workspace/switch", {"workspace": str(production.public_id), "next": "/app/"})
    assert response.status_code == 302 and response.url == "/app/"
    assert b"Production" in client.get("/app/").content


def test_switching_between_teams_changes_the_role_shown(cast, client):
    membership_set_role(team=cast.other_team, user=cast.editor, role="viewer")
    client.force_login(cast.editor)
    other_ws = cast.other_team.workspaces.get()
    client.post("/app/workspace/switch", {"workspace": str(other_ws.public_id)})
    html = client.get("/app/").content.decode()
    assert "Globex" in html and '<span class="role">viewer</span>' in html


def test_switching_to_a_workspace_of_another_team_is_a_404(cast, client):
    client.force_login(cast.editor)
    foreign = cast.other_team.workspaces.get()
    assert client.post("/app/workspace/switch", {"workspace": str(foreign.public_id)}).status_code == 404
    assert client.post("/app/workspace/switch", {"workspace": "not-a-uuid"}).status_code == 404


def test_switch_never_redirects_off_site(cast, client):
    client.force_login(cast.editor)
    own = cast.team.workspaces.get()
    response = client.post("/app/workspace/switch", {"workspace": str(own.public_id), "next": "https://evil.test/"})
    assert response.url == "/"


def test_a_user_without_a_team_gets_a_helpful_404(db, client, django_user_model):
    loner = django_user_model.objects.create_user(email="loner@nowhere.test", password="x")
    client.force_login(loner)
    response = client.get("/app/")
    assert response.status_code == 404
