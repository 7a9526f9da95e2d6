"""A team always keeps an admin, even when two admins demote each other at the same moment."""

import threading

import pytest
from django.db import connection, transaction

from publishing.access import Actor
from publishing.models import Membership, User, Workspace
from publishing.services.teams import LastAdmin, membership_set_role, membership_update_role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_demoting_each_other_at_once_leave_the_team_one_admin(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks that block (PostgreSQL); SQLite serialises every writer anyway")
    second = User.objects.create_user(email="second-admin@acme.test", password=PASSWORD)
    membership_set_role(team=cast.team, user=second, role="admin")
    first_admin = Membership.objects.get(team=cast.team, user=cast.admin)
    second_admin = Membership.objects.get(team=cast.team, user=second)
    demoted, release, failures = threading.Event(), threading.Event(), []

    def demote_the_second_admin_and_hold_the_transaction_open():
        try:
            with transaction.atomic():
                membership_update_role(
                    membership=second_admin,
                    role="viewer",
                    actor=Actor.for_user(cast.admin, Workspace.objects.for_team(cast.team).first()),
                )
                demoted.set()
                release.wait(timeout=10)
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    other = threading.Thread(target=demote_the_second_admin_and_hold_the_transaction_open)
    other.start()
    assert demoted.wait(timeout=10)
    # Commit the other demotion shortly: the one below must wait for it, then see it.
    threading.Timer(0.5, release.set).start()
    try:
        with pytest.raises(LastAdmin):
            membership_update_role(
                membership=first_admin,
                role="viewer",
                actor=Actor.for_user(cast.admin, Workspace.objects.for_team(cast.team).first()),
            )
    finally:
        release.set()
        other.join(timeout=10)
    assert not failures
    assert list(Membership.objects.filter(team=cast.team, role="admin").values_list("user", flat=True)) == [
        cast.admin.pk]
