"""/v1/projects through the SDK: the team's workspaces, switching, and the sandbox."""

import pytest
from pinbridge_sdk.errors import AuthenticationError, NotFoundError
from pinbridge_sdk.models import SwitchProjectRequest

from publishing.models import Pin, Workspace
from tests.api.conftest import pin_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_list_switch_and_work_in_the_other_project(login, cast, production_workspace, workspace, sdk):
    client = login(cast.admin)
    context = client.projects.list()
    # A login starts in production when the team has it.
    assert context.organization.name == "Acme" and context.active_project.id == production_workspace.public_id
    assert {p.environment.value for p in context.projects} == {"production", "sandbox"}
    switched = client.projects.switch(SwitchProjectRequest(project_id=workspace.public_id))
    assert switched.active_project.id == workspace.public_id and switched.access_token
    assert sdk(bearer_token=switched.access_token).auth.me().workspace.environment.value == "sandbox"


def test_switch_revokes_the_presenting_token(login, cast, workspace, sdk):
    client = login(cast.admin)
    switched = client.projects.switch(SwitchProjectRequest(project_id=workspace.public_id))
    with pytest.raises(AuthenticationError) as old_token:
        client.auth.me()
    assert old_token.value.status_code == 401 and old_token.value.code == "invalid_token"
    client.set_bearer_token(switched.access_token)
    assert client.auth.me().workspace.environment.value == "sandbox"


def test_create_sandbox_is_idempotent_and_reset_clears_its_content(login, cast, account, board):
    client = login(cast.admin)
    first = client.projects.create_sandbox()
    again = client.projects.create_sandbox({"name": "Another"})
    assert [p.id for p in first.projects] == [p.id for p in again.projects]
    assert Workspace.objects.filter(team=cast.team, environment="sandbox").count() == 1
    client.pins.create(pin_create(account, board))
    client.projects.reset_sandbox()
    assert not Pin.objects.exists() and client.pinterest.list_accounts()  # content gone, connection kept


def test_denials(login, cast, keyed, outsider_client, production_workspace):
    with pytest.raises(AuthenticationError) as viewer:
        login(cast.viewer).projects.reset_sandbox()
    assert viewer.value.status_code == 403
    with pytest.raises(AuthenticationError) as scope:
        keyed(scopes=["read", "write"]).projects.reset_sandbox()
    assert scope.value.code == "insufficient_scope"
    with pytest.raises(AuthenticationError) as key:
        keyed().projects.switch(SwitchProjectRequest(project_id=production_workspace.public_id))
    assert key.value.code == "user_required"
    with pytest.raises(NotFoundError):
        outsider_client.projects.switch(SwitchProjectRequest(project_id=production_workspace.public_id))
