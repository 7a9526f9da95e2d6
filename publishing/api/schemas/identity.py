"""Users, teams ("organizations"), workspaces ("projects"), login, profile, members, invitations."""

from datetime import datetime
from functools import cache
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, Field, field_validator

from publishing.api.schemas.common import InSchema
from publishing.models import Membership, Team, User, Workspace
from publishing.models.teams import MemberWorkspace
from publishing.permissions import Permission, Role, role_can

# Self-hosted Pinboard has no plans: every workspace has everything, which the SDK calls enterprise.
PLAN = "enterprise"



def _email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("is not a valid email address") from None
    return value


EmailIn = Annotated[str, Field(max_length=254), AfterValidator(_email)]


class UserOut(Schema):
    id: UUID
    email: str
    full_name: str | None = None
    timezone: str
    email_verified: bool
    created_at: datetime


class WorkspaceOut(Schema):
    id: UUID
    name: str
    environment: str
    timezone: str
    plan: str


class ProjectOut(Schema):
    id: UUID
    name: str
    environment: str
    plan: str
    created_at: datetime


class OrganizationOut(Schema):
    id: UUID
    name: str


class PermissionsOut(Schema):
    can_manage_members: bool
    can_manage_billing: bool
    can_manage_api_keys: bool
    can_manage_integrations: bool
    can_publish: bool
    can_delete_assets: bool
    can_reset_sandbox: bool
    can_view_reports: bool
    can_delete_content: bool


class OrganizationSessionOut(Schema):
    organization: OrganizationOut
    organization_role: str
    permissions: PermissionsOut
    active_project: WorkspaceOut
    projects: list[WorkspaceOut]


class MeOut(Schema):
    user: UserOut
    organization: OrganizationOut
    active_project: WorkspaceOut
    projects: list[WorkspaceOut]
    workspace: WorkspaceOut
    available_organizations: list[OrganizationSessionOut]
    organization_role: str
    permissions: PermissionsOut


class AuthOut(MeOut):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ProjectsContextOut(Schema):
    organization: OrganizationOut
    active_project: ProjectOut
    projects: list[ProjectOut]


class ProjectSwitchOut(ProjectsContextOut):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ProfileOut(Schema):
    full_name: str | None = None
    email: str
    workspace_name: str


# --- requests -------------------------------------------------------------------------------

class LoginIn(InSchema):
    email: str = Field(..., max_length=254)
    password: str = Field(..., max_length=4096)
    timezone: str | None = Field(None, max_length=64)
    invite_token: str | None = Field(None, max_length=512)


class RegisterIn(InSchema):
    email: str = Field(..., max_length=254)


class ForgotPasswordIn(InSchema):
    email: str = Field(..., max_length=254)


class ResetPasswordIn(InSchema):
    token: str = Field(..., min_length=20, max_length=512)
    password: str = Field(..., min_length=8, max_length=4096)


class ChangePasswordIn(InSchema):
    current_password: str = Field(..., max_length=4096)
    new_password: str = Field(..., min_length=8, max_length=4096)


# Profile fields the SDK can send that a self-hosted Pinboard does not keep (there is no billing).
UNSUPPORTED_PROFILE_FIELDS = (
    "company_name", "company_website", "billing_email", "billing_phone", "tax_id", "address_line1",
    "address_line2", "address_city", "address_state", "address_postal_code", "address_country",
)


class ProfileUpdateIn(InSchema):
    full_name: str | None = Field(None, max_length=255)
    workspace_name: str | None = Field(None, min_length=1, max_length=120)
    company_name: str | None = None
    company_website: str | None = None
    billing_email: str | None = None
    billing_phone: str | None = None
    tax_id: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_city: str | None = None
    address_state: str | None = None
    address_postal_code: str | None = None
    address_country: str | None = None


class SandboxCreateIn(InSchema):
    name: str | None = Field(None, min_length=1, max_length=120)


class ProjectSwitchIn(InSchema):
    project_id: UUID


class RoleIn(InSchema):
    role: str = Field(..., min_length=4, max_length=32)

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {role.value for role in Role}:
            raise ValueError(f"role must be one of {', '.join(role.value for role in Role)}")
        return value


class InvitationCreateIn(RoleIn):
    email: EmailIn


class InvitationAcceptIn(InSchema):
    token: str = Field(..., min_length=20, max_length=512)


class MemberOut(Schema):
    id: UUID
    organization_id: UUID
    user_id: UUID
    role: str
    invited_by_user_id: UUID | None = None
    accepted_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    user: UserOut


class MembersOut(Schema):
    items: list[MemberOut]


class InvitationOut(Schema):
    id: UUID
    organization_id: UUID
    email: str
    role: str
    invited_by_user_id: UUID | None = None
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    inviter_name: str | None = None
    inviter_email: str | None = None


class InvitationsOut(Schema):
    items: list[InvitationOut]


class InvitationPreviewOut(Schema):
    organization_id: UUID
    organization_name: str
    email: str
    role: str
    status: str
    expires_at: datetime
    inviter_name: str | None = None
    inviter_email: str | None = None
    team_access_enabled: bool


class InvitationAcceptOut(AuthOut):
    pass


# --- presenters -------------------------------------------------------------------------------
# The ids of /me's parts (user, workspace, organization) are written as the strings the JSON carries:
# /me renders its dict without validating it, and 23 UUIDs through the JSON encoder's fallback
# (``default``) cost more than building the dict. Validated answers read the strings back as UUIDs.

def user_out(user: User) -> dict[str, Any]:
    # Accounts exist only when an admin creates them or an emailed invitation is accepted, so the
    # address has been vouched for.
    return {"id": str(user.public_id), "email": user.email, "full_name": user.full_name or None,
            "timezone": user.timezone, "email_verified": True, "created_at": user.date_joined}


def workspace_out(workspace: Workspace | MemberWorkspace) -> dict[str, Any]:
    return {"id": str(workspace.public_id), "name": workspace.name, "environment": workspace.environment,
            "timezone": workspace.timezone, "plan": PLAN}


def project_out(workspace: Workspace) -> dict[str, Any]:
    return {"id": workspace.public_id, "name": workspace.name, "environment": workspace.environment,
            "plan": PLAN, "created_at": workspace.created_at}


def organization_out(team: Team) -> dict[str, Any]:
    return _organization_out(team.public_id, team.name)


def _organization_out(public_id: UUID, name: str) -> dict[str, Any]:
    return {"id": str(public_id), "name": name}


def permissions_out(role: str | None) -> dict[str, bool]:
    return dict(_permissions(role))  # a copy: the cached one is shared


@cache  # a role's permissions are fixed in code (publishing.permissions); /me lists them for every team
def _permissions(role: str | None) -> dict[str, bool]:
    admin = role_can(role, Permission.MANAGE_MEMBERS)
    return {
        "can_manage_members": admin,
        "can_manage_billing": admin,
        "can_manage_api_keys": role_can(role, Permission.MANAGE_API_KEYS),
        "can_manage_integrations": role_can(role, Permission.MANAGE_INTEGRATIONS),
        "can_publish": role_can(role, Permission.PUBLISH),
        "can_delete_assets": role_can(role, Permission.DELETE_CONTENT),
        "can_reset_sandbox": role_can(role, Permission.DELETE_CONTENT),
        "can_view_reports": role_can(role, Permission.VIEW_REPORTS),
        "can_delete_content": role_can(role, Permission.DELETE_CONTENT),
    }


def _team_workspaces(team: Team) -> list[Workspace]:
    return list(Workspace.objects.for_team(team).order_by("environment", "name"))


def session_out(user: User, membership: Membership, workspace: Workspace) -> dict[str, Any]:
    """The body of ``/v1/auth/me`` (and, with a token added, of login and invitation accept): one
    query for every team of the user and their workspaces (teams without a workspace are left out),
    read as plain rows."""
    teams: dict[int, list[MemberWorkspace]] = {}
    for each in Workspace.objects.of_member(user):
        teams.setdefault(each.team_id, []).append(each)
    available = []
    for team_id, workspaces in teams.items():
        first = workspaces[0]
        active = workspace if team_id == workspace.team_id else first
        available.append({"organization": _organization_out(first.team_public_id, first.team_name),
                          "organization_role": first.member_role, "permissions": permissions_out(first.member_role),
                          "active_project": workspace_out(active), "projects": [workspace_out(w) for w in workspaces]})
    return {
        "user": user_out(user),
        "organization": organization_out(membership.team),
        "active_project": workspace_out(workspace),
        "projects": [workspace_out(w) for w in teams.get(membership.team_id, [])],
        "workspace": workspace_out(workspace),
        "available_organizations": available,
        "organization_role": membership.role,
        "permissions": permissions_out(membership.role),
    }


def projects_context_out(workspace: Workspace) -> dict[str, Any]:
    return {"organization": organization_out(workspace.team), "active_project": project_out(workspace),
            "projects": [project_out(w) for w in _team_workspaces(workspace.team)]}
