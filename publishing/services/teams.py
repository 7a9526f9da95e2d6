from django.db import transaction

from publishing.models import Membership, Team, User, Workspace
from publishing.permissions import Role
from publishing.services.audit import audit_record


@transaction.atomic
def team_create(*, name: str, timezone: str = "UTC", actor: User | None = None) -> Team:
    """A team with its sandbox workspace (every team can try things safely)."""
    team = Team.objects.create(name=name)
    workspace_create(team=team, name="Sandbox", environment=Workspace.Environment.SANDBOX, timezone=timezone)
    audit_record(team=team, action="team.created", actor_user=actor, target=team)
    return team


def workspace_create(*, team: Team, name: str, environment: str, timezone: str = "UTC") -> Workspace:
    workspace = Workspace(team=team, name=name, environment=environment, timezone=timezone)
    workspace.full_clean(exclude=["team"])
    workspace.save()
    return workspace


@transaction.atomic
def membership_set_role(*, team: Team, user: User, role: str, actor: User | None = None) -> Membership:
    """Add a user to a team with a role, or change the role of an existing member."""
    role = Role(role)
    membership, created = Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if not created and membership.role != role:
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(team=team, action="member.role_changed", actor_user=actor, target=membership,
                     details={"email": user.email, "from": previous, "to": role.value})
    elif created:
        audit_record(team=team, action="member.added", actor_user=actor, target=membership,
                     details={"email": user.email, "role": role.value})
    return membership
