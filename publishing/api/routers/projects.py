"""/v1/projects: the team's workspaces ("projects"), switching between them, the sandbox."""

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from publishing.api.schemas.common import responses
from publishing.api.schemas.identity import (
    ProjectsContextOut,
    ProjectSwitchIn,
    ProjectSwitchOut,
    SandboxCreateIn,
    projects_context_out,
)
from publishing.api.security import actor_of, caller
from publishing.models import Workspace
from publishing.services import auth as auth_services
from publishing.services import teams as team_services
from publishing.services.errors import PermissionDenied

router = Router(tags=["projects"])


@router.get("", response=responses({200: ProjectsContextOut}, 403))
def list_projects(request):
    who = actor_of(request, "workspace.read")
    return projects_context_out(who.workspace)


@router.post("/switch", response=responses({200: ProjectSwitchOut}, 403, 404))
def switch_project(request, data: ProjectSwitchIn):
    """A new bearer token for another workspace of the team; replace the old one with it."""
    actor_of(request, "workspace.read")
    who = caller(request)
    user = who.require_user()
    workspace = get_object_or_404(Workspace.objects.for_team(who.team).select_related("team"),
                                  public_id=data.project_id)
    issued = auth_services.access_token_switch(user=user, workspace=workspace, replacing=who.access_token)
    return {**projects_context_out(workspace), "access_token": issued.token, "token_type": "bearer",
            "expires_in": issued.expires_in}


@router.post("/sandbox", response=responses({200: ProjectsContextOut, 201: ProjectsContextOut}, 403))
def create_sandbox(request, data: SandboxCreateIn | None = None):
    """Idempotent: when the team already has a sandbox, the current context comes back."""
    who = actor_of(request)
    _, created = team_services.workspace_sandbox_ensure(name=data.name if data else None, actor=who)
    return Status(201 if created else 200, projects_context_out(who.workspace))


@router.post("/sandbox/reset", response=responses({200: ProjectsContextOut}, 403, 409))
def reset_sandbox(request):
    """Clear the sandbox's pins, schedules and assets (keeps accounts, keys and webhooks)."""
    who = actor_of(request)
    sandbox = Workspace.objects.for_team(who.team).filter(environment=Workspace.Environment.SANDBOX).first()
    if sandbox is None:
        sandbox, _ = team_services.workspace_sandbox_ensure(actor=who)
    if who.api_key is not None and who.api_key.workspace_id != sandbox.pk:
        raise PermissionDenied("workspace_not_permitted", "This API key belongs to another workspace than the sandbox.")
    team_services.workspace_sandbox_reset(workspace=sandbox, actor=who)
    return projects_context_out(who.workspace)
