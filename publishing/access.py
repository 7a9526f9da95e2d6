"""Who is acting, in which team and workspace, and may they?

Every dashboard view opens with one call here; it returns the caller's context or
raises Http404 (not a member: the team's existence is not revealed) or
PermissionDenied (a member without the permission: 403).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from publishing.models import Membership, Team, User, Workspace
from publishing.permissions import Permission, permissions_for

SESSION_TEAM_KEY = "pinboard_team"
SESSION_WORKSPACE_KEY = "pinboard_workspace"


@dataclass(frozen=True)
class TeamContext:
    user: User
    membership: Membership
    workspace: Workspace

    @property
    def team(self) -> Team:
        return self.membership.team

    @property
    def role(self) -> str:
        return self.membership.role

    def can(self, permission: Permission) -> bool:
        return self.membership.can(permission)

    @property
    def permissions(self) -> dict[str, bool]:
        return permissions_for(self.role)

    def require(self, permission: Permission) -> "TeamContext":
        if not self.can(permission):
            raise PermissionDenied(f"Your role ({self.role}) may not {permission.value.replace('_', ' ')}.")
        return self


def resolve_team_context(user: User, team_id=None, workspace_id=None) -> TeamContext | None:
    """The user's membership and workspace, preferring the ids remembered in the session.

    Falls back to the user's first team and that team's first workspace, so a stale or
    foreign id never leaks anything: it is simply ignored.
    """
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.for_user(user)
    membership = None
    if team_id:
        membership = memberships.filter(team__public_id=team_id).first()
    membership = membership or memberships.order_by("team__name", "id").first()
    if membership is None:
        return None
    workspaces = Workspace.objects.for_team(membership.team)
    workspace = workspaces.filter(public_id=workspace_id).first() if workspace_id else None
    workspace = workspace or workspaces.order_by("environment", "name").first()
    if workspace is None:
        return None
    return TeamContext(user=user, membership=membership, workspace=workspace)


def team_context_or_404(request, permission: Permission | None = None) -> TeamContext:
    """The access check every dashboard view starts with."""
    context = getattr(request, "team_context", None)
    if not context:  # None, or a lazy object wrapping None
        raise Http404("You are not a member of any team yet.")
    if permission is not None:
        context.require(permission)
    return context
