"""The fixed cast every test draws on: one team with a member per role, and an outsider
who belongs to another team."""

from dataclasses import dataclass

import pytest

from publishing.models import Team, User
from publishing.permissions import Role
from publishing.services.teams import membership_set_role, team_create

pytest_plugins = ["tests.service_markers"]  # postgres/redis markers; no silent skips in CI

PASSWORD = "correct-horse-battery"


@dataclass
class Cast:
    team: Team
    other_team: Team
    admin: User
    manager: User
    editor: User
    viewer: User
    outsider: User

    def by_role(self, role: str) -> User:
        return getattr(self, role)


def make_member(team: Team, email: str, role: str) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=email.split("@")[0].title())
    membership_set_role(team=team, user=user, role=role)
    return user


@pytest.fixture
def cast(db) -> Cast:
    team = team_create(name="Acme", timezone="Europe/Paris")
    other = team_create(name="Globex")
    return Cast(
        team=team,
        other_team=other,
        admin=make_member(team, "alice@acme.test", Role.ADMIN),
        manager=make_member(team, "mona@acme.test", Role.MANAGER),
        editor=make_member(team, "eddie@acme.test", Role.EDITOR),
        viewer=make_member(team, "vera@acme.test", Role.VIEWER),
        outsider=make_member(other, "otto@globex.test", Role.ADMIN),
    )
