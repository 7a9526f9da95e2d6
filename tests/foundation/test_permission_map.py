import pytest

from publishing.permissions import Permission, Role, permissions_for, role_can

EXPECTED = {
    Role.ADMIN: set(Permission),
    Role.MANAGER: {Permission.PUBLISH, Permission.APPROVE, Permission.DELETE_CONTENT, Permission.VIEW_REPORTS},
    Role.EDITOR: {Permission.PUBLISH, Permission.VIEW_REPORTS},
    Role.VIEWER: {Permission.VIEW_REPORTS},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_holds_exactly_its_permissions(role):
    held = {permission for permission in Permission if role_can(role, permission)}
    assert held == EXPECTED[role]


def test_unknown_or_missing_roles_hold_nothing():
    assert not any(role_can("owner", permission) for permission in Permission)
    assert not any(role_can(None, permission) for permission in Permission)


def test_permissions_for_lists_every_permission_as_a_boolean():
    assert permissions_for("editor") == {
        "manage_members": False, "manage_api_keys": False, "manage_integrations": False,
        "publish": True, "approve": False, "delete_content": False, "view_reports": True,
    }
