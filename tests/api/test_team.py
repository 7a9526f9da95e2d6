"""/v1/team through the SDK: members and emailed invitations."""

import re

import pytest
from django.core import mail
from pinbridge_sdk.errors import APIError, AuthenticationError, NotFoundError
from pinbridge_sdk.models import (
    TeamInvitationAcceptRequest,
    TeamInvitationCreateRequest,
    TeamMemberUpdateRequest,
)

from publishing.models import Membership
from publishing.services.teams import INVITATION_EMAIL_TASK
from tests.api.test_password_reset_request import run_queued_resets
from tests.pipeline_fixtures import run_queued

pytestmark = pytest.mark.django_db(transaction=True)


def emailed_token() -> str:
    """The token in the newest invitation email, once the queued invitation jobs have run (a worker's work)."""
    run_queued(INVITATION_EMAIL_TASK)
    return re.search(r"^([A-Za-z0-9_-]{40,})$", mail.outbox[-1].body, re.MULTILINE).group(1)


def test_members_list_update_and_remove(login, cast):
    admin = login(cast.admin)
    members = admin.team.list_members().items
    assert {m.user.email for m in members} == {u.email for u in (cast.admin, cast.manager, cast.editor, cast.viewer)}
    editor = next(m for m in members if m.user.email == cast.editor.email)
    assert admin.team.update_member(editor.id, TeamMemberUpdateRequest(role="Manager")).role == "manager"
    assert "removed" in admin.team.remove_member(editor.id).message
    with pytest.raises(AuthenticationError) as no_team:
        login(cast.editor)  # no team left: the login is refused
    assert no_team.value.code == "no_team"


def test_the_last_admin_cannot_leave_or_be_demoted(login, cast):
    admin = login(cast.admin)
    me = next(m for m in admin.team.list_members().items if m.user.email == cast.admin.email)
    with pytest.raises(APIError) as demote:
        admin.team.update_member(me.id, TeamMemberUpdateRequest(role="viewer"))
    assert demote.value.status_code == 409 and demote.value.code == "last_admin"
    with pytest.raises(APIError):
        admin.team.remove_member(me.id)


def test_invite_preview_resend_and_accept_as_a_new_user(login, cast, sdk):
    admin = login(cast.admin)
    invitation = admin.team.create_invitation(TeamInvitationCreateRequest(email="nina@acme.test", role="editor"))
    assert invitation.email == "nina@acme.test" and invitation.inviter_email == cast.admin.email
    old_token = emailed_token()
    assert mail.outbox[-1].to == ["nina@acme.test"]
    resent = admin.team.resend_invitation(invitation.id)
    token = emailed_token()
    assert token != old_token and resent.expires_at >= invitation.expires_at
    with pytest.raises(NotFoundError):
        sdk().team.preview_invitation(old_token)
    preview = sdk().team.preview_invitation(token)
    assert preview.organization_name == "Acme" and preview.status == "pending" and preview.role == "editor"
    accepted = sdk().team.accept_invitation(TeamInvitationAcceptRequest(token=token))
    assert accepted.organization_role == "editor" and accepted.user.email == "nina@acme.test"
    assert sdk(bearer_token=accepted.access_token).auth.me().organization.name == "Acme"
    run_queued_resets()  # the set-password email goes out from the queue
    assert "set" in mail.outbox[-1].subject.lower() or "password" in mail.outbox[-1].subject.lower()
    assert sdk().team.preview_invitation(token).status == "accepted"


def test_an_existing_user_accepts_with_their_own_login(login, cast):
    admin = login(cast.admin)
    admin.team.create_invitation(TeamInvitationCreateRequest(email=cast.outsider.email, role="viewer"))
    token = emailed_token()
    with pytest.raises(AuthenticationError) as someone_else:
        login(cast.editor).team.accept_invitation(TeamInvitationAcceptRequest(token=token))
    assert someone_else.value.code == "invitation_email_mismatch"
    outsider = login(cast.outsider)
    accepted = outsider.team.accept_invitation(TeamInvitationAcceptRequest(token=token))
    assert accepted.organization.name == "Acme" and len(accepted.available_organizations) == 2


def test_revoked_invitations_cannot_be_accepted(login, cast, sdk):
    admin = login(cast.admin)
    invitation = admin.team.create_invitation(TeamInvitationCreateRequest(email="late@acme.test", role="viewer"))
    token = emailed_token()
    assert "revoked" in admin.team.revoke_invitation(invitation.id).message
    assert admin.team.list_invitations().items[0].revoked_at is not None
    with pytest.raises(APIError) as refused:
        sdk().team.accept_invitation(TeamInvitationAcceptRequest(token=token))
    assert refused.value.status_code == 409 and refused.value.code == "invitation_revoked"


def test_denials(login, cast, keyed, outsider_client):
    member = Membership.objects.get(user=cast.editor)
    with pytest.raises(AuthenticationError) as manager:
        login(cast.manager).team.create_invitation(TeamInvitationCreateRequest(email="x@acme.test", role="editor"))
    assert manager.value.status_code == 403
    with pytest.raises(AuthenticationError) as key:
        keyed().team.update_member(member.public_id, TeamMemberUpdateRequest(role="admin"))
    assert key.value.code == "user_required"
    assert all(m.user.email != cast.editor.email for m in outsider_client.team.list_members().items)
    with pytest.raises(NotFoundError):
        outsider_client.team.remove_member(member.public_id)
    assert login(cast.viewer).team.list_members().items


def test_a_stale_invitation_cannot_change_the_role_of_someone_already_in_the_team(login, cast, sdk):
    """An expired invitation can be resent after its invitee joined through a newer one: accepting it
    then must not change their role (here: the team's only admin would become a viewer)."""
    from datetime import timedelta

    from django.utils import timezone

    from publishing.models import Invitation

    admin = login(cast.admin)
    stale = admin.team.create_invitation(TeamInvitationCreateRequest(email=cast.outsider.email, role="viewer"))
    Invitation.objects.filter(public_id=stale.id).update(expires_at=timezone.now() - timedelta(minutes=1))
    admin.team.create_invitation(TeamInvitationCreateRequest(email=cast.outsider.email, role="admin"))
    joined = login(cast.outsider).team.accept_invitation(TeamInvitationAcceptRequest(token=emailed_token()))
    assert joined.organization_role == "admin"
    new_admin = sdk(bearer_token=joined.access_token)
    old_admin = next(m for m in new_admin.team.list_members().items if m.user.email == cast.admin.email)
    new_admin.team.remove_member(old_admin.id)  # the former outsider is now Acme's only admin
    new_admin.team.resend_invitation(stale.id)
    with pytest.raises(APIError) as refused:
        new_admin.team.accept_invitation(TeamInvitationAcceptRequest(token=emailed_token()))
    assert refused.value.status_code == 409 and refused.value.code == "already_member"
    assert Membership.objects.get(user=cast.outsider, team=cast.team).role == "admin"
