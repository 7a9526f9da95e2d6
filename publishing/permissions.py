"""The one permission map every view, API operation and service asks.

Roles are ordered by trust; each permission lists the roles that hold it. Asking
``role_can(role, Permission.PUBLISH)`` is the only way code decides what a member may do.
"""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    EDITOR = "editor"
    VIEWER = "viewer"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(role.value, role.value.title()) for role in cls]


class Permission(StrEnum):
    MANAGE_MEMBERS = "manage_members"
    MANAGE_API_KEYS = "manage_api_keys"
    MANAGE_INTEGRATIONS = "manage_integrations"
    PUBLISH = "publish"
    APPROVE = "approve"
    DELETE_CONTENT = "delete_content"
    VIEW_REPORTS = "view_reports"


PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_MEMBERS: frozenset({Role.ADMIN}),
    Permission.MANAGE_API_KEYS: frozenset({Role.ADMIN}),
    Permission.MANAGE_INTEGRATIONS: frozenset({Role.ADMIN}),
    Permission.PUBLISH: frozenset({Role.ADMIN, Role.MANAGER, Role.EDITOR}),
    Permission.APPROVE: frozenset({Role.ADMIN, Role.MANAGER}),
    Permission.DELETE_CONTENT: frozenset({Role.ADMIN, Role.MANAGER}),
    Permission.VIEW_REPORTS: frozenset({Role.ADMIN, Role.MANAGER, Role.EDITOR, Role.VIEWER}),
}


def role_can(role: str | Role | None, permission: Permission) -> bool:
    if role is None:
        return False
    try:
        return Role(role) in PERMISSIONS[permission]
    except ValueError:
        return False


def permissions_for(role: str | Role | None) -> dict[str, bool]:
    """Every permission as a boolean, for templates and API responses."""
    return {permission.value: role_can(role, permission) for permission in Permission}
